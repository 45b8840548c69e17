"""A job worker's stdout and stderr on a full disk.

The launcher points a local job worker's stdout and stderr straight at the run's log files in the
store (so its output outlives the daemon). On a full disk the OS refuses those writes, and a plain
`print` in the user's cell would raise OSError and fail the job. `guard_job_output()` puts a writer
in front of both that never raises for a full disk: what the OS refuses is held in memory (up to
MAX_HELD_BYTES per stream; past it the oldest bytes go, counted), retried every RETRY_INTERVAL
seconds and at the next write, and written in order once there is space, followed by one line in
that same output saying how much was held and how much was dropped. Any other error is raised as
before. Only Python's own sys.stdout/sys.stderr are guarded: a subprocess the cell starts writes to
the files itself.
"""
import io
import os
import sys
import threading
import time
from errno import EDQUOT, ENOSPC

MAX_HELD_BYTES = 16 * 1024 * 1024
RETRY_INTERVAL = 1.0
_CHUNK = 1 << 20


class HoldingFile(io.RawIOBase):
    """A raw, write-only file over `fd` that holds what a full disk refuses (see the module)."""

    def __init__(self, fd, name):
        super().__init__()
        self._fd = fd
        self.name = name
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._held = 0  # bytes that waited for space since the disk filled
        self._dropped = 0
        self._full = False
        self._note = None  # the line that says what was held, due at the next line's start
        self._at_line_start = True
        self._retrier = None

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def isatty(self):
        return os.isatty(self._fd)

    def write(self, data):
        data = bytes(data)
        with self._lock:
            if self._full:
                self._held += len(data)
            self._pending += data
            self._drain()
        return len(data)

    def _drain(self):
        """Writes what is pending, in order; on a full disk keeps the rest (the lock is held)."""
        while self._pending:
            try:
                written = os.write(self._fd, self._pending[:_CHUNK])
            except OSError as err:
                if err.errno not in (ENOSPC, EDQUOT):
                    raise
                if not self._full:
                    self._full = True
                    self._held = len(self._pending)
                    self._start_retrier()
                excess = len(self._pending) - MAX_HELD_BYTES
                if excess > 0:  # the oldest go: the newest output says most about where the job is
                    del self._pending[:excess]
                    self._dropped += excess
                return
            self._at_line_start = self._pending[written - 1:written] == b"\n" if written else self._at_line_start
            del self._pending[:written]
        if self._full:
            self._full = False
            lost = "" if not self._dropped else "; %s bytes were dropped (past %s held)" % (
                format(self._dropped, ","), format(MAX_HELD_BYTES, ","))
            self._note = "runlane: the disk was full: %s bytes of this output were held and are written above%s.\n" % (
                format(self._held, ","), lost)
            self._dropped = 0
        if self._note and self._at_line_start:  # never inside a line the job is printing
            self._pending += self._note.encode()
            self._note = None
            self._drain()

    def _start_retrier(self):
        """A cell that stops printing still gets its held output written once there is space."""
        if self._retrier is not None and self._retrier.is_alive():
            return

        def retry():
            while True:
                time.sleep(RETRY_INTERVAL)
                with self._lock:
                    try:
                        self._drain()
                    except OSError:
                        return  # not a full disk any more, but broken: the next write raises it
                    if not self._full:
                        return

        self._retrier = threading.Thread(target=retry, name="runlane-job-output", daemon=True)
        self._retrier.start()

    def wait(self, seconds):
        """Gives held output up to `seconds` to be written (at the worker's end); True when none is left."""
        deadline = time.monotonic() + seconds
        while True:
            with self._lock:
                if not self._pending:
                    return True
                self._drain()
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(RETRY_INTERVAL, 0.2))


def guard_job_output():
    """Replaces sys.stdout and sys.stderr with guarded ones over the same file descriptors. Returns the
    two HoldingFiles (for `wait` at the end)."""
    files = []
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            continue
        stream.flush()
        raw = HoldingFile(fd, "<%s>" % name)
        # Buffered as the stream it replaces (PYTHONUNBUFFERED, which local jobs set, or not): a
        # printing loop makes no more system calls than before. The raw file never raises for a full
        # disk, so a buffer in front of it never holds a failed write of its own.
        buffered = isinstance(getattr(stream, "buffer", None), io.BufferedWriter)
        setattr(sys, name, io.TextIOWrapper(io.BufferedWriter(raw) if buffered else raw, encoding=stream.encoding,
                                            errors=stream.errors, line_buffering=stream.line_buffering,
                                            write_through=getattr(stream, "write_through", False)))
        files.append(raw)
    return files


def wait_at_exit(files):
    """At the worker's end, held output waits for space up to RUNLANE_EXIT_WAIT seconds (default 60,
    as the helper's held points); what is still held then is lost with the process."""
    try:
        seconds = float(os.environ.get("RUNLANE_EXIT_WAIT", "60"))
    except ValueError:
        seconds = 60.0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()  # what a buffer still has goes to the held files first
        except (OSError, ValueError):
            pass
    for raw in files:
        raw.wait(seconds)
