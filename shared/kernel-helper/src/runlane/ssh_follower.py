"""The follower of a job's run folder on an SSH host (the daemon's sshMirror.ts starts it over ssh).

    python -I -u ssh_follower.py RUN_DIR OFFSETS_JSON      # as the daemon runs it, from the host's copy
    python -m runlane.ssh_follower RUN_DIR OFFSETS_JSON

Prints every append to the run's append-only files (events/, job/, logs/, metrics/) as one JSON line
each, {"p": path, "o": offset, "d": base64 bytes}, starting from the byte offsets it is given (those
the daemon already has, so a new connection resumes with nothing lost or repeated). Files that are
replaced whole (env.json; a block run's meta.json and source.py) are sent whole when they change, with
"s": 1. The runs of a worker's later `rl.run()` blocks (<run>-b2, -b3...) are sent under "@<name>/".
It stops once its stdin closes (the job has ended) and everything written by then is sent.

Standard library only, and no import of the runlane package: the host may have nothing else, and
`-I` keeps the helper's own modules from shadowing the standard library's.
"""
import base64
import glob
import json
import os
import sys
import threading
import time

TOPS = ("events", "job", "logs", "metrics")
CHUNK = 1 << 20  # at most this much of one file per sweep, so one busy file cannot starve the others
POLL_S = 0.02  # the pause between sweeps: the floor of output latency from the host


def block_runs(root):
    """The job's run, then the runs of later rl.run() blocks of its workers, as (prefix, folder)."""
    yield "", root
    name = os.path.basename(root)
    for d in sorted(glob.glob(glob.escape(root) + "-b*")):
        if os.path.basename(d)[len(name) + 2:].isdigit():
            yield "@" + os.path.basename(d) + "/", d


def appended_files(run_dir):
    """The run's append-only files, relative to its folder; files being written (*.tmp-*) are not."""
    for top in TOPS:
        base = os.path.join(run_dir, top)
        for d, _, names in os.walk(base):
            for n in names:
                if ".tmp-" not in n:
                    yield os.path.relpath(os.path.join(d, n), run_dir)


def send(out, message):
    out.write(json.dumps(message) + "\n")


class Follower:
    def __init__(self, root, offsets, out):
        self.root = root
        self.offsets = dict(offsets)
        self.out = out
        self.snapshots = {}  # key -> (mtime_ns, size) of the whole-file snapshot last sent

    def sweep(self):
        """Sends what is new in every file once."""
        for prefix, run_dir in list(block_runs(self.root)):
            for name in ("meta.json", "source.py", "env.json") if prefix else ("env.json",):
                self.send_snapshot(prefix + name, os.path.join(run_dir, name))
            for rel in sorted(appended_files(run_dir)):
                self.send_appended(prefix + rel, os.path.join(run_dir, rel))
        self.out.flush()

    def send_snapshot(self, key, path):
        try:
            st = os.stat(path)
            if self.snapshots.get(key) == (st.st_mtime_ns, st.st_size):
                return
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return  # not written yet
        self.snapshots[key] = (st.st_mtime_ns, st.st_size)
        send(self.out, {"p": key, "o": 0, "s": 1, "d": base64.b64encode(data).decode()})

    def send_appended(self, key, path):
        offset = self.offsets.get(key, 0)
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read(CHUNK)
        if data:
            self.offsets[key] = offset + len(data)
            send(self.out, {"p": key, "o": offset, "d": base64.b64encode(data).decode()})


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: ssh_follower.py RUN_DIR OFFSETS_JSON\n")
        return 2
    follower = Follower(args[0], json.loads(args[1]), sys.stdout)
    done = threading.Event()

    def wait_for_stdin_to_close():
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    while True:
        last = done.is_set()  # read before the sweep: what was written before the end is in this one
        follower.sweep()
        if last:
            return 0
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main())
