"""The machine's clock set back an hour during a run (NTP, a restored VM). The machine's real clock is
not touched (other work runs on it): the script's `time.time` jumps back, the seam the writer reads
the wall clock through. Steps, their order and the run's final status must not depend on the clock:
before the fix, the `finished` status sorted before `running` and the run read as `crashed`."""
import json
import os
import subprocess
import sys

import faultlib
from faultlib import ROOT

from runlane.store.reader import StoreReader

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)

SCRIPT = """
import time, runlane
real = time.time
with runlane.run(name="clock") as run:
    print(run.id, flush=True)
    for i in range(1000):
        if i == 500:
            time.time = lambda: real() - 3600  # the clock jumps back an hour
        run.log(x=i)
        if i % 100 == 0:
            time.sleep(0.02)
    run.tags(after="jump")
"""


def test_a_clock_set_back_mid_run_keeps_steps_order_and_the_final_status(tmp_path, fault_row):
    fault_row.update(fault="the clock set back 1 h mid-run", load="1,000 points, 500 after the jump",
                     checked="steps in order, each once; final status finished (Python reader and CLI)")
    store = tmp_path / "store"
    env = dict(os.environ, RUNLANE_DIR=str(store), RUNLANE_RUNTIME_DIR=str(tmp_path / "runtime"))
    env.pop("RUNLANE_RUN_ID", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    reader = StoreReader(str(store), warn=lambda message: None)
    steps = [p[0] for p in reader.read_points(run_id, "x")]
    fault_row["lost"] = 1000 - len(set(steps))
    assert steps == list(range(1000))
    run = reader.get_run(run_id)
    assert (run["status"], run["tags"]) == ("finished", {"after": "jump"}), run
    listed = subprocess.run(["node", str(ROOT / "shared/core/bin/runlane.js"), "ls", "--json", "--dir", str(store)],
                            env=env, check=False, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert [r["status"] for r in json.loads(listed.stdout)] == ["finished"]
