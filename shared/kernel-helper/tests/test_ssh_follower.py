"""The SSH follower (runlane/ssh_follower.py), run as the daemon runs it on a host: a subprocess of
the host's Python, following a run folder of real files, told the job ended by its stdin closing."""
import base64
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

import pytest

import runlane

FOLLOWER = os.path.join(os.path.dirname(os.path.abspath(runlane.__file__)), "ssh_follower.py")


class Running:
    """A follower process and the messages it has printed, read on a thread."""

    def __init__(self, run_dir, offsets=None, argv=None):
        argv = argv or [sys.executable, "-I", "-u", FOLLOWER]
        self.proc = subprocess.Popen(argv + [str(run_dir), json.dumps(offsets or {})],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def until(self, predicate, timeout=10.0):
        """Collects messages until one satisfies `predicate`; returns that one."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no such message; seen: %r" % self.seen) from None
            self.seen.append(message)
            if predicate(message):
                return message

    def end(self):
        """Closes stdin (the job ended) and returns every message printed after, once it exits."""
        self.proc.stdin.close()
        assert self.proc.wait(timeout=10) == 0, self.proc.stderr.read()
        time.sleep(0.1)  # the reader thread takes the last lines
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        self.seen.extend(rest)
        return rest


def data(message):
    return base64.b64decode(message["d"])


def about(path):
    return lambda m: m["p"] == path


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "runs" / "20260101-000000-abcdef"
    (run / "logs" / "w0").mkdir(parents=True)
    (run / "job").mkdir()
    return run


def test_sends_each_append_once_from_the_offsets_given_and_everything_written_before_the_end(run_dir):
    log = run_dir / "logs" / "w0" / "stdout.log"
    log.write_bytes(b"hello\n")
    (run_dir / "job" / "w0.exit.tmp-host").write_text("0")  # being written: never sent
    follower = Running(run_dir, {"logs/w0/stdout.log": 2})  # the daemon has "he" already
    first = follower.until(about("logs/w0/stdout.log"))
    assert (first["o"], data(first)) == (2, b"llo\n")
    with open(log, "ab") as f:
        f.write(b"more\n")
    second = follower.until(about("logs/w0/stdout.log"))
    assert (second["o"], data(second)) == (6, b"more\n")
    with open(log, "ab") as f:
        f.write(b"last\n")
    (run_dir / "job" / "w0.exit").write_text("0")
    rest = follower.end()  # closed at once: the final sweep still sends what was written before
    sent = [m for m in follower.seen if m["p"] == "logs/w0/stdout.log"]
    assert b"".join(data(m) for m in sent) == b"llo\nmore\nlast\n"
    assert [m["o"] for m in sent] == [2, 6, 11]
    assert any(m["p"] == "job/w0.exit" and data(m) == b"0" for m in follower.seen + rest)
    assert not any(".tmp-" in m["p"] for m in follower.seen)


def test_sends_whole_files_when_they_change_and_block_runs_under_their_name(run_dir):
    (run_dir / "env.json").write_text('{"python": "3.12"}')
    block = run_dir.parent / (run_dir.name + "-b2")
    (block / "logs" / "w1").mkdir(parents=True)
    (block / "meta.json").write_text('{"name": "lr=0.1"}')
    (block / "source.py").write_text("print(1)\n")
    (block / "logs" / "w1" / "stdout.log").write_text("block line\n")
    not_a_block = run_dir.parent / (run_dir.name + "-bx")
    (not_a_block / "logs").mkdir(parents=True)
    (not_a_block / "meta.json").write_text("{}")
    follower = Running(run_dir)
    env = follower.until(about("env.json"))
    assert (env["s"], env["o"], data(env)) == (1, 0, b'{"python": "3.12"}')
    prefix = "@%s-b2/" % run_dir.name
    assert data(follower.until(about(prefix + "logs/w1/stdout.log"))) == b"block line\n"
    time.sleep(0.2)  # several sweeps: an unchanged whole file is not sent again
    (run_dir / "env.json").write_text('{"python": "3.13", "git": null}')
    assert data(follower.until(about("env.json"))) == b'{"python": "3.13", "git": null}'
    follower.end()
    whole = [m["p"] for m in follower.seen if m.get("s") == 1]
    assert sorted(whole) == sorted(["env.json", "env.json", prefix + "meta.json", prefix + "source.py"])
    assert not any("-bx" in m["p"] for m in follower.seen)


def test_sends_a_large_file_in_chunks_with_running_offsets(run_dir):
    blob = os.urandom((5 << 20) // 2)  # 2.5 MiB: three reads of at most 1 MiB
    (run_dir / "logs" / "w0" / "stdout.log").write_bytes(blob)
    follower = Running(run_dir)
    follower.until(lambda m: m["p"] == "logs/w0/stdout.log" and m["o"] + len(data(m)) == len(blob))
    follower.end()
    parts = [m for m in follower.seen if m["p"] == "logs/w0/stdout.log"]
    assert [m["o"] for m in parts] == [0, 1 << 20, 2 << 20]
    assert b"".join(data(m) for m in parts) == blob


def test_runs_from_the_helper_copy_on_a_host_even_beside_modules_named_like_the_standard_library(run_dir, tmp_path):
    # The host's copy of the helper (uploadHelper): a folder that could hold a json.py of its own.
    lib = tmp_path / "lib" / "runlane"
    lib.mkdir(parents=True)
    shutil.copy(FOLLOWER, lib / "ssh_follower.py")
    (lib / "json.py").write_text("raise SystemExit('the helper shadowed the standard library')\n")
    (run_dir / "logs" / "w0" / "stdout.log").write_text("on the host\n")
    follower = Running(run_dir, argv=[sys.executable, "-I", "-u", str(lib / "ssh_follower.py")])
    assert data(follower.until(about("logs/w0/stdout.log"))) == b"on the host\n"
    follower.end()


def test_runs_as_a_module_of_the_package_and_says_how_to_call_it(run_dir):
    (run_dir / "logs" / "w0" / "stdout.log").write_text("as a module\n")
    follower = Running(run_dir, argv=[sys.executable, "-u", "-m", "runlane.ssh_follower"])
    assert data(follower.until(about("logs/w0/stdout.log"))) == b"as a module\n"
    follower.end()
    wrong = subprocess.run([sys.executable, "-m", "runlane.ssh_follower"], capture_output=True, text=True, timeout=30)
    assert wrong.returncode == 2 and "usage: ssh_follower.py RUN_DIR OFFSETS_JSON" in wrong.stderr
