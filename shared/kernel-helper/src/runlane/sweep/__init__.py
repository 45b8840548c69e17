"""Hyperparameter sweeps (docs/sweeps.md): the search space (`space.py`, standard library only), the
controller process that runs a sweep through the daemon (`controller.py`, needs Optuna), its trials
(`trials.py`), and the front ends: `%%runlane sweep` (`cell.py`) and `rl.sweep` (`submit.py`).

Nothing is imported here: `import runlane` imports this package for `rl.sweep`, and a script that
never sweeps should not pay for the space's parser (ast); the names below come on first use."""
_SPACE = ("SpaceError", "choice", "intrange", "loguniform", "uniform")


def sweep(fn, space, **options):
    """`rl.sweep(fn, {"lr": rl.loguniform(1e-4, 1e-1)}, trials=20, parallel=4, metric="loss")`: see
    function.py (imported on use: it needs the daemon, and Optuna in the controller)."""
    from .function import sweep as run

    return run(fn, space, **options)


def __getattr__(name):
    if name not in _SPACE:
        raise AttributeError("module 'runlane.sweep' has no attribute %r" % name)
    return getattr(__import__(__name__ + ".space", fromlist=[name]), name)


__all__ = ["loguniform", "uniform", "choice", "intrange", "sweep", "SpaceError"]
