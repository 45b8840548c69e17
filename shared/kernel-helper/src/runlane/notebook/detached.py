"""`%%runlane --on TARGET --detach`: the cell returns at once and leaves a small live display of the
job (status, elapsed time, main metric, each worker's last lines) that a background thread updates
twice a second until the job ends. The kernel stays free meanwhile.

ipykernel 7 keeps the parent header per thread (a context variable), so the thread sets the
launching cell's header first: its updates land in that cell even while other cells run."""
import html
import os
import re
import struct
import threading
import time

from ..store.codec import METRIC_HEADER, RECORD, RECORD_SIZE
from ..store.names import decode_key_file
from ..store.statuses import FINAL_STATUSES

FINAL = frozenset(FINAL_STATUSES)
INTERVAL = 0.5
LAST_LINES = 3
TAIL_BYTES = 4096
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _last_lines(path, count):
    """The last `count` complete or partial lines of a log, the latest `\\r` rewrite of each, as text."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - TAIL_BYTES))
            data = f.read()
    except OSError:
        return []
    text = _ANSI.sub("", data.decode("utf-8", "replace"))
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return [line for line in lines if line.strip()][-count:]


def _last_point(path):
    """(step, value) of a metric file's last whole record, or None."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            whole = (size - len(METRIC_HEADER)) // RECORD_SIZE
            if whole <= 0:
                return None
            f.seek(len(METRIC_HEADER) + (whole - 1) * RECORD_SIZE)
            step, _, value = RECORD.unpack(f.read(RECORD_SIZE))
            return step, value
    except (OSError, struct.error):
        return None


def main_metric(run_dir):
    """The metric a person watches: `loss` if logged, else a key with "loss" in it, else the first key.
    Returns (key, step, value) from rank 0's (the first writer's) latest point, or None."""
    base = os.path.join(run_dir, "metrics")
    try:
        writers = sorted(os.listdir(base))
    except OSError:
        return None
    files = {}
    for writer in writers:
        for name in sorted(os.listdir(os.path.join(base, writer))):
            key = decode_key_file(name)
            # system/* samples describe the machine, not the training (runlane/system.py)
            if key is not None and key not in files and not key.startswith("system/"):
                files[key] = os.path.join(base, writer, name)
    if not files:
        return None
    keys = sorted(files)
    key = "loss" if "loss" in files else next((k for k in keys if "loss" in k), keys[0])
    point = _last_point(files[key])
    return None if point is None else (key, point[0], point[1])


class JobView:
    """What the display shows; text for terminals and escaped HTML for notebook frontends."""

    def __init__(self, run_id, target, status, elapsed, metric, lines):
        self.run_id, self.target, self.status = run_id, target, status
        self.elapsed, self.metric, self.lines = elapsed, metric, lines

    def _headline(self):
        parts = ["runlane job %s on %s: %s" % (self.run_id, self.target, self.status), "%.0f s" % self.elapsed]
        if self.metric:
            key, step, value = self.metric
            parts.append("%s %.4g at step %d" % (key, value, step))
        return " · ".join(parts)

    def _hint(self):
        if self.status in FINAL:
            return "Its full output: runlane logs %s" % self.run_id
        return "Running detached. Stream it into a cell with %%runlane attach %s" % self.run_id

    def __repr__(self):
        rows = [self._headline()]
        rows += ["  [%s] %s" % (writer, line) for writer, lines in self.lines for line in lines]
        rows.append(self._hint())
        return "\n".join(rows)

    def _repr_html_(self):
        colour = {"finished": "#2e7d32", "failed": "#c62828", "cancelled": "#6d4c41", "crashed": "#c62828"}
        headline = html.escape(self._headline())
        lines = "".join('<div><span style="opacity:.6">[%s]</span> %s</div>' % (html.escape(w), html.escape(line))
                        for w, ls in self.lines for line in ls)
        return ('<div class="runlane-job" style="font-family:var(--jp-code-font-family,monospace);font-size:12px">'
                '<div style="font-weight:600;color:%s">%s</div><div style="white-space:pre">%s</div>'
                '<div style="opacity:.7">%s</div></div>'
                % (colour.get(self.status, "inherit"), headline, lines, html.escape(self._hint())))


def snapshot(run_dir, run_id, target, started, status):
    logs = os.path.join(run_dir, "logs")
    try:
        writers = sorted(w for w in os.listdir(logs) if re.match(r"w\d+\Z", w))
    except OSError:
        writers = []
    writers.sort(key=lambda w: int(w[1:]))
    lines = [(w, _last_lines(os.path.join(logs, w, "stdout.log"), LAST_LINES)) for w in writers]
    return JobView(run_id, target, status, time.time() - started, main_metric(run_dir), [x for x in lines if x[1]])


def show_detached(shell, run_dir, run_id, target, run_status):
    """Shows the live display in the current cell and starts the thread that updates it; returns the thread."""
    from IPython import display

    started = time.time()
    handle = display.display(snapshot(run_dir, run_id, target, started, "starting"), display_id=True)
    parent = shell.get_parent() if hasattr(shell, "get_parent") else None

    def update():
        if parent is not None and hasattr(shell, "set_parent"):
            shell.set_parent(parent)  # this thread's updates belong to the launching cell
        while True:
            status = run_status(run_dir)[0]
            handle.update(snapshot(run_dir, run_id, target, started, status))
            if status in FINAL:
                return
            time.sleep(INTERVAL)

    thread = threading.Thread(target=update, name="runlane-detached-%s" % run_id, daemon=True)
    thread.start()
    return thread
