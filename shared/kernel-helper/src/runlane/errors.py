"""Errors a user can meet, as sentences that say what to do."""


class RunlaneError(Exception):
    """Base class of every error Runlane raises on purpose."""


class InvalidNameError(RunlaneError, ValueError):
    """A run id, key, experiment or other name that cannot be stored; nothing was written."""


class StoreVersionError(RunlaneError):
    """The store was written by a newer Runlane format; nothing was read or written."""


class NotAStoreError(RunlaneError, ValueError):
    """The store folder is something else (a TensorBoard log folder, a project folder); nothing was written."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the sentence is the whole story, Runlane's frames are not.
        return ["NotAStoreError: %s" % self]


class RunFinishedError(RunlaneError, RuntimeError):
    """Something was logged to a run that has already ended."""


class RunNotFoundError(RunlaneError, KeyError):
    """No run with that id in the store."""

    def __str__(self):
        return str(self.args[0]) if self.args else "run not found"
