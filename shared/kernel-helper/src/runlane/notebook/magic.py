"""The magics: `%%runlane [--name N] [--experiment E]` runs the cell as a tracked run in this
kernel (or, with --on TARGET, as a job); `%runlane auto all|tagged|off [--threshold S]`,
`%runlane status` and `%runlane attach RUN`."""
import argparse
import ast
import shlex

from .. import api
from ..errors import RunlaneError
from ..store.names import validate_experiment, validate_run_name
from ..tracking import status_from_exception
from .cell_runs import MODES, CellTracker, PendingCellRun
from .context import CellContext


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
    return parser


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("the threshold is a number of seconds above 0, e.g. --threshold 30")
    return value


def _run_body(shell, body, cell_name):
    """Runs the body in the user's namespace; the value of a last expression is displayed (Out[n])."""
    __tracebackhide__ = True  # noqa: F841 - IPython hides this frame from tracebacks
    tree = ast.parse(body, filename=cell_name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, cell_name, "exec"), shell.user_ns)
    if last is not None:
        value = eval(compile(last, cell_name, "eval"), shell.user_ns)
        shell.displayhook(value)


def _usage_error(message):
    """IPython's UsageError: shown as one red line without a traceback, and it stops "Run All"."""
    from IPython.core.error import UsageError as IPythonUsageError

    return IPythonUsageError("runlane: %s" % message)


class RunlaneMagics:
    def __init__(self, shell, tracker):
        self.shell = shell
        self.tracker = tracker

    def cell_magic(self, line, cell):
        __tracebackhide__ = True  # noqa: F841
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
        pending.body = body
        run = pending.materialize()
        api._set_active(run)
        try:
            _run_body(self.shell, body, self.shell.compile.cache(body) if hasattr(self.shell, "compile") else "<cell>")
        except BaseException as exc:
            status, error = status_from_exception(exc)
            run.finish(status, error=error)
            raise  # shown in the cell as usual
        finally:
            if api._active() is run:
                api._set_active(None)
        run.finish("finished")
        return None

    def _job_cell(self, args, cell):
        __tracebackhide__ = True  # noqa: F841
        from ..store.discovery import find_store_dir
        from .job_cell import run_job_cell

        pending = self.tracker.current
        ctx = pending.context if isinstance(pending, PendingCellRun) else CellContext(self.shell, None)
        if isinstance(pending, PendingCellRun):
            self.tracker.current = None  # the job's run is the run: no in-kernel run for this cell
            pending.capture.stop()
            pending.finished = True
            api._set_active(None)
        name = args.name or ctx.default_name
        return run_job_cell(self.shell, args, self.shell.transform_cell(cell), find_store_dir(ctx.folder), ctx.folder,
                            name, args.experiment or ctx.notebook_stem or api.DEFAULT_EXPERIMENT, ctx.run_meta())

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
            from .job_cell import attach

            return attach(self.shell, find_store_dir(CellContext(self.shell, None).folder), args.run_id)
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
    shell._runlane_tracker = tracker
    return tracker


def unload(shell):
    tracker = getattr(shell, "_runlane_tracker", None)
    if tracker is not None:
        tracker.unregister()
        del shell._runlane_tracker
