"""Real processes: two writers on one run, kill -9 mid-logging, a crashed run."""
import os
import signal
import subprocess
import sys
import time

from runlane.store.reader import StoreReader

LOGGER = r"""
import sys, time, runlane as rl
from runlane import tracking
run = tracking.start_run(sys.argv[1], "shared", "procs", "script", run_id=sys.argv[2])
print("ready", flush=True)
for i in range(int(sys.argv[3])):
    run.log({"v": float(i)}, step=i)
    if sys.argv[4] != "0":
        time.sleep(float(sys.argv[4]))
    if i % 100 == 0:
        print(i, time.time(), flush=True)
run.finish()
"""


def spawn(store, run_id, count, delay):
    return subprocess.Popen([sys.executable, "-c", LOGGER, str(store), run_id, str(count), str(delay)],
                            stdout=subprocess.PIPE, text=True)


def test_two_processes_logging_to_one_run_lose_nothing(tmp_path):
    run_id = "20260101-000000-aaaaaa"
    procs = [spawn(tmp_path, run_id, 20_000, 0) for _ in range(2)]
    for p in procs:
        assert p.wait(60) == 0
    points = StoreReader(tmp_path).read_points(run_id, "v")
    assert len(points) == 40_000
    assert sorted(v for _, _, v in points) == sorted([float(i) for i in range(20_000)] * 2)


def test_kill_9_loses_at_most_the_last_flush_interval(tmp_path):
    run_id = "20260101-000000-bbbbbb"
    proc = spawn(tmp_path, run_id, 1_000_000, 0.001)
    assert proc.stdout.readline().strip() == "ready"
    reported = []
    deadline = time.time() + 1.5
    while time.time() < deadline:
        step, at = proc.stdout.readline().split()
        reported.append((int(step), float(at)))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    killed_at = time.time()
    # Every step reported more than 150 ms before the kill must be on disk (flushes run every 25 ms).
    safe = max(step for step, at in reported if at < killed_at - 0.15)
    steps = {s for s, _, _ in StoreReader(tmp_path).read_points(run_id, "v")}
    assert set(range(safe + 1)) <= steps
    assert StoreReader(tmp_path).get_run(run_id)["status"] == "crashed"
