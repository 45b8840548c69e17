"""Validation of every name before it touches a path (docs/store-format.md "Names")."""
import json
import re

from ..errors import InvalidNameError

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\Z")
_STREAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
_KEY_CHARS = re.compile(r"[A-Za-z0-9_\-./ ]+\Z")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_KEEP = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
MAX_KEY_FILE_BYTES = 255  # NAME_MAX of common filesystems


def _bad(what, name, rule):
    shown = name if len(name) <= 60 else name[:60] + "…"
    raise InvalidNameError("Invalid %s %s: %s" % (what, json.dumps(shown, ensure_ascii=False), rule))


def validate_run_id(name):
    if not isinstance(name, str) or not _ID.match(name):
        _bad("run id", str(name), 'use 1-100 letters, digits, "_" or "-", starting with a letter or digit.')
    return name


def validate_writer_id(name):
    if not isinstance(name, str) or not _ID.match(name):
        _bad("writer id", str(name), 'use 1-100 letters, digits, "_" or "-", starting with a letter or digit.')
    return name


# A job worker's writer id starts with "r<rank>-" (docs/store-format.md "Ranks"); a canonical decimal.
_RANKED_WRITER = re.compile(r"r(0|[1-9][0-9]{0,8})-")


def writer_rank(writer_id):
    """The worker rank a writer id carries, or None for a writer without one (not a job's worker)."""
    m = _RANKED_WRITER.match(writer_id)
    return int(m.group(1)) if m else None


def is_primary_writer(writer_id):
    """Whether a writer's points belong to a run's primary series (rank 0, or no rank)."""
    return writer_rank(writer_id) in (None, 0)


def validate_stream(name):
    if not isinstance(name, str) or not _STREAM.match(name):
        _bad("log stream name", str(name),
             'use 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit.')
    return name


def validate_metric_key(key):
    if not isinstance(key, str):
        _bad("metric key", repr(key), "a key is a string.")
    if not 1 <= len(key) <= 250:
        _bad("metric key", key, "a key has 1 to 250 characters.")
    if not _KEY_CHARS.match(key):
        _bad("metric key", key, 'use ASCII letters, digits, "_", "-", ".", "/" and spaces only.')
    segments = key.split("/")
    if "" in segments:
        _bad("metric key", key, '"/" separates non-empty parts: no leading, trailing or doubled "/".')
    if "." in segments or ".." in segments:
        _bad("metric key", key, 'no part may be "." or "..".')
    if len(encode_key_file(key)) > MAX_KEY_FILE_BYTES:
        _bad("metric key", key, "it is too long once encoded as a file name; use a shorter key.")
    return key


def validate_experiment(name):
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        _bad("experiment name", str(name), "use 1 to 200 characters.")
    if _CONTROL.search(name):
        _bad("experiment name", name, "control characters and NUL are not allowed.")
    if "/" in name or "\\" in name:
        _bad("experiment name", name, '"/" and "\\" are not allowed.')
    if name in (".", ".."):
        _bad("experiment name", name, '"." and ".." are not allowed.')
    if name.strip() != name:
        _bad("experiment name", name, "no leading or trailing spaces.")
    return name


def validate_run_name(name):
    if not isinstance(name, str) or not 1 <= len(name) <= 500:
        _bad("run name", str(name), "use 1 to 500 characters.")
    if _CONTROL.search(name):
        _bad("run name", name, "control characters, line breaks and NUL are not allowed.")
    return name


MAX_NOTE_LENGTH = 100000
# A note is free text: line breaks and tabs are fine, other control characters and NUL are not.
_NOTE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_note(note):
    """A run's note (as the TypeScript store's validateNote); returns it."""
    if not isinstance(note, str):
        raise InvalidNameError("A note must be text (str), not %s." % type(note).__name__)
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidNameError("The note is %d characters long; keep it to %d (put longer text in an artifact)."
                               % (len(note), MAX_NOTE_LENGTH))
    if _NOTE_CONTROL.search(note):
        raise InvalidNameError("The note holds a control character or NUL; only text, line breaks and tabs are "
                               "allowed.")
    return note


def validate_param_key(key, what="param key"):
    if not isinstance(key, str) or not 1 <= len(key) <= 250:
        _bad(what, str(key), "use 1 to 250 characters.")
    if _CONTROL.search(key):
        _bad(what, key, "control characters and NUL are not allowed.")
    return key


def encode_key_file(key):
    """`train/loss` -> `train%2Floss.rlm`: every UTF-8 byte outside [A-Za-z0-9_.-] as %XX."""
    return "".join(chr(b) if b in _KEEP else "%%%02X" % b for b in key.encode("utf-8")) + ".rlm"


def decode_key_file(name):
    """The inverse of encode_key_file; None for names that are not metric files."""
    if not name.endswith(".rlm"):
        return None
    from urllib.parse import unquote

    return unquote(name[: -len(".rlm")], errors="strict")


def validate_artifact_path(path):
    """A `/`-separated path relative to a run's artifacts folder; returns its segments."""
    if not isinstance(path, str) or not 1 <= len(path) <= 1000:
        _bad("artifact path", str(path), "use 1 to 1,000 characters.")
    if _CONTROL.search(path) or "\\" in path:
        _bad("artifact path", path, "control characters, NUL and backslashes are not allowed.")
    segments = path.split("/")
    if any(s in ("", ".", "..") for s in segments):
        _bad("artifact path", path,
             'use a relative path with "/" between names; empty, "." and ".." segments are not allowed.')
    return segments
