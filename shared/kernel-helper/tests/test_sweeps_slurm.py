"""Sweeps (docs/sweeps.md) on a real single-node Slurm cluster (test/engines/slurm, two fake GPUs):
each trial is a Slurm job of its own, its metric is read live by the controller while the job runs,
the median rule stops a poor trial with scancel (its run ends `pruned`), and cancelling the sweep
cancels every trial's Slurm job: squeue shows none of them left."""
import json
import os
import re
import subprocess
import sys

import pytest
from kernels import text_of, wait_for
from sweep_targets import judged_step, stop_running_sweeps, trials_of
from test_kernel import slurm_cluster  # noqa: F401 (a real Slurm; the fixture of the job cells' Slurm test)

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# The loss depends on the trial's number so the pruner's verdict is known in advance, and the trials
# are of unequal lengths so that they overlap unevenly: trial 0 (the best) is slow, a step each 0.1 s;
# beside it trials 1 and 2 log their 120 steps at once and finish one after the other; then trial 3
# (far worse than the median of trials 1 and 2 at any step the median rule judges: MedianPruner, from
# step 1) would run for 30 s, and only the pruner's scancel ends it early, while trial 0 still runs.
# Trial 0 goes on until the sweep has recorded that verdict (its result.json, on the cluster's shared
# filesystem) and ends last: the pruner judged with a slower trial unfinished, and the best is the one
# that finished last.
SLURM_CELL = """%%runlane sweep --on cluster --trials 4 --parallel 2 --metric loss --sampler random --seed 2 --gpus 1
import json, os, time
import runlane as rl
lr = rl.loguniform(1e-3, 1e-1)
trial = int(os.environ["RUNLANE_SWEEP_TRIAL"])
loss = [0.5, 2.0, 1.0, 9.0][trial]
result = os.path.join(os.environ["RUNLANE_DIR"], "runs", os.environ["RUNLANE_SWEEP_ID"], "sweep", "result.json")

def pruned_one():
    try:
        with open(result) as f:
            return any(r["state"] == "pruned" for r in json.load(f)["trials"])
    except (OSError, ValueError):
        return False

print("slurm job", os.environ["SLURM_JOB_ID"], "gpu", os.environ.get("CUDA_VISIBLE_DEVICES"), flush=True)
for step in range(120):
    rl.log(loss=loss * (1 + lr), step=step)
    if trial == 3 or (trial == 0 and not pruned_one()):
        time.sleep(0.25 if trial == 3 else 0.1)
"""


def _queued(job_ids):
    """The Slurm jobs of `job_ids` that squeue still lists (pending, running or completing)."""
    out = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=15).stdout
    return sorted(set(out.split()) & set(job_ids))


def test_a_sweep_cell_runs_each_trial_as_a_slurm_job_and_prunes_a_poor_one_with_scancel(slurm_cluster, job_kernel):  # noqa: F811
    try:
        outputs = job_kernel.run(SLURM_CELL, "cell-slurm-sweep")
        shown = text_of(outputs)
        assert not [m for m in outputs if m["msg_type"] == "error"], outputs
        [sweep] = [r for r in job_kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
        assert sweep["params"]["sweep.target"] == "cluster", sweep
        assert wait_for(lambda: [r["status"] for r in job_kernel.runs() if r["id"] == sweep["id"]] == ["finished"], 30)
        trials = trials_of(job_kernel.store, sweep["id"])
        assert [t["status"] for t in trials] == ["finished", "finished", "finished", "pruned"], trials
        jobs = [str(t["params"]["slurm_job"]) for t in trials]
        assert len(set(jobs)) == 4  # each trial its own Slurm job
        for t, job in zip(trials, jobs):
            log = (job_kernel.store / "runs" / t["id"] / "logs" / "w0" / "stdout.log").read_text()
            # It ran inside that job, with one of the two GPUs Slurm gives out (not the daemon's local pool).
            assert re.match(r"slurm job %s gpu [01]$" % job, log.strip()), log
        # The poor trial was judged on its live metric and stopped long before its 120 steps.
        pruned = trials[3]
        # Judged against the two fast trials, which finished while the slow trial 0 ran.
        judged = judged_step(pruned["error"], [t["metrics"]["loss"]["last"] for t in trials[1:3]])
        # Its step is the last one it logged before the scancel landed (docs/sweeps.md), long before its 120.
        assert 1 <= judged <= int(pruned["tags"]["runlane.pruned_step"]) < 60, pruned["tags"]
        assert pruned["metrics"]["loss"]["count"] < 60, pruned["metrics"]["loss"]
        assert "Trial 3 pruned: Pruned at step %d" % judged in shown, shown
        assert _queued(jobs) == []  # the scancel took the job off the cluster
        result = json.loads((job_kernel.store / "runs" / sweep["id"] / "sweep" / "result.json").read_text())
        assert result["best"]["run_id"] == trials[0]["id"], result
        # In the order they ended: the slow trial, running from the start, ended last.
        ended = [(r["number"], r["state"]) for r in result["trials"]]
        assert ended == [(1, "finished"), (2, "finished"), (3, "pruned"), (0, "finished")], result
        assert trials[0]["metrics"]["loss"]["count"] == 120  # it ran its whole course
        records = sorted(result["trials"], key=lambda r: r["number"])
        assert [r["state"] for r in records] == ["finished", "finished", "finished", "pruned"]
        assert str(records[3]["step"]) == pruned["tags"]["runlane.pruned_step"]

    finally:
        stop_running_sweeps(job_kernel.store)  # one an assertion left running


def test_a_script_sweep_on_slurm_is_cancelled_with_every_trials_job_and_stops_at_a_refused_trial(
        slurm_cluster, tmp_path, monkeypatch):  # noqa: F811
    from daemons import BIN, NODE, stop_daemon

    # One daemon for the CLI and this test's own client (a second daemon on the store would adopt the
    # first one's jobs and mark them failed).
    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))

    (tmp_path / "train.py").write_text(
        "import sys, time\nimport runlane as rl\n"
        "for step in range(600):\n    rl.log(loss=float(sys.argv[1]), step=step)\n    time.sleep(0.1)\n")
    store = tmp_path / "store"
    env = dict(os.environ, RUNLANE_DIR="", RUNLANE_PYTHON=sys.executable)
    env.pop("RUNLANE_RUN_ID", None)

    def cli(*args):
        # --dir before the trial's command: what follows `--` is the command, word for word.
        done = subprocess.run([NODE, str(BIN), args[0], "--dir", str(store), *args[1:]], cwd=str(tmp_path), env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    try:
        # Three at a time, a GPU each, on a node of two GPUs: two trials run, Slurm holds the third pending.
        sweep_id = cli("sweep", "--on", "cluster", "--trials", "4", "--parallel", "3", "--gpus", "1",
                       "--metric", "loss", "--param", "x=uniform(0,1)", "--detach",
                       "--", sys.executable, "train.py", "{x}").strip()

        def two_running_one_queued():
            trials = [t for t in trials_of(store, sweep_id) if t["params"].get("slurm_job")]
            states = sorted(t["status"] for t in trials)
            return trials if states == ["queued", "running", "running"] else None

        trials = wait_for(two_running_one_queued, timeout=60)
        assert trials, trials_of(store, sweep_id)
        jobs = [str(t["params"]["slurm_job"]) for t in trials]
        assert _queued(jobs) == sorted(jobs)
        # Live: a running trial's series, as the charts read it from the daemon, grows while its job runs.
        from runlane.daemon_client import DaemonClient

        client = DaemonClient.connect(str(store))
        [first] = [t for t in trials if t["status"] == "running"][:1]
        route = "/runs/%s/metrics/loss" % first["id"]

        def steps():
            try:
                return len(client.request("GET", route).get("steps", []))
            except Exception:  # noqa: BLE001 (nothing logged yet: 404)
                return 0

        seen = steps()
        assert wait_for(lambda: steps() > seen + 3, timeout=20), (seen, steps())
        cli("cancel", sweep_id)
        assert wait_for(lambda: _queued(jobs) == [], timeout=30), _queued(jobs)  # the pending one too
        assert wait_for(lambda: [t["status"] for t in trials_of(store, sweep_id)] == ["cancelled"] * 3, timeout=30), \
            trials_of(store, sweep_id)  # and no trial started after the cancel
        # The controller ends once its trials are told to stop: its own status may come a moment after theirs.
        assert wait_for(lambda: [r["status"] for r in StoreReader(store).list_runs() if r["id"] == sweep_id]
                        == ["cancelled"], timeout=30), StoreReader(store).list_runs()

        # A trial Slurm refuses (3 GPUs a task on a node of 2): one line saying why, and no more trials
        # asked for, each to be refused the same way; the sweep fails with a sentence on what to do.
        done = subprocess.run([NODE, str(BIN), "sweep", "--dir", str(store), "--on", "cluster", "--trials", "3",
                               "--gpus", "3", "--metric", "loss", "--param", "x=uniform(0,1)",
                               "--", sys.executable, "train.py", "{x}"], cwd=str(tmp_path), env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr
        refused = [line for line in done.stdout.splitlines() if "was not started" in line]
        assert len(refused) == 1 and 'Slurm refused the job on target "cluster"' in refused[0], done.stdout
        assert "Sweep done: no trial ran." in done.stdout and "so the sweep started no more" in done.stdout, done.stdout
    finally:
        stop_running_sweeps(store)  # one an assertion left running
        stop_daemon(tmp_path / "runtime")
