"""Turning what a caller passes to `rl.log_image / log_histogram / log_text` into what the store keeps.

No required dependency: numpy, PIL and matplotlib are only touched when the caller passes their
objects (recognised by their attributes, never imported here to find out). PNG is written with zlib
and struct. Each function either returns everything the record needs or raises a sentence that says
what to pass instead: nothing is half-logged.
"""
import math
import os
import struct
import zlib

from .store.media import DEFAULT_BUCKETS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (grey, grey+alpha, RGB, RGBA)


class PreparedImage:
    """What the caller's thread keeps of an image: either encoded bytes, or a private copy of a
    uint8 HxWxC array that the media thread encodes (so the caller can reuse its buffer at once)."""

    __slots__ = ("data", "mime", "width", "height", "pixels")

    def __init__(self, data=None, mime=None, width=None, height=None, pixels=None):
        self.data, self.mime, self.width, self.height, self.pixels = data, mime, width, height, pixels

    def encode(self):
        """(bytes, mime, width, height); encodes a pixel array as PNG (the costly part, off the caller)."""
        if self.data is None:
            self.height, self.width = self.pixels.shape[:2]
            self.data = encode_png(self.pixels)
            self.mime, self.pixels = "image/png", None
        return self.data, self.mime, self.width, self.height


def _bad_image(what):
    return TypeError(
        "runlane.log_image got %s; pass a numpy array (HxW, HxWxC or CxHxW, uint8 or float in [0, 1]), "
        "a PIL image, a matplotlib figure, or the path of a PNG or JPEG file." % what)


def prepare_image(image):
    """Checks and copies `image` in the caller's thread; returns a PreparedImage."""
    if isinstance(image, (str, os.PathLike)):
        return _image_file(os.fspath(image))
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _image_bytes(bytes(image), "the bytes given")
    module = type(image).__module__ or ""
    if module.startswith("PIL.") and hasattr(image, "save"):
        return _pil_image(image)
    if hasattr(image, "savefig") and hasattr(image, "canvas"):
        return _figure(image)
    if module.startswith("torch") and hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    if hasattr(image, "shape") and hasattr(image, "dtype") and hasattr(image, "__array__"):
        return PreparedImage(pixels=_pixels(image))
    raise _bad_image("a %s" % type(image).__name__)


def _image_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise FileNotFoundError("runlane.log_image: cannot read %s (%s)." % (path, err.strerror)) from None
    return _image_bytes(data, path)


def _image_bytes(data, where):
    if data.startswith(PNG_SIGNATURE):
        width, height = png_size(data)
        return PreparedImage(data, "image/png", width, height)
    if data.startswith(_JPEG_SIGNATURE):
        width, height = jpeg_size(data)
        return PreparedImage(data, "image/jpeg", width, height)
    raise ValueError("runlane.log_image: %s is neither a PNG nor a JPEG image; convert it to one of these." % where)


def _pil_image(image):
    import io

    buffer = io.BytesIO()
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    image.save(buffer, format="PNG")
    return PreparedImage(buffer.getvalue(), "image/png", image.width, image.height)


def _figure(figure):
    """A matplotlib figure as PNG, rendered now: the caller may change or close it right after."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    width, height = png_size(data)
    return PreparedImage(data, "image/png", width, height)


def _pixels(array):
    """A private uint8 HxWxC copy of a numpy array (HW, HWC or CHW; uint8, bool, ints 0-255 or floats in [0, 1])."""
    import numpy as np

    a = np.asarray(array)
    if a.ndim == 3 and a.shape[-1] not in (1, 2, 3, 4) and a.shape[0] in (1, 2, 3, 4):
        a = a.transpose(1, 2, 0)  # CHW, as PyTorch keeps images
    elif a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[-1] not in (1, 2, 3, 4):
        raise ValueError("runlane.log_image: an array of shape %s is not an image; use HxW, HxWxC or CxHxW with "
                         "C = 1, 3 or 4 channels." % (tuple(np.shape(array)),))
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError("runlane.log_image: the image is empty (shape %s)." % (tuple(np.shape(array)),))
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a).copy()
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise ValueError("runlane.log_image: a float image has values in [0, 1] (this one has NaN, infinities or "
                             "values outside); scale it, e.g. np.clip(x, 0, 1), or pass uint8.")
        return (a * 255 + 0.5).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        if a.min() < 0 or a.max() > 255:
            raise ValueError("runlane.log_image: an integer image has values 0-255; this one has %s to %s."
                             % (a.min(), a.max()))
        return a.astype(np.uint8)
    raise _bad_image("an array of dtype %s" % a.dtype)


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode_png(pixels):
    """PNG bytes of a uint8 HxWxC array (C = 1-4), filter 0 on every row, zlib level 6."""
    import numpy as np

    height, width, channels = pixels.shape
    rows = np.zeros((height, width * channels + 1), dtype=np.uint8)  # a 0 (no filter) byte before each row
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def png_size(data):
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ValueError("runlane.log_image: the PNG has no header; the file is damaged.")
    return struct.unpack(">II", data[16:24])


def jpeg_size(data):
    """(width, height) from the first start-of-frame marker; (None, None) when none is found."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None, None


# -- histograms ---------------------------------------------------------------------------------

def _bad_histogram(what):
    return TypeError("runlane.log_histogram got %s; pass the values (a list or array of numbers) or "
                     "(edges, counts) with one more edge than counts." % what)


def _is_sequence(x):
    return hasattr(x, "__len__") and hasattr(x, "__iter__") and not isinstance(x, (str, bytes, dict))


def histogram_record(values, buckets=DEFAULT_BUCKETS):
    """{edges, counts, count, min, max, sum} of `values`, or of `(edges, counts)` given as is."""
    if isinstance(values, tuple) and len(values) == 2 and all(_is_sequence(v) for v in values):
        return _given_buckets(*values)
    if not _is_sequence(values) and not hasattr(values, "shape"):
        raise _bad_histogram("a %s" % type(values).__name__)
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    if hasattr(values, "dtype") and hasattr(values, "ravel"):
        return _numpy_histogram(values, buckets)
    finite = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise _bad_histogram("a value %r among the values" % (v,)) from None
        if math.isfinite(f):
            finite.append(f)
    return _bucket(finite, buckets)


def _numpy_histogram(values, buckets):
    import numpy as np

    a = np.asarray(values).ravel()
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise _bad_histogram("an array of dtype %s" % a.dtype)
    a = a.astype(np.float64)
    return _bucket(a[np.isfinite(a)].tolist(), buckets)


def _bucket(finite, buckets):
    """Equal-width buckets from the smallest to the largest value (as TensorBoard's default); all
    values equal: one bucket of width 1 around them. The last bucket includes its right edge."""
    if not finite:
        return {"edges": [0.0, 1.0], "counts": [0], "count": 0, "min": None, "max": None, "sum": 0.0}
    lo, hi = min(finite), max(finite)
    if lo == hi:
        return {"edges": [lo - 0.5, lo + 0.5], "counts": [len(finite)], "count": len(finite),
                "min": lo, "max": hi, "sum": math.fsum(finite)}
    width = (hi - lo) / buckets
    edges = [lo + i * width for i in range(buckets)] + [hi]
    counts = [0] * buckets
    for v in finite:
        i = min(int((v - lo) / width), buckets - 1)
        if v < edges[i]:  # rounding put it one bucket too far
            i -= 1
        elif i + 1 < buckets and v >= edges[i + 1]:
            i += 1
        counts[i] += 1
    return {"edges": edges, "counts": counts, "count": len(finite), "min": lo, "max": hi, "sum": math.fsum(finite)}


def _given_buckets(edges, counts):
    try:
        edges = [float(e) for e in edges]
        counts = [float(c) for c in counts]
    except (TypeError, ValueError):
        raise _bad_histogram("edges or counts that are not numbers") from None
    if len(edges) != len(counts) + 1 or not counts:
        raise ValueError("runlane.log_histogram: (edges, counts) needs one more edge than counts; got %d edges "
                         "and %d counts." % (len(edges), len(counts)))
    if not all(math.isfinite(e) for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError("runlane.log_histogram: edges must be finite and increasing.")
    if any(not math.isfinite(c) or c < 0 for c in counts):
        raise ValueError("runlane.log_histogram: counts must be finite and not negative.")
    counts = [int(c) if c.is_integer() else c for c in counts]
    filled = [i for i, c in enumerate(counts) if c > 0]
    # Only buckets are known: min, max and sum are estimated from the filled buckets' edges and centres.
    return {"edges": edges, "counts": counts, "count": sum(counts),
            "min": edges[filled[0]] if filled else None, "max": edges[filled[-1] + 1] if filled else None,
            "sum": math.fsum(c * (edges[i] + edges[i + 1]) / 2 for i, c in enumerate(counts))}
