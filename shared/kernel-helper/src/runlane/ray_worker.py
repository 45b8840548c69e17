"""One rank of a Ray job (runlane.ray_driver places one per worker as a Ray actor): runs the worker's
process on its node and hands its output to the driver as framed lines. Standard library only (Ray
itself is imported by the driver), so it can be tested without a cluster.

The worker runs in a session of its own (its process group is what a stop kills), with its stdout and
stderr on pipes read by a thread each: every line becomes a frame `\\x1eRL <rank> o|e <text>\\n`, and a
line left open for FLUSH_S (a progress bar redrawn with \\r) is sent so far as `O|E` (text without a
newline), so progress shows live. A guard process, in a session of its own too, holds a pipe from this
process: when this process dies in any way (the Ray job stopped, its actor killed with SIGKILL), the
pipe closes and the guard kills the worker's group, so no worker outlives its job."""
import base64
import codecs
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PREFIX = b"\x1eRL "
FLUSH_S = 0.1  # an open line is sent after this long without its newline (progress bars)
MAX_OPEN_LINE = 64 * 1024  # an open line this long is sent at once (a "line" with no newline at all)
MAX_POLL_BYTES = 4 << 20  # one poll hands over at most this much (a flood moves in big batches)
CHUNK = 48 * 1024  # raw bytes per artifact/file frame (64 KiB of base64)
ENV_WAIT = 5.0  # seconds the files wait for rank 0's env.json (git, nvidia-smi), as runlane.worker does
RUN_FILES_SKIPPED = ("artifacts", "logs", "metrics", "meta.json")  # artifacts go as `a`; metrics in-band

# The guard: waits for its stdin to close (the actor is gone, or the worker ended), then SIGTERM to the
# worker's group, SIGKILL after a grace. No import of runlane: it runs with -I.
# It forks away from its parent at once: Ray kills an actor's direct children with it
# (kill_child_processes_on_worker_exit), which would take the guard before it could act. When the
# actor itself is gone (not merely the worker ended), it also removes the rank's temp store.
GUARD = """
import os, shutil, signal, sys, time
if os.fork():
    os._exit(0)
group, grace, actor, store = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.stdin.buffer.read()
def alive():
    try:
        os.killpg(group, 0)
        return True
    except OSError:
        return False
if alive():
    try:
        os.killpg(group, signal.SIGTERM)
    except OSError:
        pass
    end = time.time() + grace
    while alive() and time.time() < end:
        time.sleep(0.05)
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
try:
    with open("/proc/%d/stat" % actor) as f:
        gone = f.read().rsplit(")", 1)[1].split()[0] == "Z"
except OSError:
    gone = True
if gone:
    shutil.rmtree(store, ignore_errors=True)
"""


def frame(rank, kind, text=b""):
    """One framed line (bytes); `text` must hold no newline (see escape)."""
    return PREFIX + ("%s %s " % (rank, kind)).encode() + text + b"\n"


def escape(text):
    """Output text for a frame, as UTF-8 bytes. Ray serves the job log through Python's text mode,
    which turns every \r into a newline (a progress bar's redraws would become lines): \r goes as
    DLE "r" and DLE itself as DLE DLE (\x10), which the daemon's demux turns back."""
    if "\x10" in text:
        text = text.replace("\x10", "\x10\x10")
    if "\r" in text:
        text = text.replace("\r", "\x10r")
    return text.encode("utf-8")


def unescape(text):
    """The twin of escape (for tests and Python readers of the framing)."""
    if "\x10" not in text:
        return text
    return re.sub("\x10([r\x10])", lambda m: "\r" if m.group(1) == "r" else "\x10", text)


def free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


class RankWorker:
    """The rank's actor: `start` its process, `poll` its frames, `stop` it, `files` when it ended."""

    def __init__(self, rank):
        self.rank = rank
        self.process = None
        self.guard = None
        self.returncode = None
        self.drain_until = 0.0
        self.env_capture = None
        self.frames = []
        self.size = 0
        self.open_streams = 0
        self.cond = threading.Condition()
        self.store = tempfile.mkdtemp(prefix="runlane-ray-")

    def where(self, want_port=False):
        """This actor's node and GPUs (and a free port there, for rank 0's MASTER_PORT)."""
        gpus = []
        try:
            import ray  # the actor runs in Ray: its assigned GPUs

            gpus = [str(g) for g in ray.get_gpu_ids()]
            node = ray.get_runtime_context().get_node_id()
            ip = ray.util.get_node_ip_address()
        except ImportError:
            node, ip = socket.gethostname(), "127.0.0.1"
        return {"node": node, "ip": ip, "gpus": gpus, "port": free_port() if want_port else None,
                "store": self.store}

    def start(self, job, env, grace=3.0):
        """Starts the worker: `job` is the spec's {command, cell, cwd} (see ray_driver), `env` this rank's."""
        argv, cwd, extra = resolve(job, os.getcwd())
        env = dict(env, **extra)
        run_id = env.get("RUNLANE_RUN_ID", "run")
        run_dir = os.path.join(self.store, "runs", run_id)
        os.makedirs(os.path.join(run_dir, "artifacts"), exist_ok=True)
        os.makedirs(os.path.join(run_dir, "job"), exist_ok=True)
        # The run's meta.json, which the daemon puts in the package: with it the helper in the worker
        # joins the job's run (as on SSH) instead of writing statuses of its own (the daemon's to write).
        meta = os.path.join(os.getcwd(), "meta.json")
        if os.path.isfile(meta) and not os.path.exists(os.path.join(run_dir, "meta.json")):
            shutil.copyfile(meta, os.path.join(run_dir, "meta.json"))
        full_env = dict(os.environ)
        for name in ("RAY_JOB_ID", "RAY_RAYLET_PID", "RAY_CLIENT_MODE"):
            full_env.pop(name, None)  # the worker is not part of Ray's own process tree
        full_env.update(env)
        full_env.update(RUNLANE_DIR=self.store, RUNLANE_OUTPUT_DIR=os.path.join(run_dir, "artifacts"))
        try:
            self.process = subprocess.Popen(argv, cwd=cwd or None, env=full_env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as err:
            message = "runlane: could not start %s on this node: %s" % (argv[0] if argv else "the worker", err)
            self._push(frame(self.rank, "e", message.encode()))
            self.returncode = 127
            return False
        self.guard = subprocess.Popen([sys.executable, "-I", "-c", GUARD, str(self.process.pid), str(grace),
                                       str(os.getpid()), self.store],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
        self.guard.wait()  # the first process exits once the guard has forked away
        capture = env_capture_argv(argv) if self.rank == 0 and job.get("cell") is None else None
        if capture:  # rank 0 of a Python script job records the run's env.json beside it, as on every target
            self.env_capture = subprocess.Popen(capture, cwd=cwd or None, env=full_env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.open_streams = 2
        for stream, kind in ((self.process.stdout, "o"), (self.process.stderr, "e")):
            threading.Thread(target=self._pump, args=(stream, kind), daemon=True).start()
        threading.Thread(target=self._wait, args=(grace,), daemon=True).start()
        return True

    def _wait(self, grace):
        """The worker's end is its process's end: what it left running in its group (which may hold its
        output pipes open) is stopped by the guard, and output is awaited for a while more, no longer."""
        code = self.process.wait()
        with self.cond:
            self.returncode = code
            self.drain_until = time.monotonic() + grace + 2.0
            self.cond.notify_all()
        self.guard.stdin.close()

    def _push(self, data):
        with self.cond:
            self.frames.append(data)
            self.size += len(data)
            self.cond.notify_all()

    def _pump(self, stream, kind):
        """Frames one stream: whole lines as `kind`, an open line after FLUSH_S as its capital. Bytes are
        decoded incrementally (a character cut by a read or a flush is kept whole; invalid UTF-8 shows
        as U+FFFD, since Ray serves the log as text and would fail on it)."""
        fd = stream.fileno()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

        def text(data, final=False):
            return escape(decoder.decode(data, final))

        held = b""
        held_since = None
        while True:
            wait = None if not held else max(0.0, FLUSH_S - (time.monotonic() - held_since))
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:  # the line stayed open: send what there is (a progress bar's state)
                shown = text(held)
                if shown:  # (empty when all it holds is the start of a character)
                    self._push(frame(self.rank, kind.upper(), shown))
                held, held_since = b"", None
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                break
            was_open = bool(held)
            lines = (held + data).split(b"\n")
            held = lines.pop()
            out = [frame(self.rank, kind, text(line)) for line in lines]
            if len(held) >= MAX_OPEN_LINE:
                out.append(frame(self.rank, kind.upper(), text(held)))
                held = b""
            if out:
                self._push(b"".join(out))
            if not held:
                held_since = None
            elif lines or not was_open:  # a line newly opened: its FLUSH_S starts now
                held_since = time.monotonic()
        rest = text(held, True)
        if rest:
            self._push(frame(self.rank, kind.upper(), rest))  # a last line without its newline
        stream.close()
        with self.cond:
            self.open_streams -= 1
            self.cond.notify_all()

    def poll(self, timeout=0.5):
        """(frames so far as one bytes blob, the exit code once the worker ended and all is read, else None).
        Returns as soon as there is something, else after `timeout`."""
        with self.cond:
            if not self.frames and not self._ended():
                self.cond.wait(timeout)
            taken, size = [], 0
            while self.frames and size < MAX_POLL_BYTES:
                size += len(self.frames[0])
                taken.append(self.frames.pop(0))
            self.size -= size
            done = not self.frames and self._ended()
        return b"".join(taken), (self.returncode if done else None)

    def _ended(self):
        if self.returncode is None:
            return False
        return self.open_streams == 0 or time.monotonic() > self.drain_until

    def stop(self, grace=3.0):
        """SIGTERM to the worker's group, SIGKILL after `grace` (returns at once; poll sees the end)."""
        if self.process is None or self.process.poll() is not None:
            return False
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except OSError:
            return False

        def kill_later():
            time.sleep(grace)
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass

        threading.Thread(target=kill_later, daemon=True).start()
        return True

    def pid(self):
        return None if self.process is None else self.process.pid

    def files(self, run_id, budget):
        """The run's files (`f`) then artifacts (`a`) of this worker, framed, within `budget` bytes:
        (blob, bytes used, [relpaths left out])."""
        run_dir = os.path.join(self.store, "runs", run_id)
        if self.env_capture is not None:
            try:
                self.env_capture.wait(ENV_WAIT)
            except subprocess.TimeoutExpired:
                self.env_capture.kill()
        out, used, skipped = [], 0, []
        for kind, base in (("f", run_dir), ("a", os.path.join(run_dir, "artifacts"))):
            for rel in _files_under(base, skip=RUN_FILES_SKIPPED if kind == "f" else ()):
                path = os.path.join(base, rel)
                try:
                    size = os.path.getsize(path)
                except OSError:
                    continue
                if used + size > budget:
                    skipped.append((kind, rel, size))
                    continue
                name = urllib.parse.quote(rel.replace(os.sep, "/"), safe="/").encode()
                with open(path, "rb") as f:
                    first = True
                    while True:
                        data = f.read(CHUNK)
                        if not data and not first:
                            break
                        out.append(frame(self.rank, kind, name + b" " + base64.b64encode(data)))
                        first = False
                used += size
        return b"".join(out), used, skipped

    def cleanup(self):
        import shutil

        shutil.rmtree(self.store, ignore_errors=True)


def resolve(job, package):
    """(argv, cwd, env) of the worker from the spec's {command, cell, cwd}; `package` is the job's
    unpacked package on this node (Ray starts actors there). "python"/"python3" and a cell run with
    this node's interpreter, the one Ray runs with; the package's runlane comes first on PYTHONPATH."""
    helper = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH")
    env = {"PYTHONPATH": helper + (os.pathsep + path if path else "")}
    cwd = os.path.join(package, job["cwd"]) if job.get("cwd") else None
    if job.get("cell") is not None:
        input_dir = os.path.join(package, job["cell"].get("input") or "input")
        env["RUNLANE_INPUT_DIR"] = input_dir
        return [sys.executable, "-m", "runlane.worker", input_dir], cwd or input_dir, env
    argv = list(job["command"])
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv, cwd or package, env


def env_capture_argv(argv):
    """`python -m runlane.worker --env SCRIPT` for a command run by Python (envCapture.ts's rule), else None."""
    if not os.path.basename(argv[0]).startswith("python") or argv[1:3] == ["-m", "runlane.worker"]:
        return None
    script = next((a for a in argv[1:] if a.endswith(".py") and not a.startswith("-")), None)
    return [argv[0], "-m", "runlane.worker", "--env"] + ([script] if script else [])


def _files_under(base, skip=()):
    """Files under `base`, relative, sorted; top-level names in `skip` and temp files (*.tmp-*) left out."""
    found = []
    for folder, dirs, names in os.walk(base):
        rel_dir = os.path.relpath(folder, base)
        if rel_dir == ".":
            dirs[:] = [d for d in dirs if d not in skip]
            names = [n for n in names if n not in skip]
        for name in names:
            if ".tmp-" not in name:
                found.append(os.path.normpath(os.path.join(rel_dir, name)))
    return sorted(found)
