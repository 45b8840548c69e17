"""In-band metrics (the twin of shared/protocol/src/inband.ts, which explains the format): a worker
without a shared filesystem writes what it logs as record lines on its stdout, and every reader of
that output takes them out before showing it.

A record: ESC P "runlane/1 " JSON ESC \\ newline, JSON {"k": key, "p": [[step, time, value], ...]}
with NaN and infinities as the strings "NaN", "Infinity", "-Infinity"."""
import json
import os
import threading

from .store.codec import float_json

START = "\x1bPrunlane/1 "
END = "\x1b\\\n"
MAX_RECORD = 1 << 20
ENV = "RUNLANE_METRICS"  # "stdout": this process sends its metrics in-band
# The flusher (metrics) and the media thread both write records to fd 1: a record longer than the
# pipe's atomic size (4 KiB; an image's is up to 1 MiB) could otherwise be cut by the other's write.
_write_lock = threading.Lock()


def enabled():
    return os.environ.get(ENV) == "stdout"


def encode_record(key, points):
    """One record line (bytes) for the points [(step, time, value), ...] of `key`."""
    body = json.dumps({"k": key, "p": [[s, t, float_json(v)] for s, t, v in points]}, separators=(",", ":"))
    return (START + body + END).encode("utf-8")


def write_records(fd, by_key):
    """Writes the records of {key: points} to the file descriptor `fd` in one write each (whole
    lines, so they never interleave with the program's own writes in the middle of a record)."""
    for key, points in by_key.items():
        data = encode_record(key, points)
        with _write_lock:
            while data:
                data = data[os.write(fd, data):]


def _not_json(constant):
    """NaN and Infinity are not JSON (records carry them as strings): such a record is damaged, as
    the TypeScript demux (JSON.parse) finds it."""
    raise ValueError("%s is not JSON" % constant)


def _partial_start(text):
    for n in range(min(len(START) - 1, len(text)), 0, -1):
        if START.startswith(text[-n:]):
            return n
    return 0


class Demux:
    """Splits one stream's text into output and records; holds back a record (or its start) that a
    chunk boundary cut."""

    def __init__(self):
        self.held = ""

    def push(self, chunk):
        text, self.held = self.held + chunk, ""
        shown, records = [], []
        while True:
            start = text.find(START)
            if start < 0:
                keep = _partial_start(text)
                shown.append(text[:len(text) - keep])
                self.held = text[len(text) - keep:]
                break
            shown.append(text[:start])
            end = text.find(END, start + len(START))
            if end < 0:
                if len(text) - start > MAX_RECORD:
                    shown.append(text[start:])
                else:
                    self.held = text[start:]
                break
            try:
                record = json.loads(text[start + len(START):end], parse_constant=_not_json)
                if isinstance(record, dict) and isinstance(record.get("k"), str) and isinstance(record.get("p"), list):
                    records.append(record)
            except ValueError:
                pass  # a damaged record is dropped, never shown
            text = text[end + len(END):]
        return "".join(shown), records

    def end(self):
        rest, self.held = self.held, ""
        return rest


# -- media (images, texts, histograms) --------------------------------------------------------------
# A media record: {"m": <the store's index record>, "b": base64 of its file's bytes or absent}. The
# reader of the worker's output writes it into the run as the store's writer would (file, then line).
MAX_MEDIA_BYTES = 700 * 1024  # base64 grows it by a third: the record stays under MAX_RECORD


def encode_media_record(record, payload=None, mime=None):
    import base64

    body = {"m": record}
    if payload is not None:
        if len(payload) > MAX_MEDIA_BYTES:
            raise ValueError("an image or text of %d bytes is over the %d KiB a job worker without the store's "
                             "filesystem can send; log a smaller one." % (len(payload), MAX_MEDIA_BYTES // 1024))
        body["b"] = base64.b64encode(payload).decode("ascii")
        body["mime"] = mime
    return (START + json.dumps(body, separators=(",", ":"), allow_nan=False) + END).encode("utf-8")


def write_media(fd, record, payload=None, mime=None):
    data = encode_media_record(record, payload, mime)
    with _write_lock:
        while data:
            data = data[os.write(fd, data):]
