"""Runlane: experiment tracking from notebooks and scripts.

    import runlane as rl
    rl.params(lr=1e-3)
    rl.log(loss=0.3, acc=0.9)          # step optional
    rl.log_image("samples", array)     # also log_histogram(key, values), log_text(key, text)
    with rl.run(name="baseline", experiment="mnist"):
        ...

In IPython/Jupyter: `%load_ext runlane`, then `%%runlane` on a cell, or `%runlane auto all`.

Importing this package costs about a millisecond: every public name is imported on its first use
(PEP 562 module __getattr__), then kept as a plain attribute of the package, so `rl.log` is as cheap
from its second call as an eager import made it. A script that imports runlane and never logs pays
nothing; every sweep trial and job worker starts sooner (docs/python-helper.md has the figures).
"""
# The function `rl.sweep(fn, space)`, bound over the subpackage's attribute that its import sets (the
# subpackage is imported once, here, so nothing later sets the attribute back). Its __init__ is small.
from .sweep import sweep

__version__ = "0.1.0"

# Public name -> the submodule that defines it, imported on first use.
_LAZY = {
    **dict.fromkeys(("active_run", "artifact", "cell_history", "finish", "log", "log_histogram", "log_image",
                     "log_text", "note", "params", "run", "store_dir", "tags"), "api"),
    **dict.fromkeys(("InvalidNameError", "RunlaneError", "RunNotFoundError", "StoreVersionError"), "errors"),
    "result": "results",
    **dict.fromkeys(("choice", "intrange", "loguniform", "uniform"), "sweep.space"),
}

__all__ = [
    "log", "log_image", "log_histogram", "log_text", "params", "tags", "artifact", "run", "finish", "active_run",
    "cell_history", "store_dir", "result",
    "loguniform", "uniform", "choice", "intrange", "sweep", "note",
    "RunlaneError", "InvalidNameError", "StoreVersionError", "RunNotFoundError",
    "load_ipython_extension", "unload_ipython_extension",
]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'runlane' has no attribute %r" % name)
    value = getattr(__import__("%s.%s" % (__name__, module), fromlist=[name]), name)
    globals()[name] = value  # the next use is a plain attribute: no __getattr__ call
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(ipython):
    """`%load_ext runlane`: registers %%runlane, %runlane and one run per tracked cell."""
    from .notebook.magic import load

    load(ipython)


def unload_ipython_extension(ipython):
    from .notebook.magic import unload

    unload(ipython)
