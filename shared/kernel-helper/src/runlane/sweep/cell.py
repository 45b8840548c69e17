"""`%%runlane sweep --on TARGET --trials N --parallel P --metric K --mode min|max [--sampler]
[--pruner] [--seed]`: the cell's top-level `name = rl.<range>(...)` assignments are the space, the
rest of the cell runs as each trial (a job cell, with those assignments replaced by the trial's
values). The sweep is a job of the daemon: the cell follows its lines, Ctrl-C cancels it (and every
trial), and `%runlane attach SWEEP` follows it again after a kernel restart."""
import argparse
import json
import os
import re
import shlex
import sys

from ..errors import RunlaneError
from ..notebook.job_cell import _cell_json
from .outcome import error_line
from .space import SpaceError, cell_space
from .study import PRUNERS, SAMPLERS
from .submit import read_result, submit_sweep


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # A bad number is one sentence (argparse's "invalid int value" and eight lines of usage read as
        # a crash); an unknown or missing option keeps the usage, which says what there is.
        bad = re.match(r"argument (\S+?)(?:/\S+)?: invalid int value: '(.*)'$", message)
        if bad:
            raise RunlaneError("%s takes a whole number, not '%s' (%%%%runlane sweep --help lists the options)."
                               % bad.groups())
        raise RunlaneError("%s\n%s" % (message, self.format_usage().strip()))


def parser():
    p = _Parser(prog="%%runlane sweep", add_help=False,
                description="Run the cell as a hyperparameter sweep: its rl.<range>() assignments are the space.")
    p.add_argument("-h", "--help", action="store_true", help="show this help; nothing runs")
    p.add_argument("--on", dest="target", default="local", help="the target every trial runs on (default local)")
    p.add_argument("--trials", type=int, default=10, help="how many trials (default 10)")
    p.add_argument("--parallel", type=int, default=1, help="trials at once (default 1)")
    p.add_argument("--metric", help="the key the cell logs with rl.log that the sweep optimises")
    p.add_argument("--mode", default="min", help="min or max (default min)")
    p.add_argument("--sampler", default="tpe", help="|".join(SAMPLERS))
    p.add_argument("--pruner", default="median", help="|".join(PRUNERS))
    p.add_argument("--warmup", type=int, default=1,
                   help="the median rule judges a trial from this step on (default 1)")
    p.add_argument("--seed", type=int, help="the sampler's seed, for a repeatable sweep")
    p.add_argument("--gpus", type=int, default=0, help="GPUs per trial (each trial gets its own)")
    p.add_argument("--name", help="the sweep run's name")
    p.add_argument("--experiment", help="the experiment of the sweep and its trials")
    p.add_argument("--detach", action="store_true", help="return at once; the sweep runs on")
    return p


def _shown_alone(err):
    err._render_traceback_ = lambda e=err: ["\x1b[31m%s: %s\x1b[0m" % (type(e).__name__, e)]
    return err


def run_sweep_cell(shell, line, body, store, cwd, name, experiment, cell):
    """Checks the line and the space (one sentence, before anything runs), submits the sweep and
    follows it. Returns the best trial ({number, run_id, params, value}) as the cell's value."""
    from ..notebook.job_cell import follow, show_run_link

    try:
        args = parser().parse_args(shlex.split(line))
        if args.help:
            print(parser().format_help())
            return None
        space, _ = cell_space(body)
    except SyntaxError:
        raise  # the cell itself does not parse: the magic shows it as IPython would
    except (RunlaneError, ValueError) as err:
        raise _shown_alone(err if isinstance(err, RunlaneError) else SpaceError(str(err))) from None
    name = args.name or "sweep %s" % name
    experiment = args.experiment or experiment
    info_python = sys.executable
    trial = {"command": [info_python, "-m", "runlane.worker"], "workers": 1, "gpus": args.gpus,
             "cwd": cwd, "cell": cell, "use_sweep_input": True}
    settings = {"trials": args.trials, "parallel": args.parallel, "metric": args.metric, "mode": args.mode,
                "sampler": args.sampler, "pruner": args.pruner, "seed": args.seed,
                "warmup": args.warmup}
    cell_json = json.dumps(_cell_json(cell))  # trials' tracebacks name the cell as the editor does
    try:
        client, sweep_id = submit_sweep(store, args.target, space, _remote_python(store, args.target, trial),
                                        settings, name, experiment, cwd, cell,
                                        files={"cell.py": body, "cell.json": cell_json})
    except RunlaneError as err:
        raise _shown_alone(err) from None
    try:
        from IPython import display
    except ImportError:  # pragma: no cover
        display = None
    show_run_link(display, store, sweep_id, name, experiment)
    print("runlane: sweep %s: %d trials, %d at once, on %s; %s %s" % (
        sweep_id, args.trials, args.parallel, args.target, "minimising" if args.mode == "min" else "maximising",
        args.metric))
    if args.detach:
        print("Detached: it runs on. Follow it with %%runlane attach %s." % sweep_id)
        if display is not None:  # the job cells' live display: status, best so far, the sweep's last lines
            from ..notebook.detached import show_detached
            from ..notebook.job_cell import run_status

            show_detached(shell, os.path.join(store, "runs", sweep_id), sweep_id, args.target, run_status)
        return None
    return follow_sweep(shell, client, store, sweep_id, display, follow)


def follow_sweep(shell, client, store, sweep_id, display, follow=None):
    if follow is None:
        from ..notebook.job_cell import follow
    from ..notebook.job_cell import JobFailed

    status, error = follow(shell, client, store, sweep_id, display, labelled=False)  # its lines as docs/sweeps.md shows
    result = read_result(store, sweep_id)
    if status != "finished":
        raise JobFailed("Sweep %s %s%s" % (sweep_id, status, ": " + error_line(error) if error else "."))
    return (result or {}).get("best")


def _remote_python(store, target, trial):
    """An SSH target's trials run the host's Python (the helper is copied there), in its run folder."""
    from ..daemon_client import DaemonClient

    info = DaemonClient.connect(store).target(target, trial.get("targetsFile"))
    if info is not None and info["kind"] in ("ssh", "ray"):
        trial = dict(trial, command=[info.get("python") or "python3", "-m", "runlane.worker"], cwd=None)
    return trial


def attach_sweep(shell, store, sweep_id):
    """`%runlane attach SWEEP` after a kernel restart: the sweep's lines again, then its best."""
    from ..daemon_client import DaemonClient

    try:
        from IPython import display
    except ImportError:  # pragma: no cover
        display = None
    return follow_sweep(shell, DaemonClient.connect(store), store, sweep_id, display)


def resume_sweep_here(shell, store, sweep_id):
    """`%runlane resume SWEEP`: a new sweep run continues the study; the cell follows it."""
    from .resume import resume_sweep

    try:
        client, new_id = resume_sweep(store, sweep_id)
    except RunlaneError as err:
        raise _shown_alone(err) from None
    print("runlane: sweep %s resumes sweep %s" % (new_id, sweep_id))
    try:
        from IPython import display
    except ImportError:  # pragma: no cover
        display = None
    return follow_sweep(shell, client, store, new_id, display)


def is_sweep(store, run_id):
    return os.path.exists(os.path.join(store, "runs", run_id, "input", "sweep.json"))
