"""System metrics: while a run is open, one daemon thread per process samples the process tree's CPU
and memory and the run's GPUs every few seconds into `system/*` metrics of the run.

    system/cpu_percent        CPU time of this process and its descendants over the last interval,
                              as `top` shows it (100 = one core busy; 4 busy cores read 400)
    system/memory_mb          their resident memory (RSS), summed, in MiB
    system/gpu<N>/util        GPU utilisation, % (nvidia-smi's utilization.gpu)
    system/gpu<N>/memory_mb   GPU memory used, MiB
    system/gpu<N>/power_w     power draw, W

`<N>` is the GPU's number as CUDA numbers it in this process (the N of `cuda:N`): its position in
CUDA_VISIBLE_DEVICES, or nvidia-smi's index when that is not set. Only the GPUs the process was given
are sampled. A sample's step is whole seconds since sampling of that run began, so the step axis of
the system charts reads as time; its time is the wall clock, as every point's.

Never the training thread: `Run.log` is untouched, the thread only appends to the run's queue, which
the flusher writes (to the store, or in-band on a job worker without the store's filesystem). The
GPU query is one `nvidia-smi` process per sample (NVML through pynvml when nvidia-smi is missing and
pynvml imports). CPU and memory come from /proc on Linux (stdlib only), from psutil elsewhere when it
is installed; without either only the GPUs are sampled. RUNLANE_SYSTEM_METRICS=0 turns it all off;
RUNLANE_SYSTEM_INTERVAL sets the seconds between samples (default 5, at least 1)."""
import os
import sys
import threading
import time

from .system_procs import process_tree_sampler

ENV_SWITCH = "RUNLANE_SYSTEM_METRICS"
ENV_INTERVAL = "RUNLANE_SYSTEM_INTERVAL"
# 5 s: a chart of a run of a few minutes still has dozens of points, while a sample (a walk of the
# process tree and one nvidia-smi process: about 1 ms of CPU here, test/bench/system_metrics.py)
# stays far under 1% of one core.
DEFAULT_INTERVAL = 5.0
MIN_INTERVAL = 1.0  # steps are whole seconds: faster samples would share steps


MAX_INTERVAL = 3600.0  # time.sleep refuses an infinite wait, and an hour is already no chart
_OFF = ("0", "false", "no", "off")
_ON = ("", "1", "true", "yes", "on")
_warned = set()


def _warn_once(message):
    """A bad setting is said once per process, on stderr (the cell's or the worker's output)."""
    if message not in _warned:
        _warned.add(message)
        sys.stderr.write("runlane: %s\n" % message)


def enabled(environ=None):
    value = (os.environ if environ is None else environ).get(ENV_SWITCH, "1").strip().lower()
    if value not in _OFF + _ON:
        _warn_once("%s=%s is neither on (1) nor off (0); system metrics are sampled. Set it to 0 to turn "
                   "them off." % (ENV_SWITCH, value))
    return value not in _OFF


def settings_env(environ=None):
    """The system metrics settings this process was given ({name: value}), for the jobs it submits: a
    notebook's `%env RUNLANE_SYSTEM_METRICS=0` reaches its job cells' workers, on every target."""
    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in (ENV_SWITCH, ENV_INTERVAL) if name in environ}


def interval(environ=None):
    """Seconds between samples: RUNLANE_SYSTEM_INTERVAL within [1 s, 1 h], else 5 s (a bad value is
    said once and the run goes on: it is no reason to lose the training)."""
    raw = (os.environ if environ is None else environ).get(ENV_INTERVAL, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if seconds != seconds:  # not a number (NaN included)
        _warn_once("%s=%s is not a number of seconds; sampling every %g s. Set it to 2 for every 2 s."
                   % (ENV_INTERVAL, raw, DEFAULT_INTERVAL))
        return DEFAULT_INTERVAL
    return min(MAX_INTERVAL, max(MIN_INTERVAL, seconds))


def take_sample(tree, gpus):
    """{key: value} of one sample: the process tree's CPU and memory, and each given GPU."""
    values = {}
    procs = tree.sample() if tree is not None else {}
    if "cpu_percent" in procs:
        values["system/cpu_percent"] = procs["cpu_percent"]
    if "memory_mb" in procs:
        values["system/memory_mb"] = procs["memory_mb"]
    for number, gpu in gpus.sample():
        for field in ("util", "memory_mb", "power_w"):
            if gpu.get(field) is not None:
                values["system/gpu%d/%s" % (number, field)] = gpu[field]
    return values


class SystemSampler:
    """The one sampling thread of a process; it sleeps on an event while no run is open."""

    def __init__(self):
        self._runs = {}  # run -> when its sampling began (time.time())
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._thread = None
        self._pid = None
        self._tree = None
        self._gpus = None

    def track(self, run):
        if not enabled() or not _samples(run):
            return
        with self._lock:
            self._runs.setdefault(run, time.time())
            self._busy.set()
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._tree = process_tree_sampler(os.getpid())
                self._gpus = None  # made by the thread (_gpu_query): not on the first rl.log's path
                self._thread = threading.Thread(target=self._loop, name="runlane-system", daemon=True)
                self._thread.start()

    def forget(self, run):
        with self._lock:
            self._runs.pop(run, None)
            if not self._runs:
                self._busy.clear()

    def reset_after_fork(self):
        """A forked child (a DataLoader worker) samples nothing: its parent's sample covers it."""
        self._runs = {}
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._thread = None
        self._pid = None

    def sample_once(self):
        """Takes one sample and queues it in every open run (also the loop's body)."""
        values = take_sample(self._tree, self._gpu_query())
        now = time.time()
        with self._lock:
            runs = list(self._runs.items())
        for run, began in runs:
            if run.finished:  # a run that ended is dropped here: finish() need not know of sampling
                self.forget(run)
            elif values:
                run.add_points([(key, int(now - began), now, float(v)) for key, v in values.items()])

    def _gpu_query(self):
        """The GPU query, made on first use: it imports subprocess and shutil and looks for nvidia-smi,
        several ms that a process's first rl.log (the thread's start) need not wait for."""
        if self._gpus is None:
            from .system_gpu import GpuQuery

            self._gpus = GpuQuery()
        return self._gpus

    def _loop(self):
        baseline = True
        while True:
            if not self._busy.is_set():
                self._busy.wait()
                baseline = True
            if baseline and self._tree is not None:
                # CPU % is over an interval: measured from when sampling resumes, not over the idle
                # time before; the first sample comes one interval later.
                self._tree.reset()
                self._tree.sample()
                baseline = False
            time.sleep(interval())  # read each time: a notebook may change it between runs
            try:
                self.sample_once()
            except Exception:  # a sample that fails (a driver error) must not end sampling
                time.sleep(MIN_INTERVAL)  # nor turn into a busy loop if it fails at once each time


def _samples(run):
    """An attached run outside a job is another live process's (rl.run(id=...)): that process
    samples it. A job's workers each sample their own processes, kept apart by rank."""
    return not run.attached or bool(os.environ.get("RUNLANE_RUN_ID"))


sampler = SystemSampler()

