"""The active run: the one slot that `log()`, `params()` and `tags()` write to.

A module of its own so that the public API (api.py) and the notebook code (notebook/) both use it
without importing each other: api.py reaches the notebook code, never the other way round.

Module-global rather than thread-local on purpose: training loops often log from worker threads
(data loaders, callbacks) into the cell's run. While a notebook cell runs the slot may hold a
PendingCellRun, which becomes a real run on first use (notebook/cell_runs.py).
"""
_slot = {"run": None}


def current():
    """The run in the slot (a Run, a PendingCellRun, or None); it may have finished."""
    return _slot["run"]


def set_current(run):
    _slot["run"] = run
