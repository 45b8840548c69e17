"""The Python writer (the TypeScript core has its twin): creates runs and appends events, metric
records and log bytes to this process's own files, so concurrent writers never share a file."""
import json
import os
import re
import threading
import time
from errno import EDQUOT, ENOSPC

from .atomic import write_file_atomic
from .codec import METRIC_HEADER, encode_param, encode_records
from .names import (
    encode_key_file,
    validate_experiment,
    validate_note,
    validate_param_key,
    validate_run_id,
    validate_run_name,
    validate_stream,
)
from .version import ensure_store


# Ids and hosts without the secrets, datetime, socket and hashlib modules at import time: a process's
# first rl.log imports this file, and those cost it several ms (secrets.token_hex is os.urandom's hex).
def new_run_id(now=None):
    """`<UTC date>-<time>-<6 hex>`; `now`: a datetime (default: now)."""
    stamp = now.strftime("%Y%m%d-%H%M%S") if now else time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return "%s-%s" % (stamp, os.urandom(3).hex())


def _hostname():
    try:
        return os.uname().nodename  # what socket.gethostname() returns on POSIX
    except AttributeError:  # Windows
        import socket

        return socket.gethostname()


_RANK = re.compile(r"[0-9]{1,9}\Z")


def job_worker_rank(environ=None):
    """This process's rank when it runs as a worker of a Runlane job, else None. Every target gives
    its workers RUNLANE_RUN_ID and RANK (local, SSH, Slurm); a launcher inside a worker that sets RANK
    per process (torchrun) gives each process its own rank, which is the one to keep apart."""
    environ = os.environ if environ is None else environ
    rank = environ.get("RANK", "")
    if not environ.get("RUNLANE_RUN_ID") or not _RANK.match(rank):
        return None
    return int(rank)


def new_writer_id(rank=None):
    """`<pid>-<8 hex>`; a job worker's is `r<rank>-<pid>-<8 hex>`, so readers keep each rank's series
    apart (contract C1, docs/store-format.md "Ranks")."""
    writer = "%d-%s" % (os.getpid(), os.urandom(4).hex())
    return writer if rank is None else "r%d-%s" % (rank, writer)


def _json_line(obj):
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


# The errors of a disk (or quota) that is full: a run started then is held in memory, not refused.
DISK_FULL_ERRNOS = (ENOSPC, EDQUOT)

# Open append handles kept per writer; past this the oldest is closed (a run logging thousands of
# keys must not run the process out of file descriptors).
MAX_OPEN_FILES = 128


def _sha256(text):
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StoreWriter:
    """One per store per process. Thread-safe: appends are serialised by a lock."""

    def __init__(self, store_dir):
        self.dir = os.path.abspath(store_dir)
        self.writer_id = new_writer_id(job_worker_rank())
        self.host = _hostname()
        self._lock = threading.Lock()
        self._files = {}  # path -> open binary append handle
        self._hello = set()
        self._last_t = {}  # run id -> the greatest `t` this writer gave an event of that run
        self._store_made = False
        try:
            self._ensure_store()
        except OSError as err:
            # A new store on a full disk: the run that wanted it is held in memory (held.py) and
            # create_run makes the store once there is space. Any other error is the user's to fix.
            if err.errno not in DISK_FULL_ERRNOS:
                raise

    def _ensure_store(self):
        if not self._store_made:
            ensure_store(self.dir, self.writer_id)
            self._store_made = True

    def run_dir(self, run_id):
        return os.path.join(self.dir, "runs", validate_run_id(run_id))

    def create_run(self, name, experiment, kind, run_id=None, notebook=None, cell_id=None, source=None,
                   execution_count=None, created_at=None, script=None):
        validate_run_name(name)
        validate_experiment(experiment)
        run_id = validate_run_id(run_id) if run_id is not None else new_run_id()
        run_dir = self.run_dir(run_id)
        self._ensure_store()
        os.makedirs(run_dir, exist_ok=True)
        if source is not None:
            write_file_atomic(os.path.join(run_dir, "source.py"), source, self.writer_id)
        meta = {
            "id": run_id,
            "name": name,
            "experiment": experiment,
            "created_at": time.time() if created_at is None else created_at,
            "kind": kind,
            "writer": self.writer_id,
            "host": self.host,
            "pid": os.getpid(),
            "notebook": notebook,
            "cell_id": cell_id,
            "source_sha256": None if source is None else _sha256(source),
            "execution_count": execution_count,
        }
        if script is not None:  # a script run's file (absolute): the editors' "Open Script"
            meta["script"] = script
        write_file_atomic(os.path.join(run_dir, "meta.json"), json.dumps(meta, indent=1) + "\n", self.writer_id)
        return run_id

    def write_env(self, run_id, env):
        write_file_atomic(os.path.join(self.run_dir(run_id), "env.json"),
                          json.dumps(env, indent=1, default=repr) + "\n", self.writer_id)

    # -- events ---------------------------------------------------------------------------------
    def append_events(self, run_id, events):
        """events: dicts with "type" (and "t", else now)."""
        lines = []
        with self._lock:
            if run_id not in self._hello:
                lines.append(_json_line({"t": time.time(), "type": "hello", "host": self.host, "pid": os.getpid()}))
                self._hello.add(run_id)
            # Readers order events by `t`: a clock set back during a run (NTP, a restored VM) must not
            # put this writer's `finished` before its `running`, which would read as `crashed`. So an
            # event's `t` is never below the one before it from this writer (the hello aside: a cell's
            # run is marked running at when it began, before its hello).
            last = self._last_t.get(run_id)
            for event in events:
                event = dict(event)
                t = event.get("t")
                t = time.time() if t is None else t
                event["t"] = last = t if last is None else max(t, last)
                lines.append(_json_line(event))
            self._last_t[run_id] = last
            path = os.path.join(self.run_dir(run_id), "events", self.writer_id + ".jsonl")
            self._append(path, b"".join(lines))

    def set_status(self, run_id, status, error=None, exit_code=None, t=None):
        event = {"type": "status", "status": status}
        if t is not None:
            event["t"] = t
        if error is not None:
            event["error"] = error
        if exit_code is not None:
            event["exit_code"] = exit_code
        self.append_events(run_id, [event])

    def set_params(self, run_id, params):
        for key in params:
            validate_param_key(key)
        self.append_events(run_id, [{"type": "params", "params": {k: encode_param(v) for k, v in params.items()}}])

    def set_tags(self, run_id, tags):
        for key in tags:
            validate_param_key(key, "tag key")
        clean = {k: (None if v is None else str(v)) for k, v in tags.items()}
        self.append_events(run_id, [{"type": "tags", "tags": clean}])

    def set_name(self, run_id, name):
        self.append_events(run_id, [{"type": "name", "name": validate_run_name(name)}])

    def set_note(self, run_id, note):
        """The run's free-text note (last wins); None or "" clears it."""
        self.append_events(run_id, [{"type": "note", "note": validate_note(note) if note else None}])

    # -- metrics and logs -----------------------------------------------------------------------
    def append_metric(self, run_id, key, points):
        """points: list of (step, time, value); the key must already be validated."""
        path = os.path.join(self.run_dir(run_id), "metrics", self.writer_id, encode_key_file(key))
        with self._lock:
            self._append(path, encode_records(points), header=METRIC_HEADER)

    def append_log(self, run_id, stream, data):
        validate_stream(stream)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        path = os.path.join(self.run_dir(run_id), "logs", self.writer_id, stream + ".log")
        with self._lock:
            self._append(path, data)

    def close_run_files(self, run_id):
        """Closes this run's open handles (a finished run is not appended to again)."""
        prefix = self.run_dir(run_id) + os.sep
        with self._lock:
            for path in [p for p in self._files if p.startswith(prefix)]:
                self._files.pop(path).close()

    def _append(self, path, data, header=None):
        """Appends with one unbuffered write per call (the caller holds the lock)."""
        handle = self._files.get(path)
        if handle is None:
            if len(self._files) >= MAX_OPEN_FILES:
                self._files.pop(next(iter(self._files))).close()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle = open(path, "ab", buffering=0)
            self._files[path] = handle
        # This process is the file's only writer, so its size is where this record starts. A write
        # that fails part-way (a full disk) is cut back to there: readers never see half a record,
        # and the caller can hold the data and append it whole once there is space again.
        start = os.fstat(handle.fileno()).st_size
        try:
            if header is not None and start == 0:
                _write_all(handle, header)
            _write_all(handle, data)
        except OSError:
            self._files.pop(path, None)
            try:
                os.ftruncate(handle.fileno(), start)
            finally:
                handle.close()
            raise


def _write_all(handle, data):
    """An unbuffered write may be short (a signal, a nearly full disk); a record cut in two followed
    by more records would shift every later record, so the rest is written before anything else."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError("Runlane could not append to %s (nothing was written); check the disk." % handle.name)
        view = view[written:]

