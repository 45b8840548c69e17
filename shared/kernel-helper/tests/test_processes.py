"""Real processes: two writers on one run, kill -9 mid-logging, a crashed run, script runs."""
import json
import os
import platform
import signal
import subprocess
import sys
import time

from runlane.store.reader import StoreReader

LOGGER = r"""
import sys, time, runlane as rl
with rl.run(name="shared", experiment="procs", id=sys.argv[1]) as run:
    print("ready", flush=True)
    for i in range(int(sys.argv[2])):
        run.log({"v": float(i)}, step=i)
        if sys.argv[3] != "0":
            time.sleep(float(sys.argv[3]))
        if i % 100 == 0:
            print(i, time.time(), flush=True)
"""


def spawn(store, run_id, count, delay):
    env = dict(os.environ, RUNLANE_DIR=str(store))
    return subprocess.Popen([sys.executable, "-c", LOGGER, run_id, str(count), str(delay)],
                            stdout=subprocess.PIPE, text=True, env=env)


def test_two_processes_logging_to_one_run_lose_nothing(tmp_path):
    run_id = "20260101-000000-aaaaaa"
    procs = [spawn(tmp_path, run_id, 20_000, 0) for _ in range(2)]
    for p in procs:
        assert p.wait(60) == 0
    points = StoreReader(tmp_path).read_points(run_id, "v")
    assert len(points) == 40_000
    assert sorted(v for _, _, v in points) == sorted([float(i) for i in range(20_000)] * 2)
    assert len(os.listdir(tmp_path / "runs" / run_id / "metrics")) == 2  # a writer each
    assert StoreReader(tmp_path).get_run(run_id)["status"] == "finished"


def test_kill_9_loses_at_most_the_last_flush_interval(tmp_path):
    run_id = "20260101-000000-bbbbbb"
    proc = spawn(tmp_path, run_id, 1_000_000, 0.001)
    assert proc.stdout.readline().strip() == "ready"
    reported = []
    deadline = time.time() + 1.5
    while time.time() < deadline:
        step, at = proc.stdout.readline().split()
        reported.append((int(step), float(at)))
    killed_at = time.time()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    # Every step reported more than 150 ms before the kill must be on disk (flushes run every 10 ms).
    safe = max(step for step, at in reported if at < killed_at - 0.15)
    steps = {s for s, _, _ in StoreReader(tmp_path).read_points(run_id, "v")}
    assert set(range(safe + 1)) <= steps
    assert StoreReader(tmp_path).get_run(run_id)["status"] == "crashed"


def run_script(folder, name, text):
    script = folder / name
    script.write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("RUNLANE_DIR", "RUNLANE_RUN_ID")}
    return subprocess.run([sys.executable, str(script)], cwd=str(folder), env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_script_that_logs_without_a_run_gets_one_named_after_it(tmp_path):
    text = "import runlane as rl\nrl.params(lr=0.1)\nfor i in range(5):\n    rl.log(loss=1.0 / (i + 1))\n"
    assert run_script(tmp_path, "train.py", text).returncode == 0
    store = tmp_path / ".runlane"  # no store anywhere up: one in the script's working folder
    [run] = StoreReader(store).list_runs()
    assert (run["name"], run["kind"], run["experiment"], run["status"]) == ("train.py", "script", "Default", "finished")
    assert run["params"] == {"lr": 0.1} and run["metrics"]["loss"]["count"] == 5
    run_dir = store / "runs" / run["id"]
    assert (run_dir / "source.py").read_text() == text
    env = json.loads((run_dir / "env.json").read_text())  # captured in a thread the exit waited for
    assert env["packages"] == {"runlane": "0.1.0"} and env["python"] == platform.python_version()


def test_a_script_that_dies_of_an_exception_ends_failed_with_the_traceback(tmp_path):
    done = run_script(tmp_path, "crash.py", "import runlane as rl\nrl.log(x=1)\nraise RuntimeError('boom')\n")
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr  # still shown as usual
    [run] = StoreReader(tmp_path / ".runlane").list_runs()
    assert run["status"] == "failed" and "RuntimeError: boom" in run["error"]
