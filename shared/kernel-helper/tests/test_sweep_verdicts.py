"""What a sweep cell tells its user must match what its trials did (docs/sweeps.md), in a real kernel
with a real daemon: a trial recorded `pruned` logged no step past the one it was pruned at, a trial
that ran to its end is `finished` with its last value whatever the pruner decided meanwhile, and the
cell's output ends with the sweep's summary (the best trial, its params and value)."""
import json

import pytest
from kernels import Kernel, text_of

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# Fast trials (20 steps in ~0.6 s): the controller reads a trial's metric every 0.25 s, so each read
# brings several steps, and a trial often ends between the pruner's verdict and the cancel's landing.
# x is the loss at every step, so the median rule prunes the trials with a large x.
CELL = """%%runlane sweep --on local --trials 8 --parallel 2 --metric loss --sampler random --seed 5
import time
import runlane as rl
x = rl.choice([1, 2, 3, 4, 5, 6, 7, 8])
for step in range(20):
    rl.log(loss=float(x), step=step)
    time.sleep(0.03)
"""


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    pytest.importorskip("jupyter_client")
    from daemons import stop_daemon

    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    k = Kernel(tmp_path)
    k.run("%load_ext runlane", "setup")
    yield k
    k.stop()
    stop_daemon(tmp_path / "runtime")


def test_a_pruned_trial_logged_nothing_past_its_step_and_the_summary_ends_the_cell(kernel):
    outputs = kernel.run(CELL, "cell-sweep")
    assert not [m for m in outputs if m["msg_type"] == "error"], outputs
    store = kernel.store
    [sweep] = [r for r in kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    result = json.loads((store / "runs" / sweep["id"] / "sweep" / "result.json").read_text())
    reader = StoreReader(str(store))
    runs = {r["id"]: r for r in reader.list_runs()}
    assert len(result["trials"]) == 8
    for record in result["trials"]:
        run = runs[record["run_id"]]
        steps = [s for s, _t, _v in reader.read_points(record["run_id"], "loss")]
        assert run["status"] == record["state"], (record, run["status"])
        if record["state"] == "pruned":
            # The step it was pruned at is the last step it logged: nothing after it.
            assert steps and max(steps) == record["step"], (record, steps)
            assert run["tags"]["runlane.pruned_step"] == str(record["step"])
            assert "Pruned at step" in run["error"]
        elif record["state"] == "finished":
            # Every step logged, and its real value (the last step's): not a pruner's verdict.
            assert steps == list(range(20)), (record, steps)
            assert record["value"] == float(record["params"]["x"])
    # The median rule stopped the worst trials; the best is the lowest loss of those that finished.
    states = [r["state"] for r in result["trials"]]
    assert "finished" in states, result
    best = min((r for r in result["trials"] if r["state"] == "finished"), key=lambda r: r["value"])
    assert result["best"]["run_id"] == best["run_id"]

    # The cell's output: every trial's line, then the summary last (late trial lines come before it).
    lines = [line for line in text_of(outputs).splitlines() if line.strip()]
    summary = [i for i, line in enumerate(lines) if "Best: trial %d " % best["number"] in line]
    assert summary and summary[0] == len(lines) - 1, lines
    assert best["run_id"] in lines[-1] and "x=%s" % best["params"]["x"] in lines[-1], lines
    for record in result["trials"]:
        ended = [i for i, line in enumerate(lines) if "Trial %d %s" % (record["number"], record["state"]) in line]
        assert ended and ended[0] < summary[0], (record, lines)
    assert [m for m in outputs if m["msg_type"] == "execute_result"], outputs  # the best, as the cell's value
