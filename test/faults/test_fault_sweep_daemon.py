"""A sweep whose daemon stops mid-sweep (an upgrade, a crash; docs/sweeps.md): the controller and the
running trials are jobs, so they run on; the controller waits for a daemon (starting one, as every
client does), which re-adopts them, and every trial is accounted for, none twice. Full load only
(`npm run faults`): it takes about 20 s, which npm test's budget has not got."""
import json
import os
import signal
import subprocess
import sys
import time

import faultlib
import pytest
from faultlib import FULL

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)

pytestmark = pytest.mark.skipif(not FULL, reason="npm run faults only (about 20 s)")

SCRIPT = """import time
import runlane as rl
import objective
print(rl.sweep(objective.train, {"x": rl.uniform(0, 1)}, trials=TRIALS, parallel=2, metric="loss", sampler="random",
               seed=2, pruner="none", wait=False), flush=True)
"""


def _status(store, run_id):
    from runlane.notebook.job_cell import run_status

    return run_status(os.path.join(store, "runs", run_id))[0]


def test_a_sweep_goes_on_when_its_daemon_stops(tmp_path, fault_row):
    pytest.importorskip("optuna")
    trials = 6
    fault_row.update(fault="the daemon stops mid-sweep", load=f"{trials} trials, 2 at once",
                     checked="every trial ends once, the sweep finishes")
    (tmp_path / "objective.py").write_text("import time\nimport runlane as rl\n"
                                           "def train(x):\n    time.sleep(1.0)\n    rl.log(loss=x)\n")
    (tmp_path / "search.py").write_text(SCRIPT.replace("TRIALS", str(trials)))
    runtime, store = tmp_path / "runtime", tmp_path / "store"
    env = dict(os.environ, RUNLANE_DIR=str(store), RUNLANE_RUNTIME_DIR=str(runtime))
    try:
        done = subprocess.run([sys.executable, "search.py"], cwd=str(tmp_path), env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        sweep_id = done.stdout.strip().splitlines()[-1]
        deadline = time.time() + 30
        while not os.path.exists(store / "runs" / sweep_id / "sweep" / "journal.log") and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # trials are running
        os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        deadline = time.time() + 120
        while _status(str(store), sweep_id) in ("queued", "running") and time.time() < deadline:
            time.sleep(0.2)
        log = (store / "runs" / sweep_id / "logs" / "w0" / "stdout.log").read_text()
        stderr = (store / "runs" / sweep_id / "logs" / "w0" / "stderr.log").read_text()[-3000:]
        result_file = store / "runs" / sweep_id / "sweep" / "result.json"
        assert result_file.exists(), (_status(str(store), sweep_id), log, stderr)
        result = json.loads(result_file.read_text())
        fault_row["lost"] = trials - sum(1 for r in result["trials"] if r["state"] == "finished")
        assert _status(str(store), sweep_id) == "finished", log
        assert "The daemon answers again; the sweep goes on." in log, log
        assert [r["state"] for r in result["trials"]] == ["finished"] * trials, result
        assert len({r["run_id"] for r in result["trials"]}) == trials
    finally:
        try:
            os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            pass


def _pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except OSError:
        return False


def test_a_sweep_cancel_that_its_daemon_dies_in_is_finished_by_the_next_daemon(tmp_path, fault_row):
    """The sweep is cancelled and its daemon killed with kill -9 as soon as it has answered: the trials
    got their SIGTERM from it and end with no daemon watching (exit 143, the controller 130). The
    cancel was recorded before anything was stopped (cancel.json), so the next daemon, started by the
    next client, finishes it: the sweep and every trial read `cancelled`, none `failed`, none runs on."""
    pytest.importorskip("optuna")
    from runlane.daemon_client import DaemonClient
    from runlane.store.reader import StoreReader

    fault_row.update(fault="the daemon dies mid sweep-cancel (kill -9)", load="2 trials running, 4 asked",
                     checked="sweep and trials read cancelled, no trial process left")
    (tmp_path / "objective.py").write_text("import os, time\nimport runlane as rl\n"
                                           "def train(x):\n    print('pid', os.getpid(), flush=True)\n"
                                           "    for step in range(600):\n        rl.log(loss=x, step=step)\n"
                                           "        time.sleep(0.1)\n")
    (tmp_path / "search.py").write_text(SCRIPT.replace("TRIALS", "4"))
    runtime, store = tmp_path / "runtime", tmp_path / "store"
    env = dict(os.environ, RUNLANE_DIR=str(store), RUNLANE_RUNTIME_DIR=str(runtime))

    def trials(sweep_id):
        return [r for r in StoreReader(store).list_runs() if r["tags"].get("runlane.sweep") == sweep_id]

    def pid(run):
        log = store / "runs" / run["id"] / "logs" / "w0" / "stdout.log"
        text = log.read_text() if log.exists() else ""
        return int(text.split("pid ", 1)[1].split()[0]) if "pid " in text else None

    try:
        done = subprocess.run([sys.executable, "search.py"], cwd=str(tmp_path), env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        sweep_id = done.stdout.strip().splitlines()[-1]
        deadline = time.time() + 60
        while time.time() < deadline and not (len(trials(sweep_id)) == 2 and all(pid(t) for t in trials(sweep_id))):
            time.sleep(0.1)
        running = trials(sweep_id)
        pids = [pid(t) for t in running]
        assert len(running) == 2 and all(pids), running
        os.environ["RUNLANE_RUNTIME_DIR"] = str(runtime)
        try:
            DaemonClient.connect(str(store)).stop_run(sweep_id)
        finally:
            os.environ.pop("RUNLANE_RUNTIME_DIR")
        os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGKILL)
        deadline = time.time() + 30
        while time.time() < deadline and any(_pid_alive(p) for p in pids):
            time.sleep(0.1)
        assert not [p for p in pids if _pid_alive(p)]  # the daemon's SIGTERM reached them before it died
        time.sleep(1.0)  # the controller has exited too (it found no daemon to tell), with nobody to record it
        # The next client starts a daemon, which re-adopts the jobs and reads the recorded cancel.
        os.environ["RUNLANE_RUNTIME_DIR"] = str(runtime)
        try:
            DaemonClient.connect(str(store)).request("GET", "/runs")
        finally:
            os.environ.pop("RUNLANE_RUNTIME_DIR")
        deadline = time.time() + 30
        while time.time() < deadline and _status(str(store), sweep_id) in ("queued", "running"):
            time.sleep(0.2)
        ended = trials(sweep_id)
        fault_row["lost"] = sum(1 for t in ended if t["status"] != "cancelled")
        assert _status(str(store), sweep_id) == "cancelled"
        assert sorted(t["id"] for t in ended) == sorted(t["id"] for t in running)  # no trial started after the cancel
        assert [t["status"] for t in ended] == ["cancelled", "cancelled"], [(t["status"], t["error"]) for t in ended]
    finally:
        try:
            os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            pass
