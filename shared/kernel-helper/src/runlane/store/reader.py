"""A reader of the store, used by tests, `runlane.cell_history` and the cross-language checks. It
reports runs in exactly the `runlane ls --json` shape of docs/store-format.md "Run summaries"."""
import json
import math
import os
import re
import sys

from ..errors import RunNotFoundError
from .atomic import is_temp_file
from .codec import METRIC_HEADER, decode_records, float_json
from .names import decode_key_file, is_primary_writer, validate_run_id, validate_stream, validate_writer_id, writer_rank
from .statuses import LIVE_STATUSES, STORED_STATUSES
from .version import check_store_version

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\Z")
_STORED = frozenset(STORED_STATUSES)
_LIVE = frozenset(LIVE_STATUSES)


def _warn(message):
    sys.stderr.write("runlane: warning: %s\n" % message)


def _listdir(path):
    try:
        return sorted(n for n in os.listdir(path) if not is_temp_file(n))
    except OSError:
        return []


def read_events(path, warn=_warn):
    """Complete lines of one events file; a torn last line is left out, a corrupt one skipped."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    end = data.rfind(b"\n") + 1
    events = []
    for number, line in enumerate(data[:end].splitlines()):
        try:
            event = json.loads(line.decode("utf-8"))
        except ValueError:
            warn("%s:%d: a line that is not JSON was skipped." % (path, number + 1))
            continue
        if isinstance(event, dict) and isinstance(event.get("t"), (int, float)) and isinstance(event.get("type"), str):
            events.append((number, event))
        else:
            warn('%s:%d: an event without "t" and "type" was skipped.' % (path, number + 1))
    return events


def fold_events(ordered):
    """ordered: [(writer, line, event)] sorted by (t, writer, line). Returns the folded run state."""
    run = {"status": None, "status_writer": None, "name": None, "experiment": None, "params": {}, "tags": {},
           "note": None, "started_at": None, "ended_at": None, "error": None, "exit_code": None, "writers": {}}
    for writer, _line, e in ordered:
        kind = e["type"]
        if kind == "hello":
            if isinstance(e.get("host"), str) and isinstance(e.get("pid"), int):
                run["writers"][writer] = (e["host"], e["pid"])
        elif kind == "status":
            status = e.get("status")
            if status not in _STORED:
                continue
            run["status"], run["status_writer"] = status, writer
            run["error"] = e.get("error") if isinstance(e.get("error"), str) else None
            code = e.get("exit_code")
            run["exit_code"] = code if isinstance(code, (int, float)) and not isinstance(code, bool) else None
            if status == "running" and run["started_at"] is None:
                run["started_at"] = e["t"]
            if status not in _LIVE:
                run["ended_at"] = e["t"]
        elif kind == "params" and isinstance(e.get("params"), dict):
            run["params"].update(e["params"])
        elif kind == "tags" and isinstance(e.get("tags"), dict):
            for k, v in e["tags"].items():
                if v is None:
                    run["tags"].pop(k, None)
                elif isinstance(v, str):
                    run["tags"][k] = v
        elif kind == "name" and isinstance(e.get("name"), str):
            run["name"] = e["name"]
        elif kind == "note" and (e.get("note") is None or isinstance(e.get("note"), str)):
            run["note"] = e.get("note") or None  # "" clears, as None does
        elif kind == "experiment" and isinstance(e.get("experiment"), str):
            run["experiment"] = e["experiment"]  # rl.run(experiment=...) joining a job's run
    return run


def read_meta(run_dir):
    """A run's meta.json, or None while it is being created; ValueError when it is not valid JSON."""
    try:
        with open(os.path.join(run_dir, "meta.json"), "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        return None


def fold_run_events(run_dir, warn=_warn):
    """The folded events of every writer of one run (status, params, tags, name...)."""
    ordered = []
    events_dir = os.path.join(run_dir, "events")
    for name in _listdir(events_dir):
        if name.endswith(".jsonl") and _ID.match(name[: -len(".jsonl")]):
            writer = name[: -len(".jsonl")]
            ordered.extend((writer, line, e) for line, e in read_events(os.path.join(events_dir, name), warn))
    ordered.sort(key=lambda item: (item[2]["t"], item[0], item[1]))
    return fold_events(ordered)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


def effective_status(folded, meta, hostname=None):
    if meta.get("kind") == "job":  # a job's status is the daemon's to keep, not its writer's
        return folded["status"] or "queued"
    status = folded["status"] or "running"
    writer = folded["status_writer"]
    writers = dict(folded["writers"])
    if writer is None and isinstance(meta.get("writer"), str):
        writer = meta["writer"]
        if writer not in writers and isinstance(meta.get("host"), str) and isinstance(meta.get("pid"), int):
            writers[writer] = (meta["host"], meta["pid"])
    if status not in _LIVE or writer is None or writer not in writers:
        return status
    host, pid = writers[writer]
    if hostname is None:
        import socket  # here: a job worker's first rl.log reads its run's status, and needs no socket

        hostname = socket.gethostname()
    if host == hostname and not _alive(pid):
        return "crashed"
    return status


class _Summary:
    """count / last / min / max over the points of the primary writers (docs/store-format.md)."""

    def __init__(self):
        self.count = 0
        self.min = self.max = None
        self.last = None  # (step, time, writer, index, value)

    def add(self, writer, points):
        for index, (step, t, value) in enumerate(points):
            self.count += 1
            if not math.isnan(value):
                self.min = value if self.min is None or value < self.min else self.min
                self.max = value if self.max is None or value > self.max else self.max
            rank = (step, t, writer, index)
            if self.last is None or rank > self.last[:4]:
                self.last = rank + (value,)

    def as_json(self):
        return {
            "count": self.count,
            "last": float_json(self.last[4]),
            "min": None if self.min is None else float_json(self.min),
            "max": None if self.max is None else float_json(self.max),
        }


def read_metric_file(path, warn=_warn):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < len(METRIC_HEADER):
        return []
    if data[: len(METRIC_HEADER)] != METRIC_HEADER:
        warn("%s is not a Runlane metric file (bad header); it was skipped." % path)
        return []
    return decode_records(data[len(METRIC_HEADER):])


def _num(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


def _str(value):
    return value if isinstance(value, str) else None


class StoreReader:
    def __init__(self, store_dir, warn=_warn):
        self.dir = os.path.abspath(store_dir)
        self.warn = warn
        check_store_version(self.dir)

    def run_ids(self):
        ids = []
        for name in _listdir(os.path.join(self.dir, "runs")):
            if _ID.match(name):
                ids.append(name)
            else:
                self.warn("%s is not a valid run id; it was skipped." % os.path.join(self.dir, "runs", name))
        return ids

    def read_run(self, run_id):
        """The run's summary dict, or None while it is being created (no meta.json yet)."""
        run_dir = os.path.join(self.dir, "runs", validate_run_id(run_id))
        try:
            meta = read_meta(run_dir)
        except ValueError:
            self.warn("%s/meta.json is not valid JSON; the run was skipped." % run_dir)
            return None
        if meta is None:
            return None
        folded = fold_run_events(run_dir, self.warn)
        summaries = {}
        ranks = set()
        metrics_dir = os.path.join(run_dir, "metrics")
        for writer in _listdir(metrics_dir):
            for name in _listdir(os.path.join(metrics_dir, writer)):
                key = decode_key_file(name)
                if key is None:
                    continue
                points = read_metric_file(os.path.join(metrics_dir, writer, name), self.warn)
                if not points:
                    continue
                if writer_rank(writer) is not None:
                    ranks.add(writer_rank(writer))
                # Another rank's points stay out of the summaries: they are that rank's series.
                if is_primary_writer(writer):
                    summaries.setdefault(key, _Summary()).add(writer, points)
        status = effective_status(folded, meta)
        ended = folded["ended_at"] if folded["status"] not in (None, "running", "queued") else None
        started = folded["started_at"]
        summary = {
            "id": run_id,
            "name": folded["name"] or _str(meta.get("name")) or run_id,
            "experiment": folded["experiment"] or _str(meta.get("experiment")) or "Default",
            "status": status,
            "kind": _str(meta.get("kind")) or "script",
            "created_at": _num(meta.get("created_at")) or 0,
            "started_at": started,
            "ended_at": ended,
            "duration": ended - started if ended is not None and started is not None else None,
            "notebook": _str(meta.get("notebook")),
            "cell_id": _str(meta.get("cell_id")),
            "execution_count": _num(meta.get("execution_count")),
            "params": folded["params"],
            "tags": folded["tags"],
            "metrics": {k: summaries[k].as_json() for k in sorted(summaries)},
            "ranks": sorted(ranks),
            "error": folded["error"],
            "exit_code": folded["exit_code"],
        }
        if folded["note"] is not None:  # only when set, as the TypeScript reader reports it
            summary["note"] = folded["note"]
        return summary

    def list_runs(self):
        """Every run, newest first, as `runlane ls --json` reports them."""
        runs = [r for r in (self.read_run(i) for i in self.run_ids()) if r is not None]
        runs.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        return runs

    def get_run(self, run_id):
        run = self.read_run(run_id)
        if run is None:
            raise RunNotFoundError("No run %r in the store %s. Run `runlane ls` to see the run ids."
                                   % (run_id, self.dir))
        return run

    def read_points(self, run_id, key, rank=None):
        """One series of one key, in step order: [(step, time, value)]. `rank`: that worker's points;
        None: the primary series (rank 0 and writers without a rank)."""
        from .names import encode_key_file

        run_dir = os.path.join(self.dir, "runs", validate_run_id(run_id))
        points = []
        for writer in _listdir(os.path.join(run_dir, "metrics")):
            wanted = is_primary_writer(writer) if rank is None else writer_rank(writer) == rank
            if not wanted:
                continue
            path = os.path.join(run_dir, "metrics", writer, encode_key_file(key))
            if os.path.exists(path):
                points.extend((s, t, writer, i, v) for i, (s, t, v) in enumerate(read_metric_file(path, self.warn)))
        points.sort(key=lambda p: p[:4])
        return [(s, t, v) for (s, t, _w, _i, v) in points]

    def read_log(self, run_id, writer, stream):
        run_dir = os.path.join(self.dir, "runs", validate_run_id(run_id))
        path = os.path.join(run_dir, "logs", validate_writer_id(writer), validate_stream(stream) + ".log")
        with open(path, "rb") as f:
            return f.read()

    def log_streams(self, run_id):
        run_dir = os.path.join(self.dir, "runs", validate_run_id(run_id), "logs")
        return [(w, n[:-4]) for w in _listdir(run_dir)
                for n in _listdir(os.path.join(run_dir, w)) if n.endswith(".log")]
