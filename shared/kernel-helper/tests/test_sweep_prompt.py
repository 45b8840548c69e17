"""A sweep acts on what its trials log as it is written (docs/sweeps.md, "How fast"): the controller
follows the daemon's live feed, so a trial that the median rule prunes at step k is stopped a step or
two later, not at the controller's next read of its metric (it read every 0.25 s, and a trial pruned
at step 13 of a loaded machine ran on to its 30th and last). A real daemon, real trial processes."""
import json
import os
import sys
import time

import pytest

pytest.importorskip("optuna")

STEP_SECONDS = 0.05
# Trials 0 and 1 finish at once with loss 1 at every step; trial 2 logs loss 5 every 50 ms for up to
# 10 s. The median rule (2 finished trials to learn from, no verdict at step 0) judges it at step 1.
TRIAL = ("import os, time\nimport runlane as rl\n"
         "poor = int(os.environ['RUNLANE_SWEEP_TRIAL']) >= 2\n"
         "for step in range(200 if poor else 20):\n"
         "    rl.log(loss=5.0 if poor else 1.0, step=step)\n"
         "    if poor:\n"
         "        time.sleep(%r)\n" % STEP_SECONDS)
JUDGED = 1
# The bound: the judged point is on disk within the trial's flush interval (10 ms), the daemon sees it
# within its watch's 3 ms and sends it on the feed at once; the verdict is one Optuna call and the stop
# one request, whose SIGTERM ends the trial: 20-50 ms, one step, on an idle machine. Five steps
# (250 ms) leave room for a loaded one. Before the feed (a read every 0.25 s) this test failed in two of
# three runs here: once the poor trial was never pruned and ran all 200 steps.
FURTHER_STEPS = 5


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon for the file (its runtime folder in the environment, as a sweep's clients find it)."""
    from daemons import stop_daemon

    from runlane.daemon_client import DaemonClient

    tmp = tmp_path_factory.mktemp("prompt")
    previous = os.environ.get("RUNLANE_RUNTIME_DIR")
    os.environ["RUNLANE_RUNTIME_DIR"] = str(tmp / "runtime")
    try:
        yield DaemonClient.connect(str(tmp / "store")), tmp
    finally:
        stop_daemon(tmp / "runtime")
        if previous is None:
            os.environ.pop("RUNLANE_RUNTIME_DIR", None)
        else:
            os.environ["RUNLANE_RUNTIME_DIR"] = previous


def test_the_feed_brings_a_runs_points_of_the_metric_and_its_end(daemon):
    """feed.py against the real daemon: a run's points of the sweep's metric (not of other keys, not
    of rank 1) and its final status arrive as events, in the order they were written."""
    from runlane.store.writer import StoreWriter
    from runlane.sweep.feed import Feed

    client, tmp = daemon
    feed = Feed(client, "loss")
    try:
        assert feed.live.wait(20), "the feed did not connect"
        writer = StoreWriter(str(tmp / "store"))
        run_id = writer.create_run("trial", "e", "job")
        writer.set_status(run_id, "running")
        first = feed.events.get(timeout=20)  # the daemon follows the new run's files from here on
        assert first[:2] == ("status", run_id), first
        writer.append_metric(run_id, "acc", [(0, time.time(), 0.5)])
        writer.append_metric(run_id, "loss", [(0, time.time(), 2.0), (1, time.time(), float("nan"))])
        writer.append_metric(run_id, "loss", [(2, time.time(), 1.5)])
        seen, deadline = [], time.time() + 20

        def points():
            return [(s, v) for e in seen if e[0] == "metrics" for s, v in zip(e[2], e[3])]

        def wait_for(done):
            while not done():
                assert time.time() < deadline, (seen, run_id)
                event = feed.events.get(timeout=max(0.01, deadline - time.time()))
                if event[1] == run_id:
                    seen.append(event)

        wait_for(lambda: (2, 1.5) in points())
        writer.set_status(run_id, "finished")
        wait_for(lambda: ("status", run_id, "finished") in seen)
    finally:
        feed.close()
    assert points() == [(0, 2.0), (1, "NaN"), (2, 1.5)], seen  # NaN as the feed sends it; a trial skips it


def test_a_trial_pruned_at_step_k_stops_within_a_few_steps_of_k(daemon):
    from runlane.notebook.job_cell import run_status
    from runlane.store.reader import StoreReader
    from runlane.sweep.space import uniform
    from runlane.sweep.submit import read_result, submit_sweep

    _, tmp = daemon
    store = str(tmp / "store")
    trial = {"command": [sys.executable, "-c", TRIAL], "fill_command": True, "workers": 1, "gpus": 0,
             "cwd": str(tmp)}
    settings = {"trials": 3, "parallel": 1, "metric": "loss", "mode": "min", "sampler": "random",
                "pruner": "median", "seed": 1}
    _, sweep_id = submit_sweep(store, "local", {"x": uniform(0, 1)}, trial, settings, "prompt", "e", str(tmp))
    deadline = time.time() + 90
    while run_status(os.path.join(store, "runs", sweep_id))[0] in ("queued", "running"):
        assert time.time() < deadline, "the sweep did not end within 90 s"
        time.sleep(0.1)
    result = read_result(store, sweep_id)
    states = [r["state"] for r in sorted(result["trials"], key=lambda r: r["number"])]
    assert states == ["finished", "finished", "pruned"], json.dumps(result, indent=1)
    pruned = result["trials"][-1]
    assert pruned["judged_step"] == JUDGED, pruned
    logged = [s for s, _t, _v in StoreReader(store).read_points(pruned["run_id"], "loss")]
    assert max(logged) == pruned["step"], (pruned, logged)  # the step it reached is the last it logged
    assert pruned["step"] <= JUDGED + FURTHER_STEPS, (
        "judged at step %d, the trial ran on to step %d (each step %g s)" % (JUDGED, pruned["step"], STEP_SECONDS))


def test_a_daemon_that_takes_no_tags_in_a_job_still_gets_the_trial_tagged():
    """A daemon of an earlier Runlane refuses a job spec with tags (400 naming the field): the trial is
    submitted without them and tagged by a PATCH, as before. Its HTTP answers are the seam."""
    from runlane.daemon_client import DaemonError
    from runlane.sweep.controller import Controller

    calls = []

    class OldDaemon:
        def submit_job(self, spec):
            calls.append(("submit", dict(spec)))
            if "tags" in spec:
                raise DaemonError('A job has no field "tags"; its fields are target, command, ...', 400)
            return {"run_id": "20261130-120000-aaaaaa"}

        def request(self, method, route, body=None, query=None):
            calls.append((method, route, body))
            return {}

    controller = Controller.__new__(Controller)
    controller.client = OldDaemon()
    tags = {"runlane.sweep": "20261130-110000-bbbbbb", "runlane.sweep.trial": "0"}
    created = controller._submit({"target": "local", "command": ["python", "t.py"], "tags": dict(tags)})
    assert created == {"run_id": "20261130-120000-aaaaaa"}
    assert [c[0] for c in calls] == ["submit", "submit", "PATCH"] and "tags" not in calls[1][1]
    assert calls[2] == ("PATCH", "/runs/20261130-120000-aaaaaa", {"tags": tags})
