"""What `rl.log` accepts: a metric value as a float, a step as a whole number. A module of its own
(tracking.py was past 400 lines); the error sentences say what to log instead."""
import operator

_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def to_float(key, value):
    """A metric value as a float: bool/int/float, numpy scalars, 0-d arrays and 0-d tensors."""
    if isinstance(value, (int, float)):  # bool is an int: True logs 1.0
        try:
            return float(value)
        except OverflowError:
            pass
    elif not isinstance(value, (str, bytes, bytearray)):  # "0.5" is text, not a number
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            pass
    raise TypeError(
        "runlane.log(%s=...) got %s, which is not a number that fits a float; log numbers (int, float, "
        "or a 0-d array/tensor) and put other values in runlane.params()." % (key, type(value).__name__)
    )


def to_step(step):
    try:
        step = operator.index(step)  # ints, numpy ints; never silently truncates 1.5
    except TypeError:
        if not (isinstance(step, float) and step.is_integer()):
            raise TypeError("runlane.log(step=%r): a step is a whole number (0, 1, 2, ...)." % (step,)) from None
        step = int(step)
    if not _INT64[0] <= step <= _INT64[1]:
        raise ValueError("runlane.log(step=%d): a step must fit in a signed 64-bit integer." % step)
    return step
