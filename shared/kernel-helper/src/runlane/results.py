"""What a job's cell sends back: `runlane.result(value)` on rank 0 replaces the value of the cell's
last expression as the result the kernel receives. Kept apart from `runlane.worker` so that importing
the package does not import the worker module (`python -m runlane.worker` would warn about it)."""
import os

RESULT_FILE = "result.pkl"  # in the run's job/ folder, beside the exit codes: not one of the user's artifacts
RESULT_TEXT_FILE = "result.json"  # its text, {"text/plain": repr}, for clients that cannot unpickle
NOTHING = object()
_explicit = [NOTHING]


def result(value):
    """Sends `value` back to the kernel as the cell's result (rank 0 only), instead of the last expression."""
    _explicit[0] = value
    return value


def explicit_result():
    return _explicit[0]


def result_path(store, run_id):
    """Where rank 0 writes the cell's result and the kernel reads it (None without a store or run)."""
    if not store or not run_id:
        return None
    return os.path.join(store, "runs", run_id, "job", RESULT_FILE)
