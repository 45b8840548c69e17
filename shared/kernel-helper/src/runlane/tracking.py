"""Runs and the buffered path from `log()` to disk.

`Run.log` only appends tuples to a deque (thread-safe, well under a microsecond); the flusher thread
(flusher.py) encodes and appends them to this process's own files every few milliseconds, and once
more at finish and at interpreter exit.
"""
import atexit
import collections
import json
import os
import sys
import threading
import time

from . import held as held_data
from . import inband, system
from .errors import RunFinishedError, RunlaneError
from .flusher import Flusher
from .held import Holding
from .held import _notices as _held_notices
from .log_values import to_float, to_step
from .store.atomic import copy_file_atomic
from .store.names import (
    validate_artifact_path,
    validate_experiment,
    validate_metric_key,
    validate_note,
    validate_run_name,
)
from .store.names import validate_param_key as writer_validate_param_key
from .store.statuses import LIVE_STATUSES
from .store.writer import StoreWriter, new_run_id

DEFAULT_EXPERIMENT = "Default"  # a run's experiment when nothing names one
_writers = {}  # (pid, store_dir) -> StoreWriter; a forked child gets its own writer id
_writers_lock = threading.Lock()
_flusher = Flusher()

def writer_for(store_dir):
    key = (os.getpid(), os.path.abspath(store_dir))
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = StoreWriter(store_dir)
        return writer


class _AdoptOnFirstUse:
    """Stands in for an inherited run's queues in a forked child: the child's first write re-binds
    the run to a writer of the child's own (its own files), then goes through."""

    def __init__(self, run, queue_name):
        self._run = run
        self._queue_name = queue_name

    def append(self, item):
        self._run._adopt_in_child()
        getattr(self._run, self._queue_name).append(item)

    def extend(self, items):
        self._run._adopt_in_child()
        getattr(self._run, self._queue_name).extend(items)

    def __len__(self):
        return 0


ARTIFACTS = "artifacts"


class Run(Holding):
    """A tracked run. Use `runlane.run(...)`, the `%%runlane` magic or `runlane.log()` rather than
    creating it directly. Attributes: `id`, `name`, `store_dir`."""

    def __init__(self, writer, run_id, name, attached=False):
        self.writer = writer
        self.id = run_id
        self.name = name
        # Attached to a run another live process owns (a job's worker, or rl.run(id=...) while the
        # run is running elsewhere): its status is that process's to set, so finishing only flushes.
        self.attached = attached
        self.finished = False
        self.output = None  # a script run's CaptureOutput (notebook/tee.py), stopped when it ends
        self._pid = os.getpid()
        self._pending = collections.deque()  # (key, step, time, value)
        self._logs = collections.deque()  # (stream, text)
        self._keys = set()  # keys already validated
        self._next_step = 0
        self._flush_lock = threading.Lock()
        self._held = None  # a Held while the store cannot be written (held.py)
        self._final = None  # writes the final status once everything before it is written
        # A job's worker told to send metrics on stdout (RUNLANE_METRICS=stdout, set by launchers
        # whose hosts do not share the store): the demux reading its output puts them in the run.
        self._inband = inband.enabled() and os.environ.get("RUNLANE_RUN_ID") == run_id

    @property
    def store_dir(self):
        return self.writer.dir

    def artifact(self, path, name=None):
        """Copies a file, or a folder with everything in it, into the run's artifacts as `name`
        (default: its base name). Each file is copied to a temp name and renamed, so a crash never
        leaves half a file under its real name. Returns the artifact's path in the run."""
        source = os.fspath(path)
        if not os.path.exists(source):
            raise FileNotFoundError("runlane.artifact: %s does not exist." % source)
        name = os.path.basename(os.path.normpath(source)) if name is None else name
        segments = validate_artifact_path(name)
        target = os.path.join(self.store_dir, "runs", self.id, ARTIFACTS, *segments)
        if os.path.isdir(source):
            for folder, _, files in os.walk(source):
                for file in files:
                    rel = os.path.relpath(os.path.join(folder, file), source)
                    copy_file_atomic(os.path.join(folder, file), os.path.join(target, rel), self.writer.writer_id)
        else:
            copy_file_atomic(source, target, self.writer.writer_id)
        return name

    def log(self, metrics=None, step=None, **kwargs):
        """Logs numbers at a step: `run.log(loss=0.3, acc=0.9)` or `run.log({"val/loss": 0.2}, step=10)`.

        Steps are per run, W&B-style: a call without `step` takes the run's next step (0, 1, 2, ...),
        one step for all its values; a call with `step` uses it, and later calls without one continue
        from step + 1. Values are bool, int, float, numpy scalars or 0-d arrays/tensors; NaN and
        +/-Inf are kept. The call only appends to a queue; a background thread writes it.
        """
        if self.finished:
            raise RunFinishedError("Run %s has finished; log inside its `with runlane.run()` block, or start a "
                                   "new run." % self.id)
        if metrics:
            kwargs.update(metrics)
        step = self._next_step if step is None else to_step(step)
        now = time.time()
        keys = self._keys
        points = []  # all values of the call, or (on a bad one) none of them
        for key, value in kwargs.items():
            if key not in keys:
                validate_metric_key(key)
                keys.add(key)
            if type(value) is not float:
                value = to_float(key, value)
            points.append((key, step, now, value))
        self._pending.extend(points)
        if step >= self._next_step:
            self._next_step = step + 1
        if _held_notices:  # a store turned full (or writable again): say so in this cell's output
            held_data.print_notices()

    def add_points(self, points):
        """Queues [(key, step, time, value)] as they are, without touching the run's next step (the
        system metrics sampler's thread: its keys are valid and its steps are its own)."""
        self._pending.extend(points)

    def log_image(self, key, image, step=None, caption=None):
        """`rl.log_image` for this run (media.py): checked here, encoded and written in the background."""
        from . import media

        media.log_image(self, key, image, step, caption)

    def log_histogram(self, key, values, step=None, buckets=None):
        """`rl.log_histogram` for this run: only the buckets are stored."""
        from . import media

        media.log_histogram(self, key, values, step, buckets)

    def log_text(self, key, text, step=None):
        """`rl.log_text` for this run."""
        from . import media

        media.log_text(self, key, text, step)

    def params(self, params=None, **kwargs):
        """Records hyperparameters (merged key by key with earlier ones)."""
        if params:
            kwargs = dict(params, **kwargs)
        if kwargs:
            self._own_writer()
            for key in kwargs:  # a bad key is the caller's error now, not a held write's later
                writer_validate_param_key(key)
            self._event(lambda w: w.set_params(self.id, kwargs))

    def tags(self, *names, **values):
        """Tags the run; a bare name is a tag with an empty value, a value of None removes a tag."""
        tags = {str(n): "" for n in names}
        tags.update(values)
        if tags:
            self._own_writer()
            for key in tags:
                writer_validate_param_key(key, "tag key")
            self._event(lambda w: w.set_tags(self.id, tags))

    def note(self, text):
        """Sets the run's free-text note (the last one wins; None or "" clears it)."""
        if text:
            validate_note(text)  # a bad note is the caller's error now, not a held write's later
        self._own_writer()
        self._event(lambda w: w.set_note(self.id, text))

    def set_experiment(self, experiment):
        """Moves the run to another experiment: an `experiment` event (readers: last wins)."""
        event = {"type": "experiment", "experiment": validate_experiment(experiment)}
        self._own_writer()
        self._event(lambda w: w.append_events(self.id, [event]))

    def rename(self, name):
        self._own_writer()
        validate_run_name(name)
        self._event(lambda w: w.set_name(self.id, name))
        self.name = name

    def write_output(self, stream, data):
        """Buffers stdout/stderr text for the run's logs (written by the flush thread)."""
        self._logs.append((stream, data))

    def flush(self):
        """Writes what is buffered, and what an earlier failed write holds (held.py). The lock spans
        the writes so two flushes (the thread and finish) never reorder records; log() never takes
        it. Returns True when nothing is left held."""
        with self._flush_lock:
            pending, logs = self._pending, self._logs
            batch = [pending.popleft() for _ in range(len(pending))]
            chunks = [logs.popleft() for _ in range(len(logs))]
            by_key = {}
            for key, step, t, value in batch:
                by_key.setdefault(key, []).append((step, t, value))
            if self._inband and by_key:
                inband.write_records(1, by_key)  # a worker without the store's filesystem
                by_key = {}
            if not self._write_or_hold(by_key, chunks):
                return False
            if self.finished:
                return self._write_final()
            return True

    def _write_final(self):
        """The final status goes last, after every point and line before it (the lock is held)."""
        if self._final is not None:
            try:
                self._final(self.writer)
            except OSError as err:
                self._hold_failure(err)
                return False
            self._final = None
        self.writer.close_run_files(self.id)
        _flusher.forget(self)
        return True

    def finish(self, status="finished", error=None):
        """Flushes everything and records the final status (finished, failed, interrupted...). While
        the store cannot be written, both stay held and the flusher writes them once it can."""
        if self.finished:
            return
        self._own_writer()
        if not self.attached:
            t = time.time()
            self._final = lambda w: w.set_status(self.id, status, error=error, t=t)
        self.finished = True
        if "_media_pending" in self.__dict__:  # images and histograms queued before the final status
            from .media import drain

            drain(self)
        if self._held is not None:
            self._held.next_try = 0  # one try now, not a second from now
        self.flush()
        held_data.print_notices()

    def __repr__(self):
        return "<runlane.Run %s %r>" % (self.id, self.name)

    # -- after os.fork() ------------------------------------------------------------------------
    def _inherited_by_fork(self):
        """In a forked child: the parent flushes what it had queued; the child starts empty."""
        self._pending = _AdoptOnFirstUse(self, "_pending")
        self._logs = _AdoptOnFirstUse(self, "_logs")
        self._flush_lock = threading.Lock()

    def _own_writer(self):
        if self._pid != os.getpid():
            self._adopt_in_child()
        return self.writer

    def _adopt_in_child(self):
        """Re-binds a run inherited through fork to this process's own writer: a writer never
        appends to another process's files, and the parent keeps the run's status."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self.writer = writer_for(self.writer.dir)
        self.attached = True
        self._pending = collections.deque()
        self._logs = collections.deque()
        if not self.finished:
            _flusher.track(self)


def _after_fork_in_child():
    global _writers_lock
    _writers_lock = threading.Lock()  # another thread may have held it at the fork
    _writers.clear()
    system.sampler.reset_after_fork()
    for run in _flusher.reset_after_fork():
        run._inherited_by_fork()
    # A multiprocessing child made by fork ends with os._exit, which runs no atexit hook: its last
    # points would be lost. Its own exit hook (util.Finalize, once its after-fork hooks have run)
    # flushes them instead.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.register_after_fork(_flusher, lambda _: mp_util.Finalize(None, _finish_at_exit, exitpriority=0))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _run_state(store_dir, run_id):
    """(kind, status) of an existing run, as a reader sees it now; None when it has no meta.json. A job's
    run is ("job", None): attached whatever its status, so a worker's first rl.log reads no events."""
    run_dir = os.path.join(store_dir, "runs", run_id)
    try:
        with open(os.path.join(run_dir, "meta.json"), "rb") as f:
            meta = json.loads(f.read().decode("utf-8"))  # reader.read_meta, without importing the reader
    except FileNotFoundError:
        return None
    except ValueError:
        meta = {}
    if meta.get("kind") == "job":
        return "job", None
    from .store.reader import effective_status, fold_run_events
    return meta.get("kind"), effective_status(fold_run_events(run_dir, lambda message: None), meta)


def start_run(store_dir, name, experiment, kind, run_id=None, started_at=None, **meta):
    """Creates a run and marks it running. With the id of an existing run: attaches to it while
    another process keeps it running (or it is a job), else resumes it (running again, and this
    process sets its final status). Either way this process writes only files of its own.
    `started_at`: when the work began, if before now (a cell that became a run at its threshold)."""
    writer = writer_for(store_dir)
    state = _run_state(writer.dir, run_id) if run_id is not None else None
    if state is not None and (state[0] == "job" or state[1] in LIVE_STATUSES):
        run = Run(writer, run_id, name, attached=True)
    elif state is not None:
        run = Run(writer, run_id, name)
        writer.set_status(run_id, "running")
    else:
        run_id = run_id if run_id is not None else new_run_id()
        t = time.time() if started_at is None else started_at
        run = Run(writer, run_id, name)
        run._start_or_hold([  # on a full disk both are held, in order, and written once there is space
            lambda w: w.create_run(name, experiment, kind, run_id=run_id, created_at=t, **meta),
            lambda w: w.set_status(run_id, "running", t=t),
        ])
    _flusher.track(run)
    system.sampler.track(run)
    return run


def start_block_run(store_dir, run_id, name, experiment, owner, **meta):
    """A run that several processes (a job's ranks) start under one id. The owner (rank 0) writes
    its meta.json and statuses; the others attach, and create meta.json only if the owner has not
    yet, so that their points never sit in a folder readers do not list as a run."""
    writer = writer_for(store_dir)
    run_dir = os.path.join(writer.dir, "runs", run_id)
    if owner or not os.path.exists(os.path.join(run_dir, "meta.json")):
        writer.create_run(name, experiment, "script", run_id=run_id, **meta)
    run = Run(writer, run_id, name, attached=not owner)
    if owner:
        writer.set_status(run_id, "running")
    _flusher.track(run)
    system.sampler.track(run)
    return run


def status_from_exception(exc):
    """(status, traceback text) for how a run ended: finished, interrupted (Ctrl-C), or failed."""
    import traceback  # here, not at the top: only a run that ends needs it
    if exc is None:
        return "finished", None
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", None
    if isinstance(exc, SystemExit) and exc.code in (None, 0):
        return "finished", None
    return "failed", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@atexit.register
def _finish_at_exit():
    """Everything buffered reaches disk at a normal exit; open runs end as finished (what a full
    store still holds: held.wait_at_exit)."""
    for run in _flusher.open_runs():
        try:
            run.finish("finished")
        except (RunlaneError, OSError):
            pass
    held_data.wait_at_exit([run for run in _flusher.open_runs() if any(run.holds())])
