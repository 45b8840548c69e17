"""CPU % and resident memory of a process and all its descendants (system.py's `system/cpu_percent`
and `system/memory_mb`): from /proc on Linux (stdlib only), from psutil elsewhere when it imports,
else nothing (the sampler then records GPUs only).

CPU % is the CPU time the tree's processes used between two samples over the wall time between them,
as `top` counts it (two busy cores read 200). A process seen for the first time counts from zero: it
was started since the last sample (a DataLoader worker), or the whole tree is new (the first sample,
which reports memory only, for want of an interval)."""
import os
import sys
import time

MIB = 1 << 20


class _TreeSampler:
    def __init__(self, root):
        self.root = root
        self._last = None  # (monotonic time, {pid key: cpu seconds})

    def reset(self):
        self._last = None

    def sample(self):
        """{"cpu_percent": ..., "memory_mb": ...}; cpu_percent from the second sample on."""
        procs = self._read()  # {pid key: (cpu seconds, rss bytes)}
        if not procs:
            return {}
        now = time.monotonic()
        values = {"memory_mb": sum(rss for _, rss in procs.values()) / MIB}
        cpu = {key: seconds for key, (seconds, _) in procs.items()}
        if self._last is not None and now > self._last[0]:
            before = self._last[1]
            used = sum(max(0.0, seconds - before.get(key, 0.0)) for key, seconds in cpu.items())
            values["cpu_percent"] = 100.0 * used / (now - self._last[0])
        self._last = (now, cpu)
        return values


class ProcTreeSampler(_TreeSampler):
    """Linux: /proc/<pid>/stat of the root and its descendants. Children are read from each thread's
    `children` file when the kernel has them (a walk of the tree only), else from one pass over /proc."""

    def __init__(self, root, proc="/proc"):
        super().__init__(root)
        self.proc = proc
        self.tick = float(os.sysconf("SC_CLK_TCK"))
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.children_files = os.path.exists(os.path.join(proc, str(root), "task", str(root), "children"))

    def _stat(self, pid):
        """(ppid, start ticks, cpu seconds, rss bytes) of a live process, or None."""
        try:
            with open(os.path.join(self.proc, str(pid), "stat"), "rb") as f:
                text = f.read()
        except OSError:
            return None  # it ended between the listing and the read
        fields = text[text.rfind(b")") + 2:].split()  # the name may hold spaces and parentheses
        if len(fields) < 22:
            return None
        # From field 3 (state) on: ppid 4, utime 14, stime 15, starttime 22, rss 24 (man 5 proc).
        cpu = (int(fields[11]) + int(fields[12])) / self.tick
        return int(fields[1]), int(fields[19]), cpu, int(fields[21]) * self.page

    def _children(self, pid):
        kids = []
        try:
            tasks = os.listdir(os.path.join(self.proc, str(pid), "task"))
        except OSError:
            return kids
        for tid in tasks:
            try:
                with open(os.path.join(self.proc, str(pid), "task", tid, "children"), "rb") as f:
                    kids.extend(int(p) for p in f.read().split())
            except (OSError, ValueError):
                pass
        return kids

    def _all_parents(self):
        parents = {}
        for name in os.listdir(self.proc):
            if name.isdigit():
                stat = self._stat(int(name))
                if stat is not None:
                    parents.setdefault(stat[0], []).append(int(name))
        return parents

    def _read(self):
        parents = None if self.children_files else self._all_parents()
        found, queue = {}, [self.root]
        while queue:
            pid = queue.pop()
            stat = self._stat(pid)
            if stat is None or pid in found:
                continue
            # (pid, start time) keys: a pid the system reused is another process, counted afresh.
            found[pid] = ((pid, stat[1]), stat[2], stat[3])
            queue.extend(self._children(pid) if parents is None else parents.get(pid, ()))
        return {key: (cpu, rss) for key, cpu, rss in found.values()}


class PsutilTreeSampler(_TreeSampler):
    def __init__(self, root, psutil):
        super().__init__(root)
        self.psutil = psutil

    def _read(self):
        try:
            root = self.psutil.Process(self.root)
            procs = [root] + root.children(recursive=True)
        except self.psutil.Error:
            return {}
        found = {}
        for proc in procs:
            try:
                with proc.oneshot():
                    times, rss = proc.cpu_times(), proc.memory_info().rss
                    found[(proc.pid, proc.create_time())] = (times.user + times.system, rss)
            except self.psutil.Error:
                pass  # it ended while being read
        return found


def process_tree_sampler(root, platform=None):
    """The sampler this platform offers for the tree under `root`, or None."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux") and os.path.isdir("/proc/%d" % root):
        return ProcTreeSampler(root)
    try:
        import psutil  # type: ignore
    except ImportError:
        return None
    return PsutilTreeSampler(root, psutil)
