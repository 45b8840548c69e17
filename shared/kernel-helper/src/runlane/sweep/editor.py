"""`python -m runlane.sweep.editor`: starts a `%%runlane sweep` cell for an editor with no kernel (VS
Code's "Runlane jobs" controller). It reads {line, body, store, cwd, name, experiment, cell} as JSON
on stdin, checks the line and the space exactly as the magic does, submits the sweep to the daemon
and prints {"run_id", "name", "experiment"}; the editor then follows the sweep run like any job (its
lines are the sweep's logs). A bad line or space is one sentence on stderr and exit code 2, with no
run made. The cell's text travels on stdin, never through a shell."""
import json
import shlex
import sys

from ..errors import RunlaneError
from ..notebook.job_cell import _cell_json
from .cell import _remote_python, parser
from .space import SpaceError, cell_space
from .submit import submit_sweep


def start(request):
    args = parser().parse_args(shlex.split(request["line"]))
    if args.help:  # nothing runs: the options, as the magic's --help prints them
        raise RunlaneError(parser().format_help())
    body = request["body"]
    try:
        space, _ = cell_space(body)
    except SyntaxError as err:
        raise RunlaneError("The cell does not parse as Python (line %s: %s): fix it and run it again."
                           % (err.lineno, err.msg)) from None
    except ValueError as err:
        raise SpaceError(str(err)) from None
    store, cwd, cell = request["store"], request.get("cwd"), request.get("cell")
    name = args.name or "sweep %s" % request["name"]
    experiment = args.experiment or request["experiment"]
    trial = {"command": [sys.executable, "-m", "runlane.worker"], "workers": 1, "gpus": args.gpus,
             "cwd": cwd, "cell": cell, "use_sweep_input": True}
    # The editor's copy of this helper, for a Python where it is not installed (as its job cells get it).
    env = {"PYTHONPATH": request["pythonpath"]} if request.get("pythonpath") else None
    if env:
        trial["env"] = env
    if request.get("targetsFile"):  # the notebook's runlane.toml as the editor finds it for job cells
        trial["targetsFile"] = request["targetsFile"]
    settings = {"trials": args.trials, "parallel": args.parallel, "metric": args.metric, "mode": args.mode,
                "sampler": args.sampler, "pruner": args.pruner, "seed": args.seed,
                "warmup": args.warmup}
    files = {"cell.py": body, "cell.json": json.dumps(_cell_json(cell or {}))}
    _, sweep_id = submit_sweep(store, args.target, space, _remote_python(store, args.target, trial),
                               settings, name, experiment, cwd, cell, files=files, env=env)
    return {"run_id": sweep_id, "name": name, "experiment": experiment, "target": args.target,
            "trials": args.trials, "parallel": args.parallel, "metric": args.metric, "mode": args.mode}


def main():
    try:
        out = start(json.load(sys.stdin))
    except RunlaneError as err:
        sys.stderr.write("%s\n" % err)
        return 2
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
