"""Worker output in the cell that launched the job, as it is printed.

Each line is prefixed with its worker (`[w0]`, `[w1]`, a colour each), stdout and stderr kept
apart. A line still being rewritten with `\\r` (a tqdm bar) is shown in place, one live line per
worker, instead of flooding. Output is sent at most ~20 times a second; past HEAD_LINES lines the
cell keeps the head and shows a live tail with how many lines are only in the stored log (which
keeps everything). The log files are followed from byte offsets, so nothing is lost or repeated.

CellLines decides what the cell shows, display-free; it is the twin of VS Code's
vscode-ext/src/notebook/workerOutput.ts, and both pass the shared vectors
(test/fixtures/inband-vectors.json "cell"), so a job's output reads the same in both editors."""
import codecs
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


def label(writer, stream, colour=True):
    """`[w0] `, `[w1 err] ` for stderr; in the worker's colour unless `colour` is False."""
    tag = "[%s%s]" % (writer, " err" if stream == "stderr" else "")
    if not colour:
        return tag + " "
    match = _WORKER.match(writer)
    return "\x1b[%dm%s\x1b[0m " % (COLOURS[int(match.group(1)) % len(COLOURS)] if match else 37, tag)


def last_rewrite(line):
    """What a terminal leaves of a line rewritten with \\r: the text after the last \\r. One \\r at
    the end (`print(p, end="\\r")`, or a \\r\\n line end) ends the text rather than starting an empty one."""
    if line.endswith("\r"):
        line = line[:-1]
    return line.rsplit("\r", 1)[-1]


class _StreamText:
    """One worker stream's bytes to text: UTF-8 cut anywhere decoded whole, in-band records taken out."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.demux = Demux()  # in-band metric records are for the run, never shown
        self.partial = ""  # the line still waiting for its newline


class CellLines:
    """What the cell shows of the workers' output, as lines (writer, stream, text) without labels."""

    def __init__(self):
        self.head = []  # the first HEAD_LINES lines
        self.tail = []  # the last TAIL_LINES lines after the head
        self.hidden = 0  # lines between the head and the tail: only in the stored log
        self.tail_changes = 0  # counts changes of the tail, so a display knows when to redraw it
        self.live = {}  # writer -> its line still being rewritten with \r
        self._streams = {}

    def push(self, writer, stream, data):
        """New bytes of one worker's stream (`writer` like "w0", `stream` "stdout" or "stderr")."""
        s = self._streams.get((writer, stream))
        if s is None:
            s = self._streams[(writer, stream)] = _StreamText()
        self._take(writer, stream, s, s.demux.push(s.decoder.decode(data))[0])

    def end(self):
        """The job ended: lines still waiting for their newline are shown as they are; live lines close."""
        for (writer, stream), s in self._streams.items():
            self._take(writer, stream, s, s.demux.end())  # held back as a possible record: it was output
            if s.partial:
                self._line(writer, stream, last_rewrite(s.partial))
                s.partial = ""
        self.live.clear()

    def _take(self, writer, stream, s, text):
        lines = (s.partial + text).split("\n")
        s.partial = lines.pop()
        for line in lines:
            self._line(writer, stream, last_rewrite(line))
        if "\r" in s.partial:
            self.live[writer] = last_rewrite(s.partial)

    def _line(self, writer, stream, text):
        self.live.pop(writer, None)
        if len(self.head) < HEAD_LINES:
            self.head.append((writer, stream, text))
            return
        self.tail.append((writer, stream, text))
        self.tail_changes += 1
        if len(self.tail) > TAIL_LINES:
            del self.tail[0]
            self.hidden += 1


class _LogFile:
    """One worker's log file, read from the byte offset reached."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def read_new(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return b""
        self.offset += len(data)
        return data


class WorkerOutput:
    """Follows a job's log files and shows CellLines in the cell: head lines printed to the cell's
    stdout/stderr, each live line and the tail in a display of its own, updated in place."""

    def __init__(self, run_dir, display=None, labelled=True):
        # labelled=False: no `[w0] ` before each line, for a job whose one worker speaks for itself
        # (the sweep controller's `Trial 0 started: ...`, as docs/sweeps.md shows it).
        self.labelled = labelled
        self.logs_dir = os.path.join(run_dir, "logs")
        self.run_id = os.path.basename(os.path.normpath(run_dir))
        self.display = display  # IPython.display module, or None outside a kernel
        self.files = {}  # (writer, stream) -> _LogFile
        self.lines = CellLines()
        self.head_sent = 0
        self.live_shown = {}  # writer -> [text shown, display handle]
        self.tail_shown = 0
        self.tail_handle = None
        self.last_flush = 0.0

    def poll(self):
        """Reads what the workers appended; sends it to the cell when the flush interval has passed."""
        self._read()
        if time.time() - self.last_flush >= FLUSH_INTERVAL:
            self.flush()

    def finish(self):
        """The job ended: reads the rest, sends lines still waiting for their newline, closes live lines."""
        self._read()
        self.lines.end()
        self.flush()

    def _read(self):
        self._discover()
        for (writer, stream), log in self.files.items():
            data = log.read_new()
            if data:
                self.lines.push(writer, stream, data)

    def _discover(self):
        try:
            writers = sorted(os.listdir(self.logs_dir))
        except OSError:
            return
        for writer in writers:
            for stream in ("stdout", "stderr"):
                path = os.path.join(self.logs_dir, writer, stream + ".log")
                if (writer, stream) not in self.files and os.path.exists(path):
                    self.files[(writer, stream)] = _LogFile(path)

    def flush(self):
        self.last_flush = time.time()
        pending = {"stdout": [], "stderr": []}
        for writer, stream, text in self.lines.head[self.head_sent:]:
            pending[stream].append(self._label(writer, stream) + text + "\n")
        self.head_sent = len(self.lines.head)
        for name, target in (("stdout", sys.stdout), ("stderr", sys.stderr)):
            if pending[name]:
                target.write("".join(pending[name]))
                target.flush()
        if self.display is None:
            return
        self._flush_live()
        if self.lines.tail_changes != self.tail_shown:
            self.tail_shown = self.lines.tail_changes
            self._show_tail()

    def _label(self, writer, stream, colour=True):
        return label(writer, stream, colour) if self.labelled else ""

    def _flush_live(self):
        for writer in list(self.live_shown) + [w for w in self.lines.live if w not in self.live_shown]:
            text = self.lines.live.get(writer, "")
            shown = self.live_shown.get(writer)
            if shown is None:
                if text:
                    shown_text = self._label(writer, "stdout", colour=False) + text
                    handle = self.display.display(self.display.Pretty(shown_text), display_id=True)
                    self.live_shown[writer] = [text, handle]
            elif shown[0] != text:
                shown[0] = text
                shown[1].update(self.display.Pretty(self._label(writer, "stdout", colour=False) + text if text else ""))

    def _show_tail(self):
        lines = "".join(self._label(w, s, colour=False) + text + "\n" for w, s, text in self.lines.tail)
        if self.lines.hidden:
            lines = "… %d more lines are in the stored log (runlane logs %s); the last ones:\n%s" % (
                self.lines.hidden, self.run_id, lines)
        if self.tail_handle is None:
            self.tail_handle = self.display.display(self.display.Pretty(lines), display_id=True)
        else:
            self.tail_handle.update(self.display.Pretty(lines))
