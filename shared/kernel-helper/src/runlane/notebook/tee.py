"""Copies what a cell prints into its run's logs while it is still shown in the cell as usual."""
import sys


class Tee:
    """Wraps sys.stdout / sys.stderr (ipykernel's OutStream in a kernel); every other attribute is
    the wrapped stream's, so code that inspects the stream keeps working."""

    def __init__(self, stream, run, name):
        self._stream = stream
        self._run = run
        self._name = name

    def write(self, text):
        if self._run is not None:
            self._run.write_output(self._name, text if isinstance(text, str) else str(text))
        return self._stream.write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class CaptureOutput:
    """Installs Tees on sys.stdout and sys.stderr; `run` may be set later (a pending auto run keeps
    the text in memory until it becomes a real run)."""

    def __init__(self, run=None):
        self.run = run
        self.pending = []  # (stream, text) while no run is attached
        self._saved = None

    def write_output(self, stream, text):
        if self.run is not None:
            self.run.write_output(stream, text)
        else:
            self.pending.append((stream, text))

    def attach(self, run):
        for stream, text in self.pending:
            run.write_output(stream, text)
        self.pending = []
        self.run = run

    def start(self):
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = Tee(sys.stdout, self, "stdout")
        sys.stderr = Tee(sys.stderr, self, "stderr")

    def stop(self):
        if self._saved is not None:
            sys.stdout, sys.stderr = self._saved
            self._saved = None
