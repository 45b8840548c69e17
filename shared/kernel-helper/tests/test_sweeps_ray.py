"""Sweeps (docs/sweeps.md) on a real Ray head (the session's shared one, ray_engine.py): each trial is a
Ray job of its own (the daemon's Ray launcher submits it through the Jobs API), its metric comes back
in-band from the job's log tail and is read live by the controller, the median rule stops a poor trial
with Ray's stop (its run ends `pruned`), and cancelling the sweep stops every running trial's Ray job:
the head lists none of them still running."""
import json
import urllib.request

import pytest
from kernels import wait_for
from sweep_targets import judged_step, stop_running_sweeps, trials_of

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# The loss depends on the trial's number, so the pruner's verdict is known in advance. Three start
# together (one round of Ray job starts, the slow part): trials 0 and 1 log their 600 steps at once and
# finish first; trial 2, far worse than the median of those two at any step the median rule judges
# (from step 1), logs a step each 0.1 s and is pruned; trial 3 (good, as slow) takes the first free
# slot and runs on until the sweep is cancelled.
RAY_CELL = """%%runlane sweep --on ray --trials 4 --parallel 3 --metric loss --sampler random --seed 2 --detach
import os, time
import runlane as rl
lr = rl.loguniform(1e-3, 1e-1)
trial = int(os.environ["RUNLANE_SWEEP_TRIAL"])
loss = [1.0, 2.0, 9.0, 0.5][trial]
for step in range(600):
    rl.log(loss=loss * (1 + lr), step=step)
    if trial >= 2:
        time.sleep(0.1)
"""


def _ray_jobs(head):
    """submission id -> status of every job the head knows."""
    with urllib.request.urlopen(head.address + "/api/jobs/", timeout=10) as res:
        return {j.get("submission_id"): j["status"] for j in json.loads(res.read().decode())}


def test_a_sweep_on_ray_runs_each_trial_as_a_ray_job_prunes_with_rays_stop_and_its_cancel_stops_them(
        ray_head, job_kernel, tmp_path):
    from runlane.daemon_client import DaemonClient

    (tmp_path / "runlane.toml").write_text('[targets.ray]\nkind = "ray"\naddress = "%s"\npython = "%s"\n'
                                         % (ray_head.address, ray_head.python))
    job_kernel.run(RAY_CELL, "cell-ray-sweep")
    [sweep] = [r for r in job_kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    store = job_kernel.store

    def pruned_and_one_running():
        trials = trials_of(store, sweep["id"])
        states = [t["status"] for t in trials]
        return trials if states == ["finished", "finished", "pruned", "running"] else None

    def points(run_id):
        [run] = [r for r in StoreReader(store).list_runs() if r["id"] == run_id]
        return run["status"] == "running" and run["metrics"].get("loss", {}).get("count", 0)

    try:
        trials = wait_for(pruned_and_one_running, timeout=90)
        assert trials, trials_of(store, sweep["id"])
        jobs = [t["params"]["ray_job"] for t in trials]
        assert len(set(jobs)) == 4  # each trial its own Ray job
        pruned, running = trials[2], trials[3]
        judged = judged_step(pruned["error"], [t["metrics"]["loss"]["last"] for t in trials[:2]])
        assert 1 <= judged <= int(pruned["tags"]["runlane.pruned_step"]) < 300, pruned["tags"]
        assert pruned["metrics"]["loss"]["count"] < 300, pruned["metrics"]["loss"]  # stopped long before its end
        # Ray's stop ended its job there; the finished ones succeeded; the good one still runs.
        assert wait_for(lambda: _ray_jobs(ray_head).get(jobs[2]) == "STOPPED", 20), _ray_jobs(ray_head)
        assert [_ray_jobs(ray_head)[j] for j in (jobs[0], jobs[1], jobs[3])] == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]
        # Live: the running trial's metric reaches the daemon while it runs (in-band, from the log tail).
        first = points(running["id"])
        assert wait_for(lambda: (points(running["id"]) or 0) > first + 2, 15), (first, points(running["id"]))

        DaemonClient.connect(str(store)).stop_run(sweep["id"])
        assert wait_for(lambda: _ray_jobs(ray_head).get(jobs[3]) == "STOPPED", 20), _ray_jobs(ray_head)
        assert wait_for(lambda: [t["status"] for t in trials_of(store, sweep["id"])]
                        == ["finished", "finished", "pruned", "cancelled"], timeout=20), trials_of(store, sweep["id"])
        assert wait_for(lambda: [r["status"] for r in job_kernel.runs() if r["id"] == sweep["id"]] == ["cancelled"], 20)
        assert not [j for j in jobs if _ray_jobs(ray_head)[j] in ("PENDING", "RUNNING")]  # none left on the head
        result = json.loads((store / "runs" / sweep["id"] / "sweep" / "result.json").read_text())
        records = sorted(result["trials"], key=lambda r: r["number"])
        # The trials that ended on their own; the cancelled one stays running in the study, for a resume to run again.
        assert [(r["number"], r["state"]) for r in records] == [(0, "finished"), (1, "finished"), (2, "pruned")], result
        assert result["best"]["run_id"] == trials[0]["id"], result  # 1.0 beats 2.0; trial 3's 0.5 never finished
        assert str(records[2]["step"]) == pruned["tags"]["runlane.pruned_step"]
    finally:
        stop_running_sweeps(store)  # one an assertion left running
