"""Images, texts and histograms in the store (docs/store-format.md "Media"); the TypeScript twin is
shared/core/src/store/media.ts, and both pass test/fixtures/media-vectors.json.

    runs/<id>/media/<writer-id>/index.jsonl      append-only, one JSON line per image, text or histogram
    runs/<id>/media/<writer-id>/<sha256/32>.<ext> an image's (or a long text's) bytes, named by content

The file is complete (written to a temp name, fsynced, renamed) before its index line is appended,
so a crash at any point leaves either no line, or a line whose file is whole.
"""
import hashlib
import json
import os
import time

from .atomic import is_temp_file, write_file_atomic
from .names import is_primary_writer

MEDIA = "media"
INDEX = "index.jsonl"
DEFAULT_BUCKETS = 30
TEXT_INLINE_MAX = 16 * 1024  # bytes of UTF-8; longer texts go to a file of their own
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
              "text/plain; charset=utf-8": "txt"}
MIME_OF_EXTENSION = {ext: mime for mime, ext in EXTENSIONS.items()}
KINDS = ("image", "text", "histogram")


def _line(obj):
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


def _write_content_file(folder, data, ext, writer_id):
    """Writes `data` as <sha256/32>.<ext> unless that file exists (the same bytes logged again)."""
    name = "%s.%s" % (hashlib.sha256(data).hexdigest()[:32], ext)
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        write_file_atomic(path, data, writer_id)
    return name


def media_line(record, payload=None, mime=None):
    """The index record for `record` ({kind, key, step, ...}) with its bytes' size and type; the
    file name is added by write_media_record."""
    record = dict(record)
    record.setdefault("t", time.time())
    if payload is not None:
        record["size"] = len(payload)
        record["mime"] = mime
    return record


def write_media_record(writer, run_id, record, payload=None, mime=None):
    """Appends one record to this writer's media index; `payload` (image or long text bytes) goes to
    its file first. Raises OSError (nothing appended) when the disk refuses."""
    folder = os.path.join(writer.run_dir(run_id), MEDIA, writer.writer_id)
    record = media_line(record, payload, mime)
    if payload is not None:
        record["file"] = _write_content_file(folder, payload, EXTENSIONS[mime], writer.writer_id)
    with writer._lock:
        writer._append(os.path.join(folder, INDEX), _line(record))


# -- reading --------------------------------------------------------------------------------------

def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def parse_index(data):
    """The complete, valid lines of one index as (line number, record); a torn last line (no newline
    yet), a line that is not JSON and a record of an unknown kind are skipped, as the spec says."""
    lines = data.split(b"\n")
    out = []
    for n, raw in enumerate(lines[:-1]):  # the part after the last newline is not complete yet
        try:
            record = json.loads(raw.decode("utf-8"))
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("kind") not in KINDS:
            continue
        if not isinstance(record.get("key"), str) or not isinstance(record.get("step"), int):
            continue
        if isinstance(record["step"], bool) or not _number(record.get("t")):
            continue
        out.append((n, record))
    return out


def read_media(run_dir):
    """(items, histograms) of a run: items in the MediaItem shape (media.ts), histograms as
    {key: [HistogramStep, ...]}, both in key, step, writer, line order."""
    root = os.path.join(run_dir, MEDIA)
    try:
        writers = sorted(w for w in os.listdir(root) if not is_temp_file(w))
    except OSError:
        return [], {}
    items, histograms = [], {}
    for writer in writers:
        folder = os.path.join(root, writer)
        try:
            with open(os.path.join(folder, INDEX), "rb") as f:
                data = f.read()
        except OSError:
            continue
        for n, r in parse_index(data):
            ref = "%s/%d" % (writer, n)
            if r["kind"] == "histogram":
                step = _histogram_step(r) if is_primary_writer(writer) else None  # rank 0's, as summaries
                if step is not None:
                    histograms.setdefault(r["key"], []).append(step)
                continue
            item = _media_item(folder, r, ref)
            if item is not None:
                items.append(item)
    items.sort(key=lambda i: (i["key"], i["step"]))  # stable: writer and line order within a step
    for steps in histograms.values():
        steps.sort(key=lambda s: s["step"])
    return items, histograms


def _media_item(folder, r, ref):
    caption = r.get("caption") if isinstance(r.get("caption"), str) else None
    item = {"key": r["key"], "step": r["step"], "wall_time": r["t"], "kind": r["kind"], "caption": caption,
            "mime": None, "width": None, "height": None, "size": 0, "ref": ref}
    if isinstance(r.get("file"), str):
        name = r["file"]
        ext = name.rsplit(".", 1)[-1]
        if "/" in name or "\\" in name or name.startswith(".") or ext not in MIME_OF_EXTENSION:
            return None
        if not os.path.isfile(os.path.join(folder, name)):
            return None  # the line outlived its file (deleted by hand): nothing to show
        item["mime"] = MIME_OF_EXTENSION[ext]
        item["size"] = r["size"] if isinstance(r.get("size"), int) else os.path.getsize(os.path.join(folder, name))
    elif r["kind"] == "text" and isinstance(r.get("text"), str):
        data = r["text"].encode("utf-8")
        item.update(mime="text/plain; charset=utf-8", size=len(data), text=r["text"])
    else:
        return None
    if r["kind"] == "image":
        for side in ("width", "height"):
            item[side] = r[side] if isinstance(r.get(side), int) else None
    return item


def _histogram_step(r):
    edges, counts = r.get("edges"), r.get("counts")
    if not isinstance(edges, list) or not isinstance(counts, list) or len(edges) != len(counts) + 1:
        return None
    if not all(_number(x) for x in edges + counts):
        return None
    return {"step": r["step"], "wall_time": r["t"], "edges": edges, "counts": counts,
            "count": r["count"] if _number(r.get("count")) else sum(counts),
            "min": r["min"] if _number(r.get("min")) else None, "max": r["max"] if _number(r.get("max")) else None,
            "sum": r["sum"] if _number(r.get("sum")) else 0}
