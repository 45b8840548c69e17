"""What a job's cell sends back: `runlane.result(value)` on rank 0 replaces the value of the cell's
last expression as the result the kernel receives. Kept apart from `runlane.worker` so that importing
the package does not import the worker module (`python -m runlane.worker` would warn about it)."""
RESULT_FILE = "result.pkl"  # the artifact rank 0 writes the result to
NOTHING = object()
_explicit = [NOTHING]


def result(value):
    """Sends `value` back to the kernel as the cell's result (rank 0 only), instead of the last expression."""
    _explicit[0] = value
    return value


def explicit_result():
    return _explicit[0]
