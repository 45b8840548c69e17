"""Runlane: experiment tracking from notebooks and scripts.

    import runlane as rl
    rl.params(lr=1e-3)
    rl.log(loss=0.3, acc=0.9)          # step optional
    rl.log_image("samples", array)     # also log_histogram(key, values), log_text(key, text)
    with rl.run(name="baseline", experiment="mnist"):
        ...

In IPython/Jupyter: `%load_ext runlane`, then `%%runlane` on a cell, or `%runlane auto all`.
Importing this package is cheap: it imports nothing heavy (no IPython) until the extension loads.
"""
from .api import (
    active_run,
    artifact,
    cell_history,
    finish,
    log,
    log_histogram,
    log_image,
    log_text,
    note,
    params,
    run,
    store_dir,
    tags,
)
from .errors import InvalidNameError, RunlaneError, RunNotFoundError, StoreVersionError
from .results import result
from .sweep import sweep  # the function `rl.sweep(fn, space)`, not the subpackage
from .sweep.space import choice, intrange, loguniform, uniform

__version__ = "0.1.0"

__all__ = [
    "log", "log_image", "log_histogram", "log_text", "params", "tags", "artifact", "run", "finish", "active_run",
    "cell_history", "store_dir", "result",
    "loguniform", "uniform", "choice", "intrange", "sweep", "note",
    "RunlaneError", "InvalidNameError", "StoreVersionError", "RunNotFoundError",
    "load_ipython_extension", "unload_ipython_extension",
]


def load_ipython_extension(ipython):
    """`%load_ext runlane`: registers %%runlane, %runlane and one run per tracked cell."""
    from .notebook.magic import load

    load(ipython)


def unload_ipython_extension(ipython):
    from .notebook.magic import unload

    unload(ipython)
