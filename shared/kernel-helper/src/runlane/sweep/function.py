"""`rl.sweep(fn, space, ...)`: a sweep of a Python function, for people who prefer one to a cell.
Each trial calls `fn(**values)` as a job (the function travels pickled, as `--with` variables do:
cloudpickle when installed, which functions defined in a notebook or in the script itself need;
plain pickle for a function imported from a module, which the trial imports again). The function
logs its metric with `rl.log`, or returns it (a number, logged under `metric` when it ends)."""
import json
import os
import pickle
import sys

from ..errors import RunlaneError
from .outcome import error_line
from .space import SpaceError, check_space
from .submit import read_result, submit_sweep

FN = "__runlane_sweep_fn__"

BODY = """import runlane as _rl
_value = %s(**{_k: globals()[_k] for _k in %r})
if isinstance(_value, (int, float)) and not isinstance(_value, bool):
    _rl.log({%r: float(_value)})
"""


def _pickled(fn):
    try:
        import cloudpickle  # type: ignore

        return cloudpickle.dumps({FN: fn})
    except ImportError:
        pass
    module = getattr(fn, "__module__", None)
    if module in (None, "__main__") or "<locals>" in getattr(fn, "__qualname__", ""):
        raise RunlaneError("rl.sweep needs cloudpickle to send %s, which is defined in this script or notebook, to "
                           "its trials: pip install cloudpickle (or move it into a module the trials can import)."
                           % getattr(fn, "__name__", fn))
    try:
        return pickle.dumps({FN: fn})
    except Exception as err:  # noqa: BLE001 - pickle raises many kinds; the sentence says what to do
        raise RunlaneError("rl.sweep cannot send %r to its trials (%s): pip install cloudpickle." % (fn, err)) from None


def sweep(fn, space, trials=10, parallel=1, metric="value", mode="min", on="local", sampler="tpe",
          pruner="median", seed=None, gpus=0, name=None, experiment=None, wait=True, warmup=1):
    """Runs `fn(**values)` for `trials` sets of values from `space` ({name: rl.loguniform(...), ...};
    plain values stay fixed), `parallel` at once on target `on`. Returns the best trial ({number,
    run_id, params, value}) once the sweep ends, or the sweep run's id with wait=False."""
    from ..api import store_dir

    if not callable(fn):
        raise RunlaneError("rl.sweep's first argument is the function each trial calls, got %r." % (fn,))
    if not isinstance(space, dict):
        raise SpaceError("rl.sweep's space is a dict of name to range, e.g. {'lr': rl.loguniform(1e-4, 1e-1)}.")
    check_space(space, sampler=sampler)
    store = store_dir()
    names = sorted(space)
    body = BODY % (FN, names, metric)
    files = {"cell.py": body, "cell.json": json.dumps({"filename": "<rl.sweep>", "first_line": 1, "source": None})}
    name = name or "sweep %s" % getattr(fn, "__name__", "function")
    trial = {"command": [sys.executable, "-m", "runlane.worker"], "workers": 1, "gpus": gpus, "cwd": os.getcwd(),
             "use_sweep_input": True}
    settings = {"trials": trials, "parallel": parallel, "metric": metric, "mode": mode, "sampler": sampler,
                "pruner": pruner, "seed": seed, "warmup": warmup}
    client, sweep_id = submit_sweep(store, on, space, trial, settings, name, experiment or "sweeps",
                                    os.getcwd(), files=dict(files, **{"vars.pkl": _pickled(fn)}))
    print("runlane: sweep %s: %d trials, %d at once, on %s" % (sweep_id, trials, parallel, on), flush=True)
    if not wait:
        return sweep_id
    from ..notebook.job_cell import JobFailed, follow

    status, error = follow(None, client, store, sweep_id, None, labelled=False)
    if status != "finished":
        raise JobFailed("Sweep %s %s%s" % (sweep_id, status, ": " + error_line(error) if error else "."))
    return (read_result(store, sweep_id) or {}).get("best")
