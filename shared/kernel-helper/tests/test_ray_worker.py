"""One rank of a Ray job (runlane.ray_worker.RankWorker) without Ray: a real worker process framed line
by line, open lines flushed, escapes, the end of the worker, and the guard that kills its process group
when the actor holding it dies (Ray kills actors with SIGKILL)."""
import os
import signal
import subprocess
import sys
import time

from ray_engine import alive

from runlane.ray_worker import RankWorker, env_capture_argv, escape, unescape


def _run(script, rank=0, timeout=20):
    w = RankWorker(rank)
    assert w.start({"command": [sys.executable, "-c", script], "cell": None, "cwd": None}, {"RUNLANE_RUN_ID": "r1"})
    blobs, code, deadline = [], None, time.time() + timeout
    while code is None and time.time() < deadline:
        data, code = w.poll(0.2)
        blobs.append(data)
    w.cleanup()
    assert code is not None, b"".join(blobs)
    return b"".join(blobs).decode("utf-8").split("\n")[:-1], code


def test_lines_open_lines_and_streams_are_framed_apart():
    lines, code = _run("import sys, time\n"
                       "print('first'); sys.stderr.write('oops\\n'); sys.stdout.write('\\r 50%'); sys.stdout.flush()\n"
                       "time.sleep(0.4)\n"
                       "sys.stdout.write('\\r100%\\n'); sys.stdout.buffer.write('caf\\u00e9'.encode()[:4]); "
                       "sys.stdout.flush(); time.sleep(0.3)\n"
                       "sys.stdout.buffer.write('caf\\u00e9'.encode()[4:] + b' \\x10 end'); sys.exit(3)\n", rank=1)
    assert code == 3
    assert "\x1eRL 1 o first" in lines and "\x1eRL 1 e oops" in lines
    assert lines.index("\x1eRL 1 O \x10r 50%") < lines.index("\x1eRL 1 o \x10r100%")  # sent while it slept
    # A character cut by a flush is sent whole with the rest; DLE itself is escaped.
    assert "\x1eRL 1 O caf" in lines and "\x1eRL 1 O \u00e9 \x10\x10 end" in lines


def test_escape_round_trips():
    for text in ("plain", "\r", "a\rb\r\n", "\x10", "\x10r", "\x10\x10\rr"):
        assert unescape(escape(text).decode()) == text
        assert "\r" not in escape(text).decode()


def test_a_worker_ended_while_its_child_holds_the_pipes_ends_and_the_child_is_stopped():
    started = time.time()
    lines, code = _run("import subprocess\n"
                       "p = subprocess.Popen(['sleep', '300'])\n"
                       "print('child', p.pid)\n")
    assert code == 0 and time.time() - started < 10
    child = int(next(line for line in lines if " child " in line).split()[-1])
    deadline = time.time() + 5
    while alive(child) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(child)


ACTOR = """
import sys, time
from runlane.ray_worker import RankWorker
w = RankWorker(0)
w.start({"command": ["sh", "-c", "sleep 300 & echo $$ $!; wait"], "cell": None, "cwd": None}, {})
while True:
    data, code = w.poll(1)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
"""


def test_the_guard_kills_the_worker_group_when_the_actor_is_killed():
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__import__("runlane").__file__))))
    actor = subprocess.Popen([sys.executable, "-c", ACTOR], stdout=subprocess.PIPE, env=env)
    line = actor.stdout.readline().decode()
    pids = [int(p) for p in line.split()[-2:]]
    assert all(alive(p) for p in pids), line
    actor.send_signal(signal.SIGKILL)  # as Ray ends an actor: no handler runs
    actor.wait()
    deadline = time.time() + 10
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if alive(p)] == []


def test_a_python_script_gets_its_env_capture_and_other_programs_none():
    assert env_capture_argv(["/opt/py/bin/python3", "-u", "train.py", "--lr", "0.1"]) == [
        "/opt/py/bin/python3", "-m", "runlane.worker", "--env", "train.py"]
    assert env_capture_argv(["python", "-c", "print(1)"]) == ["python", "-m", "runlane.worker", "--env"]
    assert env_capture_argv(["python", "-m", "runlane.worker", "input"]) is None
    assert env_capture_argv(["torchrun", "train.py"]) is None
