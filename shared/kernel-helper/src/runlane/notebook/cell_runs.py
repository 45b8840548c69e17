"""One run per cell execution, driven by IPython's pre_run_cell / post_run_cell events.

Every cell starts with a *pending* run that costs nothing on disk: its output is kept in memory.
It becomes a real run when the cell is an experiment (the magic or a tag), when it logs a metric,
or (with `auto all`) when it runs longer than the threshold; it is discarded otherwise. Re-running
a cell always makes a new run of the same cell (notebook path + cell id link them).
"""
import threading
import time

from .. import api, tracking
from ..capture.env import capture_env
from ..capture.params import imported_modules, literal_assignments
from ..store.discovery import find_store_dir
from .context import CellContext, is_tagged
from .tee import CaptureOutput

MODES = ("off", "tagged", "all")


class PendingCellRun:
    """Stands in as the active run while a cell executes; the first use turns it into a real run."""

    finished = False

    def __init__(self, tracker, context):
        self.tracker = tracker
        self.context = context
        self.started = time.time()
        self.capture = CaptureOutput()
        self.run = None
        self.name = None
        self.experiment = None
        self.body = None  # the cell's Python source without the magic line, when known
        self._lock = threading.Lock()

    def materialize(self):
        """Creates the run on disk (once; thread-safe, the threshold timer may race the cell)."""
        with self._lock:
            if self.run is not None:
                return self.run
            ctx = self.context
            shell = self.tracker.shell
            self.run = tracking.start_run(
                find_store_dir(ctx.folder),
                self.name or "%s [%s]" % (ctx.notebook_stem or "cell", ctx.execution_count),
                self.experiment or ctx.notebook_stem or api.DEFAULT_EXPERIMENT,
                "cell",
                notebook=ctx.notebook,
                cell_id=ctx.cell_id,
                source=ctx.raw_cell,
                execution_count=ctx.execution_count,
            )
            self.capture.attach(self.run)
            python = self.body if self.body is not None else _python_source(shell, ctx.raw_cell)
            found = literal_assignments(python)
            if found:
                self.run.params(found)
            _capture_env_later(self.run, imported_modules(python), ctx.folder)
            if api.active_run() is self:
                api._set_active(self.run)
            return self.run

    # The API of a Run, materializing first.
    def log(self, metrics=None, step=None, **kwargs):
        self.materialize().log(metrics, step, **kwargs)

    def params(self, params=None, **kwargs):
        self.materialize().params(params, **kwargs)

    def tags(self, *names, **values):
        self.materialize().tags(*names, **values)

    def finish(self, status="finished", error=None):
        if self.run is not None:
            self.run.finish(status, error=error)


def _python_source(shell, raw_cell):
    try:
        return shell.transform_cell(raw_cell) if shell is not None else raw_cell
    except Exception:
        return raw_cell


def _capture_env_later(run, modules, folder):
    def capture():
        try:
            run.writer.write_env(run.id, capture_env(modules, folder))
        except Exception:
            pass  # the environment is a nicety; never let it break the user's cell

    threading.Thread(target=capture, name="runlane-env", daemon=True).start()


class CellTracker:
    def __init__(self, shell):
        self.shell = shell
        self.mode = "off"
        self.threshold = 10.0
        self.current = None
        self._timer = None

    def register(self):
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self):
        for name, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                self.shell.events.unregister(name, callback)
            except ValueError:
                pass

    def pre_run_cell(self, info):
        self._end_current(None)  # a cell that never reached post_run_cell (should not happen)
        context = CellContext(self.shell, info)
        pending = PendingCellRun(self, context)
        self.current = pending
        pending.capture.start()
        api._set_active(pending)
        tagged = context.is_magic_cell or is_tagged(context.metadata)
        if self.mode != "off" and tagged and not context.is_magic_cell:
            pending.materialize()
        elif self.mode == "all" and not context.is_magic_cell:
            self._timer = threading.Timer(self.threshold, pending.materialize)
            self._timer.daemon = True
            self._timer.start()

    def post_run_cell(self, result):
        self._end_current(getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None))

    def _end_current(self, error):
        pending, self.current = self.current, None
        if pending is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending.capture.stop()
        if api.active_run() in (pending, pending.run):
            api._set_active(None)
        if pending.run is None and self.mode == "all" and time.time() - pending.started >= self.threshold:
            pending.materialize()
        if pending.run is not None and not pending.run.finished:
            status, traceback_text = tracking.status_from_exception(error)
            pending.run.finish(status, error=traceback_text)
