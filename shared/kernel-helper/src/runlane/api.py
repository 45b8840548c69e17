"""The public logging API: `log`, `params`, `tags`, `run`, `finish`, `active_run`, `cell_history`."""
import os
import sys

from . import active, tracking
from .store.discovery import find_store_dir
from .store.names import validate_experiment, validate_run_id, validate_run_name

DEFAULT_EXPERIMENT = tracking.DEFAULT_EXPERIMENT

_hooks_installed = []
# In a job's worker: how many rl.run() blocks this process has entered (the first joins the job's run,
# each later one is a run of its own), the experiment the last one named, and the cell's literals
# (set by runlane.worker), which those runs' params start from.
job_state = {"blocks": 0, "experiment": None, "literals": {}}


def active_run():
    """The run that `log()` writes to now, or None while there is none yet (an untracked cell
    has no run until it logs something)."""
    run = active.current()
    run = getattr(run, "run", run)  # a pending cell run: its real run, once it has one
    return None if run is None or run.finished else run


def store_dir(start_dir=None):
    """The store this process writes to (RUNLANE_DIR, else the nearest .runlane/ up from start_dir)."""
    return find_store_dir(start_dir)


def _ipython_shell():
    """The IPython shell this code runs in, if any. IPython is looked up, never imported, so a
    plain script does not pay for it."""
    module = sys.modules.get("IPython")
    get_ipython = getattr(module, "get_ipython", None)
    if get_ipython is None:
        return None
    try:
        shell = get_ipython()
    except Exception:
        return None
    return shell if shell is not None and hasattr(shell, "events") else None


def _script_name():
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return os.path.basename(path) if isinstance(path, str) and path else "python"


def _running_cell():
    """The pending run of the notebook cell executing now, or None outside a notebook. In a
    notebook where `%load_ext runlane` was not run, the extension is loaded here, so the cell
    still becomes a run of its own (and the next cells too) instead of one run for the kernel."""
    current = active.current()
    if getattr(current, "context", None) is not None:
        return current
    shell = _ipython_shell()
    if shell is None:
        return None
    from .notebook.magic import track_running_cell

    return track_running_cell(shell)


def _start_script_run(name=None, experiment=None, run_id=None):
    """A script's run, for `with rl.run()` or for a script that logs without it (then named after
    the script, ended at exit, failed by an uncaught exception). Either way it records what the
    script is: its source, the environment and git state of its folder, and what it prints (still
    printed as usual)."""
    from .capture.env import write_env_in_background
    from .capture.params import imported_modules
    from .capture.source import main_script_path, main_script_source
    from .notebook.tee import CaptureOutput

    source = main_script_source()
    _install_script_hooks()
    path = main_script_path()
    run = tracking.start_run(store_dir(), name or _script_name(), experiment or DEFAULT_EXPERIMENT, "script",
                             run_id=run_id, source=source, script=path)
    folder = os.path.dirname(path) if path else os.getcwd()  # git of the script, wherever it is run from
    write_env_in_background(run.writer, run.id, imported_modules(source or ""), folder)
    run.output = CaptureOutput(run)
    run.output.start()
    return run


def _ensure_run():
    run = active.current()
    if run is not None and not run.finished:
        return run
    job_run = os.environ.get("RUNLANE_RUN_ID")
    if job_run:
        return _job_run(job_run)
    run = _running_cell() or _start_script_run()
    active.set_current(run)
    return run


def _job_block_run(job_run, ordinal, name, experiment):
    """Block `ordinal` (2, 3, ...) of a job's worker: a run of its own, `<job run id>-b<ordinal>`, an id
    every rank computes alike, so the ranks of one block join one run with writers of their own.
    Rank 0 creates it (kind "script", tagged `job`, the job's source, notebook cell and script) and
    sets its status; the other ranks only add their points."""
    from .store.reader import read_meta
    from .store.writer import job_worker_rank

    folder = store_dir()
    job_dir = os.path.join(folder, "runs", job_run)
    try:
        job_meta = read_meta(job_dir) or {}
    except ValueError:
        job_meta = {}
    try:
        with open(os.path.join(job_dir, "source.py"), encoding="utf-8") as f:
            source = f.read()
    except OSError:
        source = None
    name = name or "%s (block %d)" % (job_meta.get("name") or _script_name(), ordinal)
    experiment = experiment or job_state["experiment"] or job_meta.get("experiment") or DEFAULT_EXPERIMENT
    meta = {key: job_meta.get(key) for key in ("notebook", "cell_id", "execution_count", "script")}
    owner = job_worker_rank() in (0, None)
    run = tracking.start_block_run(folder, "%s-b%d" % (job_run, ordinal), name, experiment, owner,
                                   source=source, **meta)
    if owner:
        run.tags(job=job_run)
    # On an SSH host the run's files are written in the host's store; the daemon's mirror of the job
    # brings block runs (<job run>-bN) back beside the job's run.
    return run


def _job_run(job_run):
    """A job's worker logs into the job's run (each worker process writes files of its own); the
    daemon keeps its status. The same Run serves every rl.run() block and rl.log() of the worker."""
    run = active.current()
    if run is None or run.finished or run.id != job_run:
        run = tracking.start_run(store_dir(), _script_name(), DEFAULT_EXPERIMENT, "job", run_id=job_run)
        active.set_current(run)
    return run


def log(metrics=None, step=None, **kwargs):
    """Logs numbers: `rl.log(loss=0.3, acc=0.9, step=10)` or `rl.log({"val/loss": 0.2})`.

    Step: a call without `step` takes the run's next step (0, 1, 2, ...; one step for all values of
    the call); with `step`, that step is used and later calls without one continue from step + 1.
    Values: bool, int, float, numpy scalars, 0-d arrays or tensors; NaN and +/-Inf are kept; other
    values raise TypeError naming the key. Keys: letters, digits, `_ - . /` and spaces.

    Cheap (about a microsecond): the call appends to a queue that a background thread writes every
    10 ms, at `finish()` and at exit. With no active run it starts one: in a notebook, a run of the
    executing cell; in a script, a run named after the script (experiment "Default").
    """
    run = active.current()
    if run is None or run.finished:
        run = _ensure_run()
    run.log(metrics, step, **kwargs)


def _media_run():
    """The run media go to: the active one, made real (a notebook cell's pending run becomes its run)."""
    run = _ensure_run()
    materialize = getattr(run, "materialize", None)
    return materialize() if materialize is not None else run


def log_image(key, image, step=None, caption=None):
    """Logs an image: `rl.log_image("samples", x, step=10, caption="epoch 1")`.

    `image`: a numpy array (HxW, HxWxC or CxHxW with 1, 3 or 4 channels; uint8, or float in [0, 1]),
    a PIL image, a matplotlib figure (rendered now), or the path of a PNG or JPEG file. Without
    `step`, the step of the latest `rl.log` (media never advance the step). The caller's thread only
    checks and copies; PNG encoding and the write happen in the background. A bad argument raises
    TypeError or ValueError and nothing is logged."""
    from . import media

    media.log_image(_media_run(), key, image, step, caption)


def log_histogram(key, values, step=None, buckets=None):
    """Logs a histogram: `rl.log_histogram("fc1/weights", w)` or `rl.log_histogram("h", (edges, counts))`.

    `values`: a list or array of numbers (NaN and infinities are left out), put in `buckets`
    equal-width buckets (30, as TensorBoard) from the smallest to the largest; or `(edges, counts)`
    with one more edge than counts, kept as given. Only the buckets are stored."""
    from . import media

    media.log_histogram(_media_run(), key, values, step, buckets)


def log_text(key, text, step=None):
    """Logs text: `rl.log_text("samples/generated", "The cat sat", step=3)`; shown as text, never HTML."""
    from . import media

    media.log_text(_media_run(), key, text, step)


def params(params=None, **kwargs):
    """Records hyperparameters: `rl.params(lr=1e-3, layers=[64, 64])` or `rl.params({"lr": 1e-3})`.
    Values are kept as JSON (NaN/Inf as {"$float": ...}, other objects as their repr)."""
    _ensure_run().params(params, **kwargs)


def tags(*names, **values):
    """Tags the run: `rl.tags("baseline", team="vision")` (a bare name is a tag with an empty value;
    `rl.tags(team=None)` removes a tag)."""
    _ensure_run().tags(*names, **values)


def note(text):
    """Sets the run's free-text note: `rl.note("lr too high, try 3e-4")` (shown in the run's details,
    editable there; the last one wins, `rl.note(None)` clears it). Plain text, up to 100,000 characters."""
    _ensure_run().note(text)


def artifact(path, name=None):
    """Keeps a file or folder with the run: `rl.artifact("model.pt")`, `rl.artifact("plots/", name="figs")`.
    It is copied into the run's `artifacts/` folder (shown in the run's details). In a job's worker,
    files written under `$RUNLANE_OUTPUT_DIR` become artifacts too, without this call."""
    return _ensure_run().artifact(path, name)


def finish(status="finished"):
    """Ends the active run (flushing everything it logged) with `status`."""
    run = active.current()
    if run is not None:
        run.finish(status)
        active.set_current(None)


class run:
    """`with rl.run(name="baseline", experiment="mnist") as r:` — a tracked run for the block.

    `r` has `.id`, `.log`, `.params`, `.tags` and `.finish(status)`. An exception in the block marks
    the run failed (with its traceback), Ctrl-C marks it interrupted; the exception still
    propagates. Inside a notebook cell the run is linked to the cell (kind "cell") and its params
    start from the cell's top-level literals and the values of the loop variables around the call
    (`for lr in [...]: with rl.run():` records `lr`); `params=` wins over both. Otherwise it is a
    script run, with the script's source, environment and output.

    Inside a job's worker (`runlane launch`, `%%runlane --on`) the first block joins the job's run:
    one script, one run. Its name, experiment, params and tags apply to the job's run, its metrics go
    there, and the job's status stays the daemon's to set. Each later block of the same process (a
    sweep loop) is a run of its own, `<job run id>-b2`, `-b3`...: kind "script", tagged `job`, with
    its own name, experiment and params (the loop variables, as in a cell), which rank 0 ends.

    `id=` attaches to an existing run: while another process keeps it running, this process adds
    its points (in files of its own, so nothing is lost when both log at once); a run that has
    ended is resumed (running again until this block ends).
    """

    def __init__(self, name=None, experiment=None, id=None, params=None, tags=None):
        # Validated here, so a bad name fails before anything is written.
        self.name = validate_run_name(name) if name is not None else None
        self.experiment = validate_experiment(experiment) if experiment is not None else None
        self.run_id = validate_run_id(id) if id is not None else None
        self._params = params
        self._tags = tags
        self._run = None
        self._previous = None
        self._joined = False  # the job's run, joined rather than started
        self._shell = None  # the IPython shell of the cell the run belongs to
        # The loop variables as they are at this call (the `with` line), read from the caller's frame.
        self._loop = {}
        if _ipython_shell() is not None or os.environ.get("RUNLANE_RUN_ID"):
            from .capture.params import loop_variables

            self._loop = loop_variables(sys._getframe(1))

    def __enter__(self):
        self._previous = active.current()  # restored at the end (the cell's pending run, an outer run...)
        job_run = os.environ.get("RUNLANE_RUN_ID")
        captured, link = {}, None
        if job_run and self.run_id in (None, job_run):
            job_state["blocks"] += 1
            ordinal = 1 if self.run_id == job_run else job_state["blocks"]
            if ordinal == 1:  # one script, one run: the first block is the job's run
                self._run, self._joined = _job_run(job_run), True
                if self.name is not None:
                    self._run.rename(self.name)
                if self.experiment is not None:
                    self._run.set_experiment(self.experiment)
            else:  # a sweep's later blocks: runs of their own, each with its own name and params
                self._run = _job_block_run(job_run, ordinal, self.name, self.experiment)
            job_state["experiment"] = self.experiment or job_state["experiment"]
            if not self._run.attached or self._joined:
                captured = dict(job_state["literals"], **self._loop)
        else:
            cell = _running_cell()
            if cell is not None and cell.context is not None:
                self._run, captured, link = self._start_in_cell(cell)
            else:
                self._run = _start_script_run(self.name, self.experiment, self.run_id)
        active.set_current(self._run)
        captured.update(self._params or {})
        if captured:
            self._run.params(captured)
        if self._tags:
            if isinstance(self._tags, dict):
                self._run.tags(**self._tags)
            else:
                self._run.tags(*self._tags)
        if link is not None:
            link()
        return self._run

    def _start_in_cell(self, cell):
        """The run of this block in a notebook cell: linked to the cell, with the params the cell's
        literals and loops give, and its run link shown in the cell once it exists."""
        from .capture.params import literal_assignments
        from .notebook.cell_runs import cell_python, show_run_link

        context, self._shell = cell.context, cell.tracker.shell
        name = self.name or context.default_name
        experiment = self.experiment or context.notebook_stem or DEFAULT_EXPERIMENT
        started = tracking.start_run(store_dir(context.folder), name, experiment, "cell", run_id=self.run_id,
                                     **context.run_meta())
        cell.tracker.tracked_now = True
        captured = literal_assignments(cell_python(cell))
        captured.update(self._loop)
        terminal = cell.capture.original_stdout
        return started, captured, lambda: show_run_link(self._shell, started, experiment, terminal)

    def __exit__(self, exc_type, exc, tb):
        if self._joined:
            # The worker's exit code and output tell the daemon how the job ended; the run stays
            # this worker's active run, so a later block or rl.log() continues it.
            self._run.flush()
            return False
        status, error = tracking.status_from_exception(exc)
        if status == "failed" and self._shell is not None:
            from .notebook.tracebacks import user_traceback

            error = user_traceback(self._shell, exc)  # the cell's frames, as the cell shows them
        _end_script_output(self._run, error)
        self._run.finish(status, error=error)
        active.set_current(self._previous)
        return False


def cell_history(notebook, cell_id, start_dir=None):
    """The runs of one notebook cell, newest first (linked by notebook path + cell id), in the
    `runlane ls --json` shape. The store is found from `start_dir` (default: the notebook's folder)."""
    from .store.reader import StoreReader

    if start_dir is None and notebook and os.path.isfile(notebook):
        start_dir = os.path.dirname(os.path.abspath(notebook))
    folder = store_dir(start_dir)
    if not os.path.isdir(folder):
        return []
    reader = StoreReader(folder)
    return [r for r in reader.list_runs() if r["notebook"] == notebook and r["cell_id"] == cell_id]


def _install_script_hooks():
    """A script's automatic run ends failed when the script dies of an uncaught exception."""
    if _hooks_installed:
        return
    _hooks_installed.append(True)
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        run = active.current()
        if run is not None and not run.finished:
            status, error = tracking.status_from_exception(exc)
            _end_script_output(run, error)
            run.finish(status, error=error)
        previous(exc_type, exc, tb)

    sys.excepthook = hook


def _end_script_output(run, error):
    """Stops copying a script run's output. The traceback of a failure is printed only after the
    run has ended (by Python, at exit), so it is added to the run's stderr here: the stored logs
    read as the terminal did."""
    output = getattr(run, "output", None)
    if output is None:
        return
    if error:
        run.write_output("stderr", error)
    output.stop()
