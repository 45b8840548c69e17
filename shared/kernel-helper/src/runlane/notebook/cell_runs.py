"""One run per cell execution, driven by IPython's pre_run_cell / post_run_cell events.

Every cell starts with a *pending* run that costs nothing on disk: its output is kept in memory.
It becomes a real run when the cell is an experiment (the magic or a tag), when it logs a metric,
or (with `auto all`) when it runs longer than the threshold; it is discarded otherwise. Re-running
a cell always makes a new run of the same cell (notebook path + cell id link them).
"""
import threading
import time

from .. import active, tracking
from ..capture.env import write_env_in_background
from ..capture.params import imported_modules, literal_assignments
from ..store.discovery import find_store_dir
from .context import CellContext, is_tagged
from .tee import CaptureOutput
from .tracebacks import user_traceback

MODES = ("off", "tagged", "all")
DEFAULT_THRESHOLD = 10.0


class PendingCellRun:
    """Stands in as the active run while a cell executes; the first use turns it into a real run."""

    def __init__(self, tracker, context):
        self.tracker = tracker
        self.context = context
        self.started = time.time()
        self.capture = CaptureOutput()
        self.run = None
        self.name = None
        self.experiment = None
        self.body = None  # the cell's Python source without the magic line, when known
        self.finished = False  # the cell has ended: rl.log() then looks for a run afresh
        self._lock = threading.Lock()

    def materialize(self):
        """Creates the run on disk (once; thread-safe, the threshold timer may race the cell). After
        `rl.finish()` in the cell, the next use makes a new run of the same cell."""
        with self._lock:
            if self.run is not None and not self.run.finished:
                return self.run
            ctx = self.context
            # The cell's first run began with the cell, though it may be made later (at the
            # threshold, at the first log); one after rl.finish() in the cell begins now.
            started = self.started if self.run is None else time.time()
            experiment = self.experiment or ctx.notebook_stem or tracking.DEFAULT_EXPERIMENT
            self.run = tracking.start_run(find_store_dir(ctx.folder), self.name or ctx.default_name, experiment, "cell",
                                          started_at=started, **ctx.run_meta())
            self.capture.attach(self.run)
            self.tracker.tracked_now = True
            python = cell_python(self)
            found = literal_assignments(python)
            if found:
                self.run.params(found)
            write_env_in_background(self.run.writer, self.run.id, imported_modules(python), ctx.folder)
            if active.current() is self:
                active.set_current(self.run)
            show_run_link(self.tracker.shell, self.run, experiment, self.capture.original_stdout)
            return self.run

    # The API of a Run, materializing first.
    @property
    def id(self):
        return self.materialize().id

    def log(self, metrics=None, step=None, **kwargs):
        self.materialize().log(metrics, step, **kwargs)

    def params(self, params=None, **kwargs):
        self.materialize().params(params, **kwargs)

    def tags(self, *names, **values):
        self.materialize().tags(*names, **values)

    def finish(self, status="finished", error=None):
        if self.run is not None:
            self.run.finish(status, error=error)

    def __repr__(self):
        return "<runlane pending run of cell %s>" % self.context.cell_id


RUN_MIME = "application/vnd.runlane.run+json"


def show_run_link(shell, run, experiment, terminal=None, kind="cell"):
    """One output in the cell when its run starts (contract C3): the editors render the custom type
    as the run's name with links to its details and charts; elsewhere the text says how to see it.
    A terminal IPython (no kernel) prints the text to `terminal`, the stream under the cell's Tee:
    it is not part of what the cell printed."""
    link = {"id": run.id, "name": run.name, "experiment": experiment, "store": run.store_dir, "kind": kind}
    text = 'Runlane run "%s" (%s): runlane show %s' % (run.name, run.id, run.id)
    if getattr(shell, "kernel", None) is None and terminal is not None:
        terminal.write(text + "\n")
        return
    from IPython.display import display

    display({RUN_MIME: link, "text/plain": text}, raw=True)


def cell_python(pending):
    """The executing cell as Python: the magic's body when known, else the whole cell transformed."""
    return pending.body if pending.body is not None else _python_source(pending.tracker.shell, pending.context.raw_cell)


def _python_source(shell, raw_cell):
    """The cell as Python (magics turned into calls), so ast can read its assignments and imports."""
    try:
        return shell.transform_cell(raw_cell) if shell is not None else raw_cell
    except Exception:
        return raw_cell


class CellTracker:
    """Follows cell executions in one IPython shell and decides which become runs (`mode`)."""

    def __init__(self, shell):
        self.shell = shell
        self.mode = "off"
        self.threshold = DEFAULT_THRESHOLD
        self.current = None
        self._timer = None
        # The executing cell made a run (or a job): a KeyboardInterrupt in it is shown as one line.
        self.tracked_now = False
        self.previous_error_display = None

    def register(self):
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self):
        self._end_current(None)
        for name, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                self.shell.events.unregister(name, callback)
            except ValueError:
                pass

    def begin(self, context):
        """A cell starts (or, info-less, was found running): its pending run becomes the active run."""
        pending = PendingCellRun(self, context)
        self.current = pending
        pending.capture.start()
        active.set_current(pending)
        return pending

    def pre_run_cell(self, info):
        self._end_current(None)  # a cell whose post_run_cell never came (a crash in another hook)
        pending = self.begin(CellContext(self.shell, info))
        context = pending.context
        if context.is_magic_cell:
            return  # the magic makes the run, with its --name and --experiment
        if self.mode != "off" and is_tagged(context.metadata):
            pending.materialize()
        elif self.mode == "all":
            # At the threshold the run is created while the cell still runs, so it shows live.
            self._timer = threading.Timer(self.threshold, pending.materialize)
            self._timer.daemon = True
            self._timer.start()

    def post_run_cell(self, result):
        self._end_current(getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None))

    def _end_current(self, error):
        self.tracked_now = False
        pending, self.current = self.current, None
        if pending is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending.capture.stop()
        pending.finished = True
        if active.current() in (pending, pending.run):
            active.set_current(None)
        if pending.run is None and self.mode == "all" and time.time() - pending.started >= self.threshold:
            pending.materialize()  # the timer lost the race with the cell's end
        if pending.run is not None and not pending.run.finished:
            status, _ = tracking.status_from_exception(error)
            traceback_text = user_traceback(self.shell, error) if status == "failed" else None
            pending.run.finish(status, error=traceback_text)

