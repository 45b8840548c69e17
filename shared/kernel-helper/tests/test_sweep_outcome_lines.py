"""The one line a sweep prints and records for a trial that failed (sweep/outcome.py error_line)."""
from runlane.sweep.outcome import error_line


def test_a_failed_jobs_error_reads_as_what_happened_and_the_exception():
    error = ('Worker w0 exited with code 1. Its last lines:\n[stderr]\nTraceback (most recent call last):\n'
             '  File "train.py", line 9, in <module>\nRuntimeError: diverged at epoch 3\n[stdout]\nepoch 2')
    assert error_line(error) == "Worker w0 exited with code 1. RuntimeError: diverged at epoch 3"
    # No stderr in the tail: what happened alone, never a line ending at "Its last lines:".
    assert error_line("Worker w1 was killed by SIGKILL. Its last lines:\n[stdout]\nepoch 2") == (
        "Worker w1 was killed by SIGKILL.")
    # Any other error: its first non-blank line.
    assert error_line("\nThe target refused the job: no GPUs.\nmore") == "The target refused the job: no GPUs."
    assert error_line(None) == ""
