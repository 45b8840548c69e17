"""Runs and the buffered path from `log()` to disk.

`Run.log` only appends tuples to a deque (thread-safe, about a hundred nanoseconds); one background
thread per process encodes and appends them to the run's files every FLUSH_INTERVAL seconds, and
once more at finish and at interpreter exit. A crash (kill -9) loses at most one interval.
"""
import atexit
import collections
import os
import threading
import time
import traceback

from .errors import RunlaneError
from .store.names import validate_metric_key
from .store.writer import StoreWriter

FLUSH_INTERVAL = 0.01  # seconds: live charts see a point within a few tens of ms (p95 target 50 ms)

_writers = {}  # (pid, store_dir) -> StoreWriter; a forked child gets its own writer id
_writers_lock = threading.Lock()


def writer_for(store_dir):
    key = (os.getpid(), os.path.abspath(store_dir))
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = StoreWriter(store_dir)
        return writer


def _to_float(key, value):
    if isinstance(value, (int, float)):  # bool is an int: True logs 1.0
        return float(value)
    try:
        return float(value)  # numpy scalars, 0-d arrays, 0-d torch tensors
    except (TypeError, ValueError):
        raise TypeError(
            "runlane.log(%s=...) got %s, which is not a number; log numbers (int, float, or a "
            "0-d array/tensor) and put other values in runlane.params()." % (key, type(value).__name__)
        ) from None


class Run:
    """A tracked run. Use `runlane.run(...)` or the `%%runlane` magic rather than creating it directly."""

    def __init__(self, writer, run_id, name, attached=False):
        self.writer = writer
        self.id = run_id
        self.name = name
        # Attached to a run another process owns (a job's worker, or rl.run(id=...)): its status is
        # that process's to set, so finishing here only flushes.
        self.attached = attached
        self.finished = False
        self._pending = collections.deque()
        self._logs = collections.deque()
        self._keys = set()
        self._next_step = 0
        self._flush_lock = threading.Lock()

    @property
    def store_dir(self):
        return self.writer.dir

    def log(self, metrics=None, step=None, **kwargs):
        """Logs numbers at a step. Without `step`, each call takes the next step of this run
        (0, 1, 2, ...); with `step`, later calls without one continue from step + 1."""
        if metrics:
            kwargs.update(metrics)
        if step is None:
            step = self._next_step
            self._next_step += 1
        else:
            step = int(step)
            if step >= self._next_step:
                self._next_step = step + 1
        now = time.time()
        append = self._pending.append
        keys = self._keys
        for key, value in kwargs.items():
            if key not in keys:
                validate_metric_key(key)
                keys.add(key)
            if type(value) is not float:
                value = _to_float(key, value)
            append((key, step, now, value))

    def params(self, params=None, **kwargs):
        if params:
            kwargs = dict(params, **kwargs)
        if kwargs:
            self.writer.set_params(self.id, kwargs)

    def tags(self, *names, **values):
        tags = {str(n): "" for n in names}
        tags.update(values)
        if tags:
            self.writer.set_tags(self.id, tags)

    def rename(self, name):
        self.writer.set_name(self.id, name)
        self.name = name

    def write_output(self, stream, data):
        """Buffers stdout/stderr text for the run's logs (written by the flush thread)."""
        self._logs.append((stream, data))

    def flush(self):
        with self._flush_lock:
            pending = self._pending
            batch = [pending.popleft() for _ in range(len(pending))]
            logs = self._logs
            chunks = [logs.popleft() for _ in range(len(logs))]
        if batch:
            by_key = {}
            for key, step, t, value in batch:
                by_key.setdefault(key, []).append((step, t, value))
            for key, points in by_key.items():
                self.writer.append_metric(self.id, key, points)
        if chunks:
            by_stream = {}
            for stream, data in chunks:
                by_stream.setdefault(stream, []).append(data)
            for stream, parts in by_stream.items():
                self.writer.append_log(self.id, stream, "".join(parts))

    def finish(self, status="finished", error=None):
        """Flushes everything and records the final status (finished, failed, interrupted...)."""
        if self.finished:
            return
        self.finished = True
        _flusher.forget(self)
        self.flush()
        if not self.attached:
            self.writer.set_status(self.id, status, error=error)
        self.writer.close_run_files(self.id)

    def __repr__(self):
        return "<runlane.Run %s %r>" % (self.id, self.name)


class _Flusher:
    """The one background thread that writes every open run's buffers."""

    def __init__(self):
        self._runs = []
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None

    def track(self, run):
        with self._lock:
            self._runs.append(run)
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, name="runlane-flush", daemon=True)
                self._thread.start()

    def forget(self, run):
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)

    def open_runs(self):
        with self._lock:
            return list(self._runs)

    def flush_all(self):
        for run in self.open_runs():
            try:
                run.flush()
            except Exception:  # a full disk must not kill the thread that writes everything else
                traceback.print_exc()

    def _loop(self):
        while True:
            time.sleep(FLUSH_INTERVAL)
            self.flush_all()


_flusher = _Flusher()


def start_run(store_dir, name, experiment, kind, run_id=None, **meta):
    """Creates (or, with an existing run_id, attaches to) a run and marks it running."""
    writer = writer_for(store_dir)
    if run_id is not None and os.path.exists(os.path.join(writer.dir, "runs", run_id, "meta.json")):
        run = Run(writer, run_id, name, attached=True)  # another writer's run, our own files
    else:
        run_id = writer.create_run(name, experiment, kind, run_id=run_id, **meta)
        run = Run(writer, run_id, name)
        writer.set_status(run_id, "running")
    _flusher.track(run)
    return run


def status_from_exception(exc):
    """(status, traceback text) for how a run ended."""
    if exc is None:
        return "finished", None
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", None
    return "failed", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@atexit.register
def _finish_at_exit():
    """Everything buffered reaches disk at a normal exit; open runs end as finished."""
    for run in _flusher.open_runs():
        try:
            run.finish("finished")
        except RunlaneError:
            pass
