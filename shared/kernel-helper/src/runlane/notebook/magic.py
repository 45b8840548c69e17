"""`%%runlane [--name N] [--experiment E]` and `%runlane auto|status`."""
import argparse
import ast
import shlex
import sys

from .. import api
from ..errors import RunlaneError
from .cell_runs import MODES, CellTracker, PendingCellRun
from .context import CellContext


class UsageError(RunlaneError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError("%s\n%s" % (message, self.format_usage().strip()))


def _cell_parser():
    parser = _Parser(prog="%%runlane", add_help=False,
                     description="Run the cell as a tracked Runlane run in this kernel.")
    parser.add_argument("--name", help="the run's name (default: notebook and execution count)")
    parser.add_argument("--experiment", help="the experiment (default: the notebook's name)")
    parser.add_argument("--on", dest="target", help="run the cell as a job on this target (see `runlane targets`)")
    parser.add_argument("--workers", type=int, default=1, help="number of workers (with --on)")
    parser.add_argument("--gpus", type=int, default=0, help="GPUs per worker (with --on)")
    parser.add_argument("--with", dest="with_vars", help="comma-separated variables to send to the workers")
    parser.add_argument("--detach", action="store_true", help="return at once; the job runs on")
    return parser


def _line_parser():
    parser = _Parser(prog="%runlane", add_help=False)
    sub = parser.add_subparsers(dest="command")
    auto = sub.add_parser("auto", add_help=False, help="automatic tracking of cells")
    auto.add_argument("mode", choices=MODES)
    auto.add_argument("--threshold", type=float, help="seconds after which a cell becomes a run (default 10)")
    sub.add_parser("status", add_help=False, help="the tracking mode, the store and the active run")
    attach = sub.add_parser("attach", add_help=False, help="follow a running job's output in this cell")
    attach.add_argument("run_id")
    return parser


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


class RunlaneMagics:
    def __init__(self, shell, tracker):
        self.shell = shell
        self.tracker = tracker

    def cell_magic(self, line, cell):
        __tracebackhide__ = True  # noqa: F841
        try:
            args = _cell_parser().parse_args(shlex.split(line))
        except (UsageError, ValueError) as err:
            print("runlane: %s" % err, file=sys.stderr)
            return None
        if args.target:
            return self._job_cell(args, cell)
        if args.workers != 1 or args.gpus or args.with_vars or args.detach:
            print("runlane: --workers, --gpus, --with and --detach go with --on TARGET (a job); without --on the "
                  "cell runs here in the kernel.", file=sys.stderr)
            return None
        pending = self.tracker.current
        if not isinstance(pending, PendingCellRun):  # called outside a cell execution (tests, %run)
            pending = PendingCellRun(self.tracker, CellContext(self.shell, None))
            pending.context.raw_cell = "%%%%runlane %s\n%s" % (line, cell)
        pending.name, pending.experiment = args.name, args.experiment
        body = self.shell.transform_cell(cell)
        pending.body = body
        run = pending.materialize()
        api._set_active(run)
        try:
            _run_body(self.shell, body, self.shell.compile.cache(body) if hasattr(self.shell, "compile") else "<cell>")
        except BaseException as exc:
            from ..tracking import status_from_exception

            status, error = status_from_exception(exc)
            run.finish(status, error=error)
            raise
        finally:
            if api.active_run() is run:
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
            api._set_active(None)
        name = args.name or "%s [%s]" % (ctx.notebook_stem or "cell", ctx.execution_count)
        return run_job_cell(self.shell, args, self.shell.transform_cell(cell), find_store_dir(ctx.folder), ctx.folder,
                            name, args.experiment or ctx.notebook_stem or api.DEFAULT_EXPERIMENT)

    def line_magic(self, line):
        try:
            args = _line_parser().parse_args(shlex.split(line))
        except (UsageError, ValueError) as err:
            print("runlane: %s" % err, file=sys.stderr)
            return
        if args.command == "auto":
            self.tracker.mode = args.mode
            if args.threshold is not None:
                self.tracker.threshold = args.threshold
            print("Runlane automatic tracking: %s%s" % (
                args.mode, " (cells over %g s or that log metrics)" % self.tracker.threshold if args.mode == "all" else ""))
        elif args.command == "attach":
            from ..store.discovery import find_store_dir
            from .job_cell import attach

            return attach(self.shell, find_store_dir(CellContext(self.shell, None).folder), args.run_id)
        else:
            from ..store.discovery import find_store_dir

            print("Runlane automatic tracking: %s (threshold %g s)" % (self.tracker.mode, self.tracker.threshold))
            print("Store: %s" % find_store_dir(CellContext(self.shell, None).folder))


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
