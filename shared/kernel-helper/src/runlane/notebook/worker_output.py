"""Worker output in the cell that launched the job, as it is printed.

Each line is prefixed with its worker (`[w0]`, `[w1]`, a colour each), stdout and stderr kept
apart. A line still being rewritten with `\\r` (a tqdm bar) is shown in place, one live line per
worker, instead of flooding. Output is sent at most ~20 times a second; past HEAD_LINES lines the
cell keeps the head and shows a live tail with how many lines are only in the stored log (which
keeps everything). The log files are followed from byte offsets, so nothing is lost or repeated."""
import os
import re
import sys
import time

from ..inband import Demux

HEAD_LINES = 500
TAIL_LINES = 40
FLUSH_INTERVAL = 0.05  # at most ~20 updates a second
COLOURS = [36, 33, 35, 32, 34, 31, 96, 93]
_WORKER = re.compile(r"w(\d+)\Z")


def _label(writer, stream):
    match = _WORKER.match(writer)
    colour = COLOURS[int(match.group(1)) % len(COLOURS)] if match else 37
    return "\x1b[%dm[%s%s]\x1b[0m " % (colour, writer, " err" if stream == "stderr" else "")


class _Stream:
    def __init__(self, path, writer, stream):
        self.path = path
        self.writer = writer
        self.stream = stream
        self.offset = 0
        self.partial = ""
        self.decoder = None
        self.demux = Demux()  # in-band metric records are for the run, never shown

    def read_new(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return ""
        self.offset += len(data)
        if self.decoder is None:
            import codecs

            self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        return self.demux.push(self.decoder.decode(data))[0]


class WorkerOutput:
    def __init__(self, run_dir, display=None):
        self.logs_dir = os.path.join(run_dir, "logs")
        self.display = display  # IPython.display module, or None outside a kernel
        self.streams = {}
        self.pending = {"stdout": [], "stderr": []}
        self.progress = {}  # writer -> (text, display handle)
        self.lines_shown = 0
        self.lines_total = 0
        self.tail = []
        self.tail_handle = None
        self.tail_dirty = False
        self.last_flush = 0.0

    def poll(self):
        """Reads what the workers appended; sends it to the cell when the flush interval has passed."""
        self._discover()
        for s in self.streams.values():
            text = s.read_new()
            if text:
                self._take(s, text)
        if time.time() - self.last_flush >= FLUSH_INTERVAL:
            self.flush()

    def finish(self):
        """The job ended: reads the rest, sends lines still waiting for their newline, closes live lines."""
        self._discover()
        for s in self.streams.values():
            text = s.read_new() + s.demux.end()
            if text:
                self._take(s, text)
            if s.partial:
                self._line(s, s.partial.rsplit("\r", 1)[-1])
                s.partial = ""
        for writer in list(self.progress):
            self._set_progress(writer, "")
        self.flush()

    def _discover(self):
        try:
            writers = sorted(os.listdir(self.logs_dir))
        except OSError:
            return
        for writer in writers:
            for stream in ("stdout", "stderr"):
                path = os.path.join(self.logs_dir, writer, stream + ".log")
                if (writer, stream) not in self.streams and os.path.exists(path):
                    self.streams[(writer, stream)] = _Stream(path, writer, stream)

    def _take(self, s, text):
        parts = (s.partial + text).split("\n")
        s.partial = parts.pop()
        for line in parts:
            self._line(s, line.rsplit("\r", 1)[-1])
        if "\r" in s.partial:
            self._set_progress(s.writer, s.partial.rsplit("\r", 1)[-1])

    def _line(self, s, line):
        self.lines_total += 1
        text = _label(s.writer, s.stream) + line + "\n"
        if s.writer in self.progress:
            self._set_progress(s.writer, "")
        if self.lines_shown < HEAD_LINES:
            self.pending[s.stream].append(text)
            self.lines_shown += 1
        else:
            self.tail.append(text)
            del self.tail[:-TAIL_LINES]
            self.tail_dirty = True

    def _set_progress(self, writer, text):
        if self.display is None:
            return
        old = self.progress.get(writer)
        if old is None:
            if not text:
                return
            handle = self.display.display(self.display.Pretty(""), display_id=True)
            self.progress[writer] = [text, handle, True]
        else:
            old[0], old[2] = text, True

    def flush(self):
        self.last_flush = time.time()
        for name, target in (("stdout", sys.stdout), ("stderr", sys.stderr)):
            if self.pending[name]:
                target.write("".join(self.pending[name]))
                target.flush()
                self.pending[name] = []
        for writer, entry in self.progress.items():
            if entry[2]:
                entry[1].update(self.display.Pretty("[%s] %s" % (writer, entry[0]) if entry[0] else ""))
                entry[2] = False
        hidden = self.lines_total - self.lines_shown
        if self.tail_dirty and self.display is not None:
            self.tail_dirty = False
            text = "… %d more lines are in the stored log (runlane logs RUN); the last ones:\n%s" % (
                hidden, "".join(re.sub(r"\x1b\[[0-9;]*m", "", t) for t in self.tail))
            if self.tail_handle is None:
                self.tail_handle = self.display.display(self.display.Pretty(text), display_id=True)
            else:
                self.tail_handle.update(self.display.Pretty(text))
