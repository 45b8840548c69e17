"""What a run holds in memory while its store cannot be written (a full disk, a quota, a read-only
remount), and the one warning line the user sees about it.

`Run.log` must never fail or wait because of the disk: the training loop is worth more than the
points. So a write that fails keeps its points here, grouped by key, and the flusher retries every
RETRY_INTERVAL seconds; everything held is appended whole (the writer cuts a failed record back, so
nothing is half-written) once there is space. Memory is bounded: past MAX_HELD_POINTS the oldest
held points are dropped and counted, and the recovery line says how many.
"""
import os
import sys
import threading
import time


def _bound(default):
    """RUNLANE_MAX_HELD_POINTS, when set to a whole number, else the default."""
    try:
        return max(1, int(os.environ.get("RUNLANE_MAX_HELD_POINTS", default)))
    except ValueError:
        return default


MAX_HELD_POINTS = _bound(1_000_000)  # about 100 MiB of tuples: 10 keys at 10 Hz for 2.8 hours
MAX_HELD_LOG_BYTES = 64 * 1024 * 1024  # captured stdout/stderr; past this the oldest chunks go
RETRY_INTERVAL = 1.0  # a failing write is retried this often (each try re-encodes one key)

_lock = threading.Lock()
_troubled = {}  # store dir -> {"error": str, "since": float}
_notices = []  # lines waiting for a thread to print them (see take_notices)
_oldest_notice = [0.0]


def _say(line):
    with _lock:
        if not _notices:
            _oldest_notice[0] = time.monotonic()
        _notices.append(line)


def describe(err):
    """`No space left on device (errno 28)`: the OS's words without the file name an OSError carries."""
    if isinstance(err, OSError) and err.strerror:
        return "%s (errno %d)" % (err.strerror, err.errno) if err.errno else err.strerror
    return str(err) or type(err).__name__


def failed(store_dir, err, points):
    """Notes a failed write; the first for a store since it was last fine gets the warning line."""
    with _lock:
        first = store_dir not in _troubled
        if first:
            _troubled[store_dir] = {"error": describe(err), "since": time.time()}
    if first:
        _say("runlane: warning: cannot write to the store %s: %s. Logging goes on: %s points are held in "
             "memory and written as soon as there is space (retried every %g s; past %s held points the "
             "oldest are dropped)." % (store_dir, describe(err), format(points, ","), RETRY_INTERVAL,
                                       format(MAX_HELD_POINTS, ",")))


def recovered(store_dir, written, dropped):
    """Notes that a store takes writes again; says what was written from memory (and what was not)."""
    with _lock:
        was = _troubled.pop(store_dir, None)
    if was is None:
        return
    lost = "" if not dropped else "; %s points were dropped while it was full" % format(dropped, ",")
    _say("runlane: the store %s takes writes again: %s held points written%s." % (
        store_dir, format(written, ","), lost))


def take_notices():
    with _lock:
        lines = list(_notices)
        del _notices[:]
    return lines


def print_notices(stream=None):
    """Prints the waiting lines on the calling thread's stderr: called from `log()` and `finish()`,
    which run in the user's cell or script, so the line lands in that cell's output."""
    lines = take_notices()
    if lines:
        stream = stream or sys.stderr
        try:
            stream.write("".join(line + "\n" for line in lines))
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not break logging
            pass


def stale_notices(after=2.0):
    """True when a line has waited `after` seconds for the user's thread (a loop that no longer logs):
    the flusher then prints it itself rather than keep it to the end."""
    with _lock:
        return bool(_notices) and time.monotonic() - _oldest_notice[0] >= after


class Held:
    """One run's data that failed to be written: points by key (in order), log chunks, and events."""

    def __init__(self):
        self.points = {}  # key -> list of (step, time, value)
        self.count = 0
        self.logs = []  # (stream, text) in order
        self.log_bytes = 0
        self.events = []  # callables that append one event each, in order
        self.dropped = 0
        self.held_total = 0  # points that went through here since the last recovery
        self.next_try = 0.0

    def __bool__(self):
        return bool(self.count or self.logs or self.events)

    def add_points(self, by_key):
        for key, points in by_key.items():
            self.points.setdefault(key, []).extend(points)
            self.count += len(points)
            self.held_total += len(points)
        excess = self.count - MAX_HELD_POINTS
        if excess > 0:
            self._drop(excess)

    def _drop(self, excess):
        """Drops the oldest points, from each key in proportion to how many it holds."""
        total = self.count
        for key in list(self.points):
            series = self.points[key]
            share = min(len(series), -(-excess * len(series) // total))
            del series[:share]
            self.count -= share
            self.dropped += share
            if not series:
                del self.points[key]

    def add_logs(self, chunks):
        for stream, data in chunks:
            self.logs.append((stream, data))
            self.log_bytes += len(data)
        while self.log_bytes > MAX_HELD_LOG_BYTES and len(self.logs) > 1:
            self.log_bytes -= len(self.logs.pop(0)[1])

    def due(self):
        return time.monotonic() >= self.next_try

    def wait_before_retry(self):
        self.next_try = time.monotonic() + RETRY_INTERVAL


def write_points(writer, run_id, by_key):
    """Appends each key's points; a key is removed from `by_key` once written, so on an error what is
    left is exactly what was not."""
    for key in list(by_key):
        writer.append_metric(run_id, key, by_key[key])
        del by_key[key]


def write_logs(writer, run_id, chunks):
    """Appends the log chunks stream by stream; on an error `chunks` keeps those not written."""
    by_stream = {}
    for stream, data in chunks:
        by_stream.setdefault(stream, []).append(data)
    for stream, parts in by_stream.items():
        writer.append_log(run_id, stream, "".join(parts))
        chunks[:] = [chunk for chunk in chunks if chunk[0] != stream]


def wait_at_exit(waiting):
    """At a normal exit, runs that still hold data (their store is full) are retried for up to
    RUNLANE_EXIT_WAIT seconds (default 60), saying so; what is still held after that is named as
    lost, since a process cannot hold anything past its own end."""
    try:
        wait = float(os.environ.get("RUNLANE_EXIT_WAIT", "60"))
    except ValueError:
        wait = 60.0
    if waiting and wait > 0:
        print_notices()
        sys.stderr.write("runlane: waiting up to %g s for space in %s to write what is held (Ctrl-C to "
                         "give up).\n" % (wait, ", ".join(sorted({run.store_dir for run in waiting}))))
        sys.stderr.flush()
        deadline = time.monotonic() + wait
        try:
            while waiting and time.monotonic() < deadline:
                time.sleep(min(RETRY_INTERVAL, max(0.0, deadline - time.monotonic())))
                waiting = [run for run in waiting if not run.flush()]
        except KeyboardInterrupt:
            pass
    print_notices()
    for run in waiting:
        points, log_bytes, status = run.holds()
        sys.stderr.write("runlane: run %s lost %s points, %s bytes of output%s: %s could not be written "
                         "before this process ended.\n" % (run.id, format(points, ","), format(log_bytes, ","),
                                                           " and its final status" if status else "",
                                                           run.store_dir))


class Holding:
    """The part of a Run (tracking.py) that holds what its store refused; the caller of each method
    holds the run's flush lock, except `_event` (which takes it) and `holds`."""

    def _event(self, write):
        """Appends an event now, or holds it (in order, behind any held before) while the store
        cannot be written; the flusher retries it."""
        with self._flush_lock:
            if self._held is None or not self._held.events:
                try:
                    write(self.writer)
                    return
                except OSError as err:
                    self._hold_failure(err)
            self._held.events.append(write)

    def _start_or_hold(self, writes):
        """A new run's first writes (meta.json, then `running`). When the disk is already full they
        are held like any event, so the run starts and logs as it would once the disk fills mid-run;
        any other error (a bad name, a read-only folder) is raised to the caller as before."""
        from .store.writer import DISK_FULL_ERRNOS

        with self._flush_lock:
            try:
                while writes:
                    writes[0](self.writer)
                    writes.pop(0)
            except OSError as err:
                if err.errno not in DISK_FULL_ERRNOS:
                    raise
                self._hold_failure(err).events.extend(writes)

    def _write_or_hold(self, by_key, chunks):
        """Writes held events, then points, then log chunks; on a failed write holds the rest (in
        order) and returns False; retries at most every RETRY_INTERVAL."""
        held = self._held
        if held is not None:  # behind what is held, in order; retried once a second
            held.add_points(by_key)
            held.add_logs(chunks)
            if not held.due():
                return False
            by_key, chunks = held.points, held.logs
        try:
            while held is not None and held.events:
                held.events[0](self.writer)
                held.events.pop(0)
            write_points(self.writer, self.id, by_key)
            write_logs(self.writer, self.id, chunks)
        except OSError as err:
            if held is None:
                held = self._held = Held()
                held.add_points(by_key)
                held.add_logs(chunks)
            else:
                held.count = sum(len(points) for points in held.points.values())
                held.log_bytes = sum(len(data) for _, data in held.logs)
            held.wait_before_retry()
            failed(self.writer.dir, err, held.count)
            return False
        if held is not None:
            self._held = None
            recovered(self.writer.dir, held.held_total - held.dropped, held.dropped)
        return True

    def _hold_failure(self, err):
        if self._held is None:
            self._held = Held()
        self._held.wait_before_retry()
        failed(self.writer.dir, err, self._held.count)
        return self._held

    def holds(self):
        """(points, log bytes, status pending) this run still holds in memory."""
        held = self._held
        return (held.count if held else 0, held.log_bytes if held else 0, self._final is not None)
