"""Sweeps (docs/sweeps.md) on an SSH target (a real sshd on loopback, test/engines/ssh): each trial is a
job on the host, its metric comes back in-band on its output and is read live by the controller, the
median rule stops a poor trial (its remote process ends, its run is `pruned`), and cancelling the
sweep ends every running trial's remote process."""
import os

import pytest
from kernels import wait_for
from sweep_targets import judged_step, stop_running_sweeps, trials_of
from test_kernel import ssh_host  # noqa: F401 (a real sshd; the fixture of the job cells' SSH test)

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# The loss depends on the trial's number, so the pruner's verdict is known in advance: trials 0 and 1
# log their 240 steps at once and finish first (two at a time); trial 3 is far worse than the median of
# those two at any step the median rule judges (from step 1: 1 warm-up step); trial 2 is good and runs
# on (a step each 0.25 s) until the sweep is cancelled.
SSH_CELL = """%%runlane sweep --on box --trials 4 --parallel 2 --metric loss --sampler random --seed 2 --detach
import os, time
import runlane as rl
lr = rl.loguniform(1e-3, 1e-1)
trial = int(os.environ["RUNLANE_SWEEP_TRIAL"])
loss = [1.0, 2.0, 0.5, 9.0][trial]
print("pid", os.getpid(), flush=True)
for step in range(240):
    rl.log(loss=loss * (1 + lr), step=step)
    if trial >= 2:
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
        return trials if states == ["finished", "finished", "running", "pruned"] and _pid(store, trials[2]) else None

    def points(run_id):
        [run] = [r for r in StoreReader(store).list_runs() if r["id"] == run_id]
        return run["status"] == "running" and run["metrics"].get("loss", {}).get("count", 0)

    try:
        trials = wait_for(pruned_and_one_running, timeout=120)  # SSH starts a trial in 2-5 s on a loaded machine
        assert trials, trials_of(store, sweep["id"])
        pruned, running = trials[3], trials[2]
        judged = judged_step(pruned["error"], [t["metrics"]["loss"]["last"] for t in trials[:2]])
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
                        == ["finished", "finished", "cancelled", "pruned"], timeout=20), trials_of(store, sweep["id"])
        assert wait_for(lambda: [r["status"] for r in job_kernel.runs() if r["id"] == sweep["id"]] == ["cancelled"], 20)
        assert os.path.exists(str(store / "runs" / sweep["id"] / "sweep" / "result.json"))
    finally:
        stop_running_sweeps(store)  # one an assertion left running
