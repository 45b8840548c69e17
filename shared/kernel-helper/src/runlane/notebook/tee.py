"""Copies what a cell (or a script) prints into its run's logs while it is still shown in the cell as usual.

Only writes through `sys.stdout` / `sys.stderr` are seen; output a C library or a subprocess writes
straight to file descriptor 1 or 2 reaches the cell (ipykernel forwards it) but not the run's logs.
"""
import sys
import threading

# Text kept in memory while a cell has no run yet (it may become one when it logs, or at the
# threshold). A cell that floods gigabytes without ever becoming a run must not fill the kernel.
MAX_PENDING_CHARS = 16 * 1024 * 1024


class Tee:
    """Wraps sys.stdout / sys.stderr (ipykernel's OutStream in a kernel); every other attribute is
    the wrapped stream's, so code that inspects the stream keeps working."""

    def __init__(self, stream, sink, name):
        self._stream = stream
        self._sink = sink
        self._name = name

    def write(self, text):
        if isinstance(text, (bytes, bytearray)):  # kept byte for byte (see StoreWriter.append_log)
            copy = bytes(text).decode("utf-8", "surrogateescape")
        else:
            copy = text if isinstance(text, str) else str(text)
        self._sink.write_output(self._name, copy)
        return self._stream.write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class CaptureOutput:
    """Installs Tees on sys.stdout and sys.stderr. The run may be attached later: until then the
    text waits in memory (up to MAX_PENDING_CHARS; past that only a note of what was left out)."""

    def __init__(self, run=None):
        self.run = run
        self.pending = []  # (stream, text) while no run is attached
        self._pending_chars = 0
        self._dropped_chars = 0
        self._lock = threading.Lock()  # the threshold timer attaches while the cell prints
        self._saved = None
        self._stopped = False

    def write_output(self, stream, text):
        if self._stopped:  # a Tee left inside a stream the cell wrapped: the cell is over
            return
        run = self.run
        if run is not None:
            if not run.finished:  # a script's run ended at exit while its Tee still prints
                run.write_output(stream, text)
            return
        with self._lock:
            if self.run is not None:
                self.run.write_output(stream, text)
            elif self._pending_chars + len(text) <= MAX_PENDING_CHARS:
                self.pending.append((stream, text))
                self._pending_chars += len(text)
            else:
                self._dropped_chars += len(text)

    def attach(self, run):
        with self._lock:
            for stream, text in self.pending:
                run.write_output(stream, text)
            if self._dropped_chars:
                run.write_output("stderr", "\n[runlane: %d characters printed before this run started were not "
                                           "kept]\n" % self._dropped_chars)
            self.pending = []
            self.run = run

    @property
    def original_stdout(self):
        """sys.stdout as it was before start(): writing there is not copied into the run."""
        return self._saved[0] if self._saved is not None else None

    def start(self):
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = Tee(sys.stdout, self, "stdout")
        sys.stderr = Tee(sys.stderr, self, "stderr")

    def stop(self):
        self._stopped = True
        if self._saved is not None:
            # Only undo our own Tees: code in the cell may have replaced the streams itself.
            if isinstance(sys.stdout, Tee) and sys.stdout._sink is self:
                sys.stdout = self._saved[0]
            if isinstance(sys.stderr, Tee) and sys.stderr._sink is self:
                sys.stderr = self._saved[1]
            self._saved = None
