"""The magics: `%%runlane [--name N] [--experiment E]` runs the cell as a tracked run in this
kernel (or, with --on TARGET, as a job); `%runlane auto all|tagged|off [--threshold S]`,
`%runlane status` and `%runlane attach RUN`."""
import argparse
import ast
import shlex

from .. import active, tracking
from ..errors import RunlaneError
from ..store.names import validate_experiment, validate_run_name
from .cell_runs import MODES, CellTracker, PendingCellRun
from .context import CellContext
from .tracebacks import from_first_cell_frame, install_interrupt_display, uninstall_interrupt_display, user_traceback


class UsageError(RunlaneError):
    """A magic line that cannot be parsed; the message ends with the usage."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError("%s\n%s" % (message, self.format_usage().strip()))


def _cell_parser():
    parser = _Parser(prog="%%runlane", add_help=False,
                     description="Run the cell as a tracked Runlane run in this kernel, or as a job with --on.")
    parser.add_argument("-h", "--help", action="store_true", help="show this help; the cell does not run")
    parser.add_argument("--name", help="the run's name (default: notebook and execution count)")
    parser.add_argument("--experiment", help="the experiment (default: the notebook's name)")
    parser.add_argument("--on", dest="target", help="run the cell as a job on this target (see `runlane targets`)")
    parser.add_argument("--workers", type=int, default=1, help="number of workers (with --on)")
    parser.add_argument("--gpus", type=int, default=0, help="GPUs per worker (with --on)")
    parser.add_argument("--with", dest="with_vars", help="comma-separated variables to send to the workers")
    parser.add_argument("--detach", action="store_true", help="return at once; the job runs on")
    return parser


def _line_parser():
    parser = _Parser(prog="%runlane", add_help=False,
                     description="Automatic tracking of cells, the tracking status, or following a job.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    auto = sub.add_parser("auto", add_help=False, help="automatic tracking of cells: all, tagged or off")
    auto.add_argument("mode", choices=MODES)
    auto.add_argument("--threshold", type=_seconds, help="seconds after which a cell becomes a run (default 10)")
    sub.add_parser("status", add_help=False, help="the tracking mode, the store and the active run")
    attach = sub.add_parser("attach", add_help=False, help="follow a running job's output in this cell")
    attach.add_argument("run_id")
    resume = sub.add_parser("resume", add_help=False, help="resume a sweep that did not finish (docs/sweeps.md)")
    resume.add_argument("run_id")
    return parser


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("the threshold is a number of seconds above 0, e.g. --threshold 30")
    return value


def _compile_body(body, cell_name, first_line):
    """The body's code, numbered from `first_line` as the editor numbers it (the magic line is line
    1), and the code of its last expression, whose value is displayed (Out[n]), or None."""
    tree = ast.parse("\n" * (first_line - 1) + body, filename=cell_name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), cell_name, "eval")
    return compile(tree, cell_name, "exec"), last


def _run_body(shell, code, last):
    """Runs the body in the user's namespace."""
    __tracebackhide__ = True  # noqa: F841 - IPython hides this frame from tracebacks
    exec(code, shell.user_ns)
    if last is not None:
        shell.displayhook(eval(last, shell.user_ns))


def _syntax_error(shell, exc):
    """A body that does not parse is shown as IPython shows a plain cell's SyntaxError (no frames),
    and no run is made: nothing ran. IPython shows a SyntaxError itself, with every frame, so this
    is an error of another class by the same name that carries what to show."""
    stb = shell.SyntaxTB.structured_traceback(type(exc), exc, [])
    shown = type(type(exc).__name__, (RunlaneError,), {"_render_traceback_": lambda self: stb})
    return shown(str(exc))


def _blank_lines_at_start(text):
    count = 0
    for line in text.split("\n"):
        if line.strip():
            break
        count += 1
    return count


def _cache_cell(shell, magic_line, cell, body, execution_count):
    """Registers the cell as IPython does its own cells, so a traceback names it "Cell In[n]" and shows
    its lines. Returns (file name, the body's first line number): IPython's transform drops blank
    lines at the start of the body, which still count in the editor."""
    first_line = 2 + max(0, _blank_lines_at_start(cell) - _blank_lines_at_start(body))
    compiler = getattr(shell, "compile", None)
    if compiler is None:
        return "<cell>", first_line
    text = magic_line + "\n" * (first_line - 1) + body
    return compiler.cache(text, execution_count if isinstance(execution_count, int) else 0), first_line


def _show_as_the_user_wrote_it(shell, exc):
    """The cell shows the user's frames only, once: IPython shows an exception through its
    `_render_traceback_` when it has one, instead of the frames of run_cell_magic and this magic."""
    if hasattr(exc, "_render_traceback_"):
        return  # the exception says how it is shown (ipyparallel's remote errors, a job's failure)
    tb = from_first_cell_frame(shell, exc.__traceback__)
    stb = shell.InteractiveTB.structured_traceback(type(exc), exc, tb, tb_offset=0)
    try:
        exc._render_traceback_ = lambda: stb
    except (AttributeError, TypeError):  # an exception type without attributes: shown as IPython does
        pass


def _usage_error(message):
    """IPython's UsageError: shown as one red line without a traceback, and it stops "Run All"."""
    from IPython.core.error import UsageError as IPythonUsageError

    return IPythonUsageError("runlane: %s" % message)


def _resolved(store, given):
    """The full id of a RUN typed as the editors show it (run_ids.py); an ambiguous one is a usage error."""
    from .run_ids import AmbiguousRunId, resolve_run_id

    try:
        return resolve_run_id(store, given)
    except AmbiguousRunId as err:
        raise _usage_error(err) from None


class RunlaneMagics:
    def __init__(self, shell, tracker):
        self.shell = shell
        self.tracker = tracker

    def cell_magic(self, line, cell):
        __tracebackhide__ = True  # noqa: F841
        if line.split()[:1] == ["sweep"]:  # %%runlane sweep ...: a hyperparameter sweep (sweep/cell.py)
            return self._sweep_cell(line.split(None, 1)[1] if len(line.split()) > 1 else "", cell)
        try:
            args = _cell_parser().parse_args(shlex.split(line))
        except (UsageError, ValueError) as err:
            raise _usage_error(err) from None
        if args.help:
            print(_cell_parser().format_help())
            return None
        if args.target:
            return self._job_cell(args, cell)
        if args.workers != 1 or args.gpus or args.with_vars or args.detach:
            raise _usage_error("--workers, --gpus, --with and --detach go with --on TARGET (a job); without --on "
                               "the cell runs here in the kernel.")
        try:  # a bad --name or --experiment fails here, before the cell runs
            name = validate_run_name(args.name) if args.name is not None else None
            experiment = validate_experiment(args.experiment) if args.experiment is not None else None
        except RunlaneError as err:
            raise _usage_error(err) from None
        pending = self.tracker.current
        if not isinstance(pending, PendingCellRun):  # called outside a cell execution (tests, %run)
            pending = PendingCellRun(self.tracker, CellContext(self.shell, None))
            pending.context.raw_cell = "%%%%runlane %s\n%s" % (line, cell)
        pending.name, pending.experiment = name, experiment
        body = self.shell.transform_cell(cell)
        raw = pending.context.raw_cell
        magic_line = raw.lstrip().split("\n", 1)[0] if raw.lstrip().startswith("%%runlane") else "%%runlane " + line
        cell_name, first_line = _cache_cell(self.shell, magic_line, cell, body, pending.context.execution_count)
        try:
            code, last = _compile_body(body, cell_name, first_line)
        except SyntaxError as exc:
            raise _syntax_error(self.shell, exc) from None
        pending.body = body
        run = pending.materialize()
        active.set_current(run)
        try:
            _run_body(self.shell, code, last)
        except BaseException as exc:
            status, _ = tracking.status_from_exception(exc)
            error = user_traceback(self.shell, exc) if status == "failed" else None
            run.finish(status, error=error)
            if status == "failed":
                _show_as_the_user_wrote_it(self.shell, exc)
            raise  # a KeyboardInterrupt is shown as one line (tracebacks.install_interrupt_display)
        finally:
            if active.current() is run:
                active.set_current(None)
        run.finish("finished")
        return None

    def _job_cell(self, args, cell):
        __tracebackhide__ = True  # noqa: F841
        from ..store.discovery import find_store_dir
        from .job_cell import run_job_cell

        pending = self.tracker.current
        ctx = pending.context if isinstance(pending, PendingCellRun) else CellContext(self.shell, None)
        self.tracker.tracked_now = True  # stopping the job shows one line, not job_cell's frames
        if isinstance(pending, PendingCellRun):
            self.tracker.current = None  # the job's run is the run: no in-kernel run for this cell
            pending.capture.stop()
            pending.finished = True
            active.set_current(None)
        name = args.name or ctx.default_name
        return run_job_cell(self.shell, args, self.shell.transform_cell(cell), find_store_dir(ctx.folder), ctx.folder,
                            name, args.experiment or ctx.notebook_stem or tracking.DEFAULT_EXPERIMENT, ctx.run_meta())

    def _sweep_cell(self, line, cell):
        __tracebackhide__ = True  # noqa: F841
        from ..store.discovery import find_store_dir
        from ..sweep.cell import run_sweep_cell

        pending = self.tracker.current
        ctx = pending.context if isinstance(pending, PendingCellRun) else CellContext(self.shell, None)
        self.tracker.tracked_now = True
        if isinstance(pending, PendingCellRun):  # the sweep's run is the run, as for a job cell
            self.tracker.current = None
            pending.capture.stop()
            pending.finished = True
            active.set_current(None)
        return run_sweep_cell(self.shell, line, self.shell.transform_cell(cell), find_store_dir(ctx.folder), ctx.folder,
                              ctx.default_name, ctx.notebook_stem or tracking.DEFAULT_EXPERIMENT, ctx.run_meta())

    def line_magic(self, line):
        try:
            args = _line_parser().parse_args(shlex.split(line))
        except (UsageError, ValueError) as err:
            raise _usage_error(err) from None
        if args.command == "auto":
            self.tracker.mode = args.mode
            if args.threshold is not None:
                self.tracker.threshold = args.threshold
            print("Runlane automatic tracking: %s: %s." % (args.mode, _mode_meaning(args.mode, self.tracker.threshold)))
        elif args.command == "attach":
            from ..store.discovery import find_store_dir
            from ..sweep.cell import attach_sweep, is_sweep
            from .job_cell import attach

            store = find_store_dir(CellContext(self.shell, None).folder)
            run_id = _resolved(store, args.run_id)
            if is_sweep(store, run_id):  # a sweep: its lines again, then its best trial as the value
                return attach_sweep(self.shell, store, run_id)
            return attach(self.shell, store, run_id)
        elif args.command == "resume":
            from ..store.discovery import find_store_dir
            from ..sweep.cell import resume_sweep_here

            store = find_store_dir(CellContext(self.shell, None).folder)
            return resume_sweep_here(self.shell, store, _resolved(store, args.run_id))
        else:
            from ..store.discovery import find_store_dir

            context = CellContext(self.shell, None)
            mode = self.tracker.mode
            print("Runlane automatic tracking: %s: %s." % (mode, _mode_meaning(mode, self.tracker.threshold)))
            print("Store: %s" % find_store_dir(context.folder))
            print("Notebook: %s" % (context.notebook or "unknown (no JPY_SESSION_NAME or __vsc_ipynb_file__)"))


def _mode_meaning(mode, threshold):
    always = "%%runlane cells and cells that call runlane.log()"
    if mode == "all":
        return "every cell that runs longer than %g s becomes a run, and %s" % (threshold, always)
    if mode == "tagged":
        return 'cells tagged "runlane" or "experiment" become runs, and %s' % always
    return "only %s become runs" % always


def load(shell):
    """Registers the magics and the per-cell run events (idempotent: loading twice is harmless)."""
    existing = getattr(shell, "_runlane_tracker", None)
    if existing is not None:
        return existing
    tracker = CellTracker(shell)
    tracker.register()
    magics = RunlaneMagics(shell, tracker)
    shell.register_magic_function(magics.cell_magic, "cell", "runlane")
    shell.register_magic_function(magics.line_magic, "line", "runlane")
    tracker.previous_error_display = install_interrupt_display(shell, tracker)
    shell._runlane_tracker = tracker
    return tracker


def track_running_cell(shell):
    """`rl.log()` (or `rl.run()`) in a kernel where `%load_ext runlane` was not run: loads the
    extension and starts the pending run of the cell executing now, which post_run_cell ends."""
    manager = getattr(shell, "extension_manager", None)
    if manager is not None and getattr(shell, "_runlane_tracker", None) is None:
        manager.load_extension("runlane")  # as %load_ext would: %unload_ext and %reload_ext work
    tracker = load(shell)
    return tracker.current or tracker.begin(CellContext(shell, None))


def unload(shell):
    tracker = getattr(shell, "_runlane_tracker", None)
    if tracker is not None:
        tracker.unregister()
        uninstall_interrupt_display(shell, tracker.previous_error_display)
        del shell._runlane_tracker
