"""Starting a sweep: its spec and input go to the daemon as a job whose one worker is the controller
(`python -m runlane.sweep.controller`), so the sweep belongs to the daemon, not to the kernel that
started it. Used by `%%runlane sweep` (cell.py) and `rl.sweep`."""
import json
import os
import shutil
import sys
import tempfile

from ..daemon_client import DaemonClient, DaemonError
from ..errors import RunlaneError
from .space import Distribution, check_space
from .study import PRUNERS, SAMPLERS, check_optuna_installed

ROLE_TAG = "runlane.sweep.role"


def check_settings(trials, parallel, metric, mode, sampler, pruner, warmup=1):
    if not isinstance(trials, int) or trials < 1:
        raise RunlaneError("--trials must be a whole number of 1 or more, e.g. --trials 20.")
    if not isinstance(parallel, int) or parallel < 1:
        raise RunlaneError("--parallel must be a whole number of 1 or more (trials run at once).")
    if not metric:
        raise RunlaneError("--metric names the key the trials log with rl.log that the sweep optimises, "
                           "e.g. --metric val/loss.")
    if mode not in ("min", "max"):
        raise RunlaneError("--mode is min or max: whether a lower or a higher %s is better." % metric)
    if sampler not in SAMPLERS:
        raise RunlaneError("--sampler is one of %s." % ", ".join(SAMPLERS))
    if pruner not in PRUNERS:
        raise RunlaneError("--pruner is one of %s." % ", ".join(PRUNERS))
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise RunlaneError("--warmup must be a whole number of 0 or more: the step from which the median rule "
                           "judges a trial, e.g. --warmup 5.")
    if warmup != 1 and pruner != "median":
        raise RunlaneError("--warmup is the median rule's (the step it judges a trial from): "
                           "--pruner %s has none; leave --warmup out or use --pruner median." % pruner)


def space_json(space):
    return {k: v.to_json() if isinstance(v, Distribution) else v for k, v in space.items()}


def check_gpus(info, trial):
    """A trial that asks for more GPUs than the target's machine has is one sentence before the sweep
    exists (each trial's job was refused in turn, and a failed sweep run was left behind). Targets whose
    GPUs are another scheduler's (Slurm, Ray) say so themselves."""
    asked = (trial.get("gpus") or 0) * (trial.get("workers") or 1)
    have = info.get("gpus")
    if info.get("kind") == "local" and isinstance(have, list) and asked > len(have):
        raise RunlaneError('Target "%s" has %d GPU(s); each trial asks for %d. Ask for fewer (--gpus), or run on a '
                           "target with more." % (info.get("name"), len(have), asked))


def submit_sweep(store, target, space, trial, settings, name, experiment, cwd, cell=None, files=None, env=None):
    """Checks everything, then submits the controller job. `trial`: the template of each trial's job
    spec (`command`, `workers`, `gpus`, `env`, `cell`...). `files`: name -> text for the sweep's input
    folder (a cell's body), which every trial gets too. `env`: more environment for the controller (an
    editor's PYTHONPATH to this helper). Returns (client, sweep run id)."""
    check_settings(settings["trials"], settings["parallel"], settings["metric"], settings["mode"],
                   settings["sampler"], settings["pruner"], settings.get("warmup", 1))
    check_space(space, trial.get("command") if trial.get("fill_command") else None, settings["sampler"])
    check_optuna_installed()
    client = DaemonClient.connect(store)
    # An unknown target is one sentence before the sweep starts; looked up in the runlane.toml the trials use.
    info = client.known_target(target, trial.get("targetsFile"))
    check_gpus(info, trial)
    spec = dict(settings, name=name, space=space_json(space), trial=dict(trial, target=target, experiment=experiment))
    input_dir = tempfile.mkdtemp(prefix="runlane-sweep-")
    try:
        for filename, content in (files or {}).items():
            with open(os.path.join(input_dir, filename), "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        with open(os.path.join(input_dir, "sweep.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f)
        job = {"target": "local", "command": [sys.executable, "-m", "runlane.sweep.controller"], "workers": 1,
               "gpusPerWorker": 0, "name": name, "experiment": experiment, "cwd": cwd, "input": input_dir,
               "cell": cell, "env": dict(env or {}, RUNLANE_RUNTIME_DIR=_runtime_dir()),
               "params": {"sweep.target": target, "sweep.trials": settings["trials"]},
               # Tagged with its creation (the controller tags it too, later): a client that lists runs
               # right after the submit finds the sweep, and the sidebars know it is one.
               "tags": {ROLE_TAG: "sweep"}}
        job = {k: v for k, v in job.items() if v is not None}
        try:
            created = client.submit_job(job)
        except DaemonError as err:
            if err.status != 400 or '"tags"' not in str(err):
                raise
            created = None  # a daemon of an earlier Runlane takes no tags in a job
        if created is None:
            created = client.submit_job({k: v for k, v in job.items() if k != "tags"})
            client.request("PATCH", "/runs/%s" % created["run_id"], {"tags": {ROLE_TAG: "sweep"}})
    finally:
        shutil.rmtree(input_dir, ignore_errors=True)  # the sweep run keeps its own copy (input/)
    return client, created["run_id"]


def _runtime_dir():
    """The controller talks to the daemon that runs it, found by the same runtime folder."""
    from ..daemon_client import runtime_dir

    return runtime_dir()


def read_result(store, sweep_id):
    """The sweep's trials and best (sweep/result.json, written atomically after each trial), or None."""
    try:
        with open(os.path.join(store, "runs", sweep_id, "sweep", "result.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
