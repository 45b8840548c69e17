"""What the sweep tests on real targets (test_sweeps_slurm.py, test_sweeps_ssh.py) share: a sweep's
trials from the store, the median rule's verdict checked against the rule, and stopping a sweep a
failed assertion left running (its controller is a job of the daemon: it outlives the test's kernel
and daemon, and would start a new daemon to wait for trials whose host is gone)."""
import re
import statistics
import time

from runlane.store.reader import StoreReader


def trials_of(store, sweep_id):
    runs = StoreReader(store).list_runs() if store.exists() else []
    return sorted((r for r in runs if r["tags"].get("runlane.sweep") == sweep_id),
                  key=lambda r: int(r["tags"]["runlane.sweep.trial"]))


def judged_step(error, finished):
    """The step the median rule judged, checked against the rule: the trial's loss there is worse than
    the median of the trials finished by then at that step (`finished`: their losses in the order they
    can finish; each logs the same loss at every step)."""
    said = re.match(r"Pruned at step (\d+) by the median rule: loss = ([\d.]+) is worse than the median ([\d.]+) "
                    r"of (\d+) finished trials at that step\.", error)
    assert said, error
    assert 2 <= int(said[4]) <= len(finished), error
    median = statistics.median(finished[:int(said[4])])
    assert float(said[2]) > float(said[3]) and abs(float(said[3]) - median) < 1e-4, (error, finished)
    return int(said[1])


def stop_running_sweeps(store):
    """Cancels every sweep of the store still running, and waits (20 s at most) for it to end."""
    from runlane.daemon_client import DaemonClient, DaemonError

    if not store.exists():
        return
    running = [r["id"] for r in StoreReader(store).list_runs()
               if r["tags"].get("runlane.sweep.role") == "sweep" and r["status"] in ("queued", "running")]
    if not running:
        return
    try:
        client = DaemonClient.connect(str(store))
        for run_id in running:
            client.stop_run(run_id)
    except DaemonError:
        return
    deadline = time.time() + 20
    while time.time() < deadline and any(r["status"] in ("queued", "running") for r in StoreReader(store).list_runs()
                                         if r["id"] in running):
        time.sleep(0.1)
