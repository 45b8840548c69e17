"""Hyperparameter sweeps (docs/sweeps.md): the search space (`space.py`, standard library only), the
controller process that runs a sweep through the daemon (`controller.py`, needs Optuna), its trials
(`trials.py`), and the front ends: `%%runlane sweep` (`cell.py`) and `rl.sweep` (`submit.py`)."""
from .space import SpaceError, choice, intrange, loguniform, uniform


def sweep(fn, space, **options):
    """`rl.sweep(fn, {"lr": rl.loguniform(1e-4, 1e-1)}, trials=20, parallel=4, metric="loss")`: see
    function.py (imported on use: it needs the daemon, and Optuna in the controller)."""
    from .function import sweep as run

    return run(fn, space, **options)


__all__ = ["loguniform", "uniform", "choice", "intrange", "sweep", "SpaceError"]
