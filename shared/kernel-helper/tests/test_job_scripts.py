"""A script that uses `with rl.run()` launched as a real local job (`runlane launch --on local -- python
script.py`, the daemon started on demand): it joins the job's run instead of making a second one."""
import json
import os
import sys

import pytest
from daemons import NODE, ROOT

from runlane.store.reader import StoreReader, read_events

SCRIPT = '''import runlane as rl

with rl.run(name="lr sweep", experiment="sweeps", params={"lr": 0.1}, tags=["sweep"]):
    for step in range(3):
        rl.log(loss=1.0 / (step + 1))
        print("step", step, flush=True)
'''

pytestmark = pytest.mark.skipif(NODE is None or not (ROOT / "shared" / "core" / "dist").exists(),
                                reason="needs Node.js and the built core (npx tsc -b)")


def test_a_with_run_script_launched_as_a_job_is_one_run(cli, tmp_path):
    (tmp_path / "train.py").write_text(SCRIPT)
    cli("launch", "--on", "local", "--", sys.executable, "train.py")
    runs = StoreReader(cli.store).list_runs()
    assert [r["kind"] for r in runs] == ["job"]  # one script, one run
    [run] = runs
    assert run["name"] == "lr sweep" and run["experiment"] == "sweeps"
    assert run["params"]["lr"] == 0.1 and run["tags"] == {"sweep": ""}
    assert run["status"] == "finished" and run["metrics"]["loss"]["count"] == 3
    # The TypeScript reader (the daemon, the editors, `runlane ls`) folds the experiment event too.
    [listed] = json.loads(cli("ls", "--json"))
    assert (listed["id"], listed["name"], listed["experiment"]) == (run["id"], "lr sweep", "sweeps")
    assert json.loads(cli("ls", "--json", "--experiment", "sweeps"))[0]["id"] == run["id"]
    # The worker's own writer sets no status: how the job ended is the daemon's to say.
    events = cli.store / "runs" / run["id"] / "events"
    workers = [name for name in os.listdir(events) if name.startswith("r0-")]
    assert workers, os.listdir(events)
    for name in workers:
        assert [e["type"] for _, e in read_events(str(events / name)) if e["type"] == "status"] == []
