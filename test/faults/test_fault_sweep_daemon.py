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
        result = json.loads((store / "runs" / sweep_id / "sweep" / "result.json").read_text())
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
