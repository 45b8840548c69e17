"""Hyperparameter sweeps (docs/sweeps.md): the search space (`space.py`, standard library only), the
controller process that runs a sweep through the daemon (`controller.py`, needs Optuna), its trials
(`trials.py`), and the front ends: `%%runlane sweep` (`cell.py`) and `rl.sweep` (`submit.py`)."""
from .space import SpaceError, choice, intrange, loguniform, uniform

__all__ = ["loguniform", "uniform", "choice", "intrange", "SpaceError"]
