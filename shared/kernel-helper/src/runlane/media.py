"""`rl.log_image`, `rl.log_histogram`, `rl.log_text`: checked and copied in the caller's thread
(all or nothing: a bad argument raises before anything is queued), encoded and written by one
background thread, so a training loop does not wait for PNG compression or the disk.

A run's media are written before its final status (`Run.finish` drains this queue first) and at
exit. In a job's worker without the store's filesystem (RUNLANE_METRICS=stdout) each record goes
on stdout in-band (inband.py), images up to inband.MAX_MEDIA_BYTES.
"""
import atexit
import operator
import os
import queue
import sys
import threading
import time

from . import inband
from .store.media import TEXT_INLINE_MAX, write_media_record
from .store.names import validate_metric_key

_queue = queue.Queue()
_state = {"thread": None, "pid": None}
_lock = threading.Lock()


def _step(run, step, what):
    """A record's step: the one given, else the step of the run's latest `rl.log` (0 before any),
    so an image lands beside the metrics of the same iteration. Media never advance the step."""
    if step is None:
        return max(run._next_step - 1, 0)
    try:
        step = operator.index(step)  # ints, numpy ints; never silently truncates 1.5
    except TypeError:
        raise TypeError("runlane.%s(step=%r): a step is a whole number (0, 1, 2, ...)." % (what, step)) from None
    if not -(2 ** 63) <= step < 2 ** 63:
        raise ValueError("runlane.%s(step=%d): a step must fit in a signed 64-bit integer." % (what, step))
    return step


def _caption(caption):
    if caption is None:
        return None
    if not isinstance(caption, str):
        raise TypeError("runlane.log_image(caption=...) is text; got a %s." % type(caption).__name__)
    return caption


def log_image(run, key, image, step=None, caption=None):
    from .media_encode import prepare_image

    validate_metric_key(key)
    step = _step(run, step, "log_image")
    prepared = prepare_image(image)
    record = {"t": time.time(), "kind": "image", "key": key, "step": step, "caption": _caption(caption)}

    def write():
        data, mime, width, height = prepared.encode()
        record.update(width=width, height=height)
        return record, data, mime

    _submit(run, write)


def log_text(run, key, text, step=None):
    validate_metric_key(key)
    if not isinstance(text, str):
        raise TypeError("runlane.log_text(%s, ...) takes a str; got a %s (use str(x) to log its text)."
                        % (key, type(text).__name__))
    step = _step(run, step, "log_text")
    data = text.encode("utf-8", "surrogatepass")
    record = {"t": time.time(), "kind": "text", "key": key, "step": step}
    if len(data) <= TEXT_INLINE_MAX:
        record["text"] = text
        _submit(run, lambda: (record, None, None))
    else:
        _submit(run, lambda: (record, data, "text/plain; charset=utf-8"))


def log_histogram(run, key, values, step=None, buckets=None):
    from .media_encode import DEFAULT_BUCKETS, histogram_record

    validate_metric_key(key)
    step = _step(run, step, "log_histogram")
    if buckets is not None and (not isinstance(buckets, int) or isinstance(buckets, bool) or not 1 <= buckets <= 10000):
        raise ValueError("runlane.log_histogram(buckets=%r): use a whole number from 1 to 10,000." % (buckets,))
    record = {"t": time.time(), "kind": "histogram", "key": key, "step": step}
    record.update(histogram_record(values, buckets or DEFAULT_BUCKETS))  # computed now: `values` may change after
    _submit(run, lambda: (record, None, None))


def _submit(run, job):
    if run.finished:
        from .errors import RunFinishedError

        raise RunFinishedError("Run %s has finished; log inside its `with runlane.run()` block, or start a new "
                               "run." % run.id)
    run._own_writer()
    # [records queued and not yet written, the process that queued them]: a forked child starts at 0
    pending = run.__dict__.get("_media_pending")
    if pending is None or pending[1] != os.getpid():
        pending = run.__dict__["_media_pending"] = [0, os.getpid()]
    with _lock:
        pending[0] += 1
        if _state["thread"] is None or _state["pid"] != os.getpid() or not _state["thread"].is_alive():
            _state["pid"] = os.getpid()
            _state["thread"] = threading.Thread(target=_loop, name="runlane-media", daemon=True)
            _state["thread"].start()
    _queue.put((run, job, pending))


def _loop():
    while True:
        run, job, pending = _queue.get()
        try:
            record, payload, mime = job()
            if getattr(run, "_inband", False):
                inband.write_media(1, record, payload, mime)
            else:
                write_media_record(run.writer, run.id, record, payload, mime)
        except Exception as err:  # one bad image must not stop the others: say so where the user looks
            print("runlane: could not write an image, text or histogram of run %s: %s" % (run.id, err), file=sys.stderr)
        finally:
            with _lock:
                pending[0] -= 1
            _queue.task_done()


def drain(run, timeout=60.0):
    """Waits until every media record of `run` queued so far is written (at finish, before the status)."""
    pending = run.__dict__.get("_media_pending")
    if not pending or pending[1] != os.getpid():
        return  # nothing queued in this process (a forked child does not wait for its parent's)
    deadline = time.monotonic() + timeout
    while pending[0] > 0 and time.monotonic() < deadline:
        time.sleep(0.002)


def _after_fork_in_child():
    """A forked child writes only what it logs itself: the parent's queue is the parent's."""
    global _queue, _lock
    _queue = queue.Queue()
    _lock = threading.Lock()
    _state.update(thread=None, pid=None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _drain_all():
    """Media queued by runs still open at exit reach the store (runs are finished by tracking's hook)."""
    deadline = time.monotonic() + 60
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.002)
