"""Sweeps (docs/sweeps.md) on an SSH target (a real sshd on loopback, test/engines/ssh): each trial is a
job on the host, its metric comes back in-band on its output and is read live by the controller, the
median rule stops a poor trial (its remote process ends, its run is `pruned`), and cancelling the
sweep ends every running trial's remote process."""
import json

import pytest
from kernels import wait_for
from sweep_targets import judged_step, stop_running_sweeps, trials_of
from test_kernel import ssh_host  # noqa: F401 (a real sshd; the fixture of the job cells' SSH test)

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# The loss depends on the trial's number, so the pruner's verdict is known in advance, and the trials
# are of unequal lengths so that they overlap unevenly: trial 0 (good) is slow (a step each 0.25 s) and
# runs on until the sweep is cancelled; beside it, trials 1 and 2 log their 240 steps at once and
# finish one after the other; trial 3 (slow, and far worse than the median of trials 1 and 2 at any step
# the median rule judges: from step 1) is judged and pruned while trial 0 still runs.
SSH_CELL = """%%runlane sweep --on box --trials 4 --parallel 2 --metric loss --sampler random --seed 2 --detach
import os, time
import runlane as rl
lr = rl.loguniform(1e-3, 1e-1)
trial = int(os.environ["RUNLANE_SWEEP_TRIAL"])
loss = [0.5, 2.0, 1.0, 9.0][trial]
print("pid", os.getpid(), flush=True)
for step in range(240):
    rl.log(loss=loss * (1 + lr), step=step)
    if trial in (0, 3):
        time.sleep(0.25)
"""


def _pid(store, run):
    """The trial's Python process on the host (the host is this machine: its pid is ours to check)."""
    log = store / "runs" / run["id"] / "logs" / "w0" / "stdout.log"
    text = log.read_text() if log.exists() else ""
    return int(text.split("pid ", 1)[1].split()[0]) if "pid " in text else None


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except OSError:
        return False


def test_a_sweep_on_an_ssh_host_prunes_a_poor_trial_and_its_cancel_ends_the_remote_trials(ssh_host, job_kernel):  # noqa: F811
    from runlane.daemon_client import DaemonClient

    job_kernel.run(SSH_CELL, "cell-ssh-sweep")
    [sweep] = [r for r in job_kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    store = job_kernel.store

    def pruned_and_one_running():
        trials = trials_of(store, sweep["id"])
        states = [t["status"] for t in trials]
        return trials if states == ["running", "finished", "finished", "pruned"] and _pid(store, trials[0]) else None

    def points(run_id):
        [run] = [r for r in StoreReader(store).list_runs() if r["id"] == run_id]
        return run["status"] == "running" and run["metrics"].get("loss", {}).get("count", 0)

    try:
        trials = wait_for(pruned_and_one_running, timeout=120)  # SSH starts a trial in 2-5 s on a loaded machine
        sweep_log = store / "runs" / sweep["id"] / "logs" / "w0" / "stdout.log"
        assert trials, (trials_of(store, sweep["id"]), sweep_log.exists() and sweep_log.read_text())
        pruned, running = trials[3], trials[0]
        # Judged against the two fast trials, which finished while the slow trial 0 ran.
        judged = judged_step(pruned["error"], [t["metrics"]["loss"]["last"] for t in trials[1:3]])
        assert 1 <= judged <= int(pruned["tags"]["runlane.pruned_step"]) < 60, pruned["tags"]
        assert pruned["metrics"]["loss"]["count"] < 60, pruned["metrics"]["loss"]  # stopped long before its end
        assert wait_for(lambda: not _alive(_pid(store, pruned)), timeout=15)  # its process on the host ended
        assert (ssh_host / "runs" / running["id"] / "input" / "cell.py").exists()  # it runs on the host
        assert _alive(_pid(store, running))
        # Live: the running trial's metric reaches the daemon while it runs (in-band, over SSH).
        first = points(running["id"])
        assert wait_for(lambda: (points(running["id"]) or 0) > first + 2, 15), (first, points(running["id"]))

        DaemonClient.connect(str(store)).stop_run(sweep["id"])
        assert wait_for(lambda: not _alive(_pid(store, running)), timeout=20)
        assert wait_for(lambda: [t["status"] for t in trials_of(store, sweep["id"])]
                        == ["cancelled", "finished", "finished", "pruned"], timeout=20), trials_of(store, sweep["id"])
        assert wait_for(lambda: [r["status"] for r in job_kernel.runs() if r["id"] == sweep["id"]] == ["cancelled"], 20)
        result = json.loads((store / "runs" / sweep["id"] / "sweep" / "result.json").read_text())
        # In the order they ended (the cancelled trial stays running in the study, for a resume): the best
        # is the better of the two that finished, not the slow one that never did.
        ended = [(r["number"], r["state"]) for r in result["trials"]]
        assert ended == [(1, "finished"), (2, "finished"), (3, "pruned")], result
        assert result["best"]["run_id"] == trials[2]["id"], result
    finally:
        stop_running_sweeps(store)  # one an assertion left running
