"""Binary metric records and the JSON encoding of param values (docs/store-format.md)."""
import math
import struct

METRIC_HEADER = b"RLM1\x00\x00\x00\x00"
RECORD = struct.Struct("<qdd")  # int64 step, float64 wall time, float64 value
RECORD_SIZE = RECORD.size
MAX_STRING = 65536


def encode_records(points):
    """points: iterable of (step, time, value)."""
    pack = RECORD.pack
    return b"".join(pack(s, t, v) for (s, t, v) in points)


def decode_records(data):
    """Whole records of `data` (a torn tail is left out) as a list of (step, time, value)."""
    whole = len(data) - len(data) % RECORD_SIZE
    return list(RECORD.iter_unpack(data[:whole]))


def float_json(value):
    """NaN and +/-Infinity as the strings JSON output uses for them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def encode_param(value):
    """A param value as JSON: non-finite floats as {"$float": ...}, other objects as repr text."""
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str) and len(value) > MAX_STRING:
            return value[:MAX_STRING] + "…"
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": float_json(value)}
    if isinstance(value, (list, tuple)):
        return [encode_param(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_param(v) for k, v in value.items()}
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy / torch scalars
        try:
            return encode_param(value.item())
        except Exception:
            pass
    return encode_param(repr(value))
