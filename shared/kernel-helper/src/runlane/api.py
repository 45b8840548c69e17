"""The public logging API: `log`, `params`, `tags`, `run`, `finish`, `active_run`, `cell_history`."""
import os
import sys

from . import tracking
from .store.discovery import find_store_dir
from .store.names import validate_experiment, validate_run_id, validate_run_name

DEFAULT_EXPERIMENT = "Default"

# The run that log() writes to. Module-global rather than thread-local on purpose: training loops
# often log from worker threads (data loaders, callbacks) into the cell's run.
_global = {"active": None}
_hooks_installed = []


def _active():
    return _global["active"]


def active_run():
    """The run that `log()` writes to now, or None."""
    return _active()


def _set_active(run):
    _global["active"] = run


def store_dir(start_dir=None):
    """The store this process writes to (RUNLANE_DIR, else the nearest .runlane/ up from start_dir)."""
    return find_store_dir(start_dir)


def _script_name():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.basename(path) if path else "python"


def _ensure_run():
    run = _active()
    if run is None or run.finished:
        job_run = os.environ.get("RUNLANE_RUN_ID")
        if job_run:
            # A job's worker: log into the job's run (each worker process writes its own files).
            run = tracking.start_run(store_dir(), _script_name(), DEFAULT_EXPERIMENT, "job", run_id=job_run)
        else:
            # Outside a tracked cell or `with run()`, the first log() starts a run for the script.
            _install_script_hooks()
            run = tracking.start_run(store_dir(), _script_name(), DEFAULT_EXPERIMENT, "script")
        _set_active(run)
    return run


def log(metrics=None, step=None, **kwargs):
    """Logs numbers: `rl.log(loss=0.3, acc=0.9, step=10)`. Without `step`, each call takes the run's
    next step. Cheap (buffered; written every 25 ms), so it is fine in a tight training loop."""
    run = _global["active"]
    if run is None or run.finished:
        run = _ensure_run()
    run.log(metrics, step, **kwargs)


def params(params=None, **kwargs):
    """Records hyperparameters: `rl.params(lr=1e-3, layers=[64, 64])` or `rl.params({"lr": 1e-3})`."""
    _ensure_run().params(params, **kwargs)


def tags(*names, **values):
    """Tags the run: `rl.tags("baseline", team="vision")` (a bare name is a tag with an empty value)."""
    _ensure_run().tags(*names, **values)


def finish(status="finished"):
    """Ends the active run (flushing everything it logged)."""
    run = _active()
    if run is not None:
        run.finish(status)
        _set_active(None)


class run:
    """`with rl.run(name="baseline", experiment="mnist") as r:` — a tracked run for the block.

    An exception in the block marks the run failed (with its traceback), Ctrl-C marks it interrupted;
    the exception still propagates. `id=` attaches to an existing run (e.g. from another process):
    each process appends to its own files, so nothing is lost when both log at once.
    """

    def __init__(self, name=None, experiment=None, id=None, params=None, tags=None):
        self.name = validate_run_name(name or _script_name())
        self.experiment = validate_experiment(experiment or DEFAULT_EXPERIMENT)
        self.run_id = validate_run_id(id) if id is not None else None
        self._params = params
        self._tags = tags
        self._run = None
        self._previous = None

    def __enter__(self):
        self._run = tracking.start_run(store_dir(), self.name, self.experiment, "script", run_id=self.run_id)
        self._previous = _active()
        _set_active(self._run)
        if self._params:
            self._run.params(self._params)
        if self._tags:
            self._run.tags(*self._tags) if isinstance(self._tags, (list, tuple)) else self._run.tags(**self._tags)
        return self._run

    def __exit__(self, exc_type, exc, tb):
        status, error = tracking.status_from_exception(exc)
        self._run.finish(status, error=error)
        _set_active(self._previous)
        return False


def cell_history(notebook, cell_id, start_dir=None):
    """The runs of one notebook cell, newest first (linked by notebook path + cell id)."""
    from .store.reader import StoreReader

    reader = StoreReader(store_dir(start_dir))
    return [r for r in reader.list_runs() if r["notebook"] == notebook and r["cell_id"] == cell_id]


def _install_script_hooks():
    """A script's automatic run ends failed when the script dies of an uncaught exception."""
    if _hooks_installed:
        return
    _hooks_installed.append(True)
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        run = _active()
        if run is not None and not run.finished:
            status, error = tracking.status_from_exception(exc)
            run.finish(status, error=error)
        previous(exc_type, exc, tb)

    sys.excepthook = hook
