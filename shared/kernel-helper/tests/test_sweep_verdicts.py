"""What a sweep cell tells its user must match what its trials did (docs/sweeps.md), in a real kernel
with a real daemon: a trial recorded `pruned` logged no step past the one it was pruned at, a trial
that ran to its end is `finished` with its last value whatever the pruner decided meanwhile, and the
cell's output ends with the sweep's summary (the best trial, its params and value)."""
import json
import re
import threading
import types

import pytest
from kernels import text_of

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


def test_a_pruned_trial_logged_nothing_past_its_step_and_the_summary_ends_the_cell(job_kernel):
    kernel = job_kernel
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
            # And the stop did end it (killed, its wrapper writes no exit code or the signal's): a trial
            # that exited 0 before the stop landed ran to its end, and is finished.
            exit_file = store / "runs" / record["run_id"] / "job" / "w0.exit"
            assert not exit_file.exists() or exit_file.read_text().strip() != "0", record
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


class _Series:
    """The daemon's series route, the one request _end makes (its HTTP API is the seam): the run's
    points as the daemon serves them, read from the store."""

    def __init__(self, store):
        self.reader = StoreReader(str(store))

    def request(self, method, route, query=None):
        run_id, key = route.split("/")[2], route.split("/")[4]
        points = [p for p in self.reader.read_points(run_id, key) if p[0] >= (query or {}).get("from_step", 0)]
        return {"steps": [p[0] for p in points], "values": [p[2] for p in points]}


def _controller_with_one_trial(tmp_path, pruned_at):
    """A controller (its real Optuna study and store writer, no daemon) and one trial of 20 logged steps,
    recorded `cancelled` by the daemon after the pruner's stop at step `pruned_at`."""
    from runlane.store.writer import StoreWriter
    from runlane.sweep.controller import Controller
    from runlane.sweep.study import import_optuna, open_study
    from runlane.sweep.trials import Trial

    store = tmp_path / "store"
    writer = StoreWriter(str(store))
    controller = Controller.__new__(Controller)
    controller.spec, controller.metric, controller.mode = {"pruner": "median"}, "loss", "min"
    controller.optuna, controller.writer, controller.records, controller.dirty = import_optuna(), writer, [], False
    controller.study = open_study(controller.optuna, str(tmp_path / "sweep"), "s", "min", "random", "median", {}, 1)
    controller.client = _Series(store)
    # No live feed (feed.py): the controller polls, as it does while its feed connects.
    controller.feed, controller.early, controller.next_look = types.SimpleNamespace(live=threading.Event()), [], 0.0
    run_id = writer.create_run("trial 0", "e", "job")
    writer.append_metric(run_id, "loss", [(step, 0.0, 2.0) for step in range(20)])
    trial = Trial(controller.client, str(store), controller.study.ask(), {"x": 2}, run_id)
    trial.new_points("loss")  # the read the pruner judged: steps up to pruned_at
    trial.next_step, trial.last = pruned_at + 1, (pruned_at, 2.0)
    trial.judged, trial.pruning, trial.pruned_at = ("Pruned at step %d by the median rule." % pruned_at, pruned_at), \
        "Pruned at step %d by the median rule." % pruned_at, (pruned_at, 2.0)
    writer.set_status(run_id, "cancelled")  # the daemon's record of the cancel it was asked for
    return controller, trial, store, run_id


def test_a_trial_that_exited_0_before_its_prune_landed_stays_finished_with_its_value(tmp_path):
    controller, trial, store, run_id = _controller_with_one_trial(tmp_path, pruned_at=5)
    (store / "runs" / run_id / "job").mkdir()
    (store / "runs" / run_id / "job" / "w0.exit").write_text("0\n")  # it ran to its end: exit 0
    controller._end(trial, "cancelled", None)
    [record] = controller.records
    assert record["state"] == "finished" and record["value"] == 2.0, record
    assert StoreReader(str(store)).get_run(run_id)["status"] == "finished"


def test_a_trial_the_prune_killed_is_pruned_at_the_last_step_it_logged(tmp_path):
    controller, trial, store, run_id = _controller_with_one_trial(tmp_path, pruned_at=5)
    (store / "runs" / run_id / "job").mkdir()
    (store / "runs" / run_id / "job" / "w0.exit").write_text("143\n")  # SIGTERM
    controller._end(trial, "cancelled", None)
    [record] = controller.records
    assert record["state"] == "pruned" and record["step"] == 19 and record["judged_step"] == 5, record
    run = StoreReader(str(store)).get_run(run_id)
    assert run["status"] == "pruned" and run["tags"]["runlane.pruned_step"] == "19"
    assert run["error"] == "Pruned at step 5 by the median rule. It had reached step 19 when it stopped."


def test_a_cancel_that_lands_while_a_trial_is_submitted_still_finds_that_trial(tmp_path):
    """SIGTERM between a trial's submit and its place among the running trials used to leave that
    trial running with nobody to cancel it; the cancel now waits for it, then stops the sweep."""
    import os
    import signal

    from runlane.sweep import controller as ctl
    from runlane.sweep.space import from_json

    class Daemon:  # the job API (the seam): the submit is where the cancel lands
        def submit_job(self, spec):
            os.kill(os.getpid(), signal.SIGTERM)
            return {"run_id": "20261130-000000-abcdef"}

        def request(self, method, route, body=None):
            return {}

    controller, _trial, _store, _run = _controller_with_one_trial(tmp_path, pruned_at=1)
    controller.space = {"x": from_json({"kind": "choice", "values": [1, 2]})}
    controller.spec = {"trial": {"target": "local", "command": ["python", "-c", "pass"]}}
    controller.client, controller.sweep_id, controller.active, controller.store = Daemon(), "s", [], str(tmp_path)
    controller.out = lambda line: None
    previous = signal.signal(signal.SIGTERM, ctl._raise_stop)
    try:
        with pytest.raises(ctl.Stop):
            controller._launch()
    finally:
        signal.signal(signal.SIGTERM, previous)
        getattr(ctl, "_CANCEL", {}).update(launching=False, pending=False)
    assert [t.run_id for t in controller.active] == ["20261130-000000-abcdef"]  # cancel_all stops it


def _poor_trial_after_two_good_ones(controller, store, steps):
    """Two finished trials, good (1.0) at every step 0-9, then a poor trial (5.0) whose `steps` steps
    are read at once, under a daemon that records the stops it is asked for. Returns the poor trial."""
    from runlane.sweep.trials import Trial

    for _ in range(2):
        done = controller.study.ask()
        for step in range(10):
            done.report(1.0, step)
        controller.study.tell(done, 1.0)

    class Daemon(_Series):
        stopped = []

        def stop_run(self, run_id):
            self.stopped.append(run_id)

    controller.client = Daemon(store)
    run_id = controller.writer.create_run("trial 3", "e", "job")
    controller.writer.append_metric(run_id, "loss", [(step, 0.0, 5.0) for step in range(steps)])
    return Trial(controller.client, str(store), controller.study.ask(), {"x": 5}, run_id)


def test_a_burst_of_steps_past_every_finished_trial_is_still_judged_at_each_step(tmp_path):
    """A read can bring a trial's steps 0-40 at once (SSH sends them in bursts) when the finished trials
    logged 0-9: judged only at its last step, nothing compared with it and a poor trial ran on."""
    controller, _trial, store, _run = _controller_with_one_trial(tmp_path, pruned_at=1)
    trial = _poor_trial_after_two_good_ones(controller, store, 41)  # poor, all at once
    controller._poll(trial)
    assert controller.client.stopped == [trial.run_id]
    assert trial.pruned_at == (40, 5.0)  # the last step it reached; the step the rule judged is in its words,
    judged = re.match(r"Pruned at step (\d+) by the median rule: loss = 5 is worse than the median 1 ", trial.pruning)
    assert judged and int(judged.group(1)) <= 9, trial.pruning  # one the finished trials reached
    assert trial.pruning.endswith("It had reached step 40 when it stopped."), trial.pruning


def test_the_median_rule_judges_a_trial_from_its_warmup_step_on(tmp_path):
    """`--warmup 5`: a poor trial is not judged before step 5 (on a real GPU, trials whose loss starts
    high and falls fast were all stopped at step 1 with the default warm-up of 1)."""
    from runlane.sweep.study import open_study

    controller, _trial, store, _run = _controller_with_one_trial(tmp_path, pruned_at=1)
    controller.study = open_study(controller.optuna, str(tmp_path / "warm"), "w", "min", "random", "median", {}, 1,
                                  warmup=5)
    trial = _poor_trial_after_two_good_ones(controller, store, 10)
    controller._poll(trial)
    assert controller.client.stopped == [trial.run_id]
    assert trial.pruning.startswith("Pruned at step 5 by the median rule: loss = 5 is worse than the median 1 "), \
        trial.pruning


@pytest.mark.parametrize("settings, error", [
    ({"warmup": -1}, "--warmup must be a whole number of 0 or more"),
    ({"warmup": 3, "pruner": "hyperband"}, "--warmup is the median rule's"),
])
def test_a_bad_warmup_is_one_sentence(settings, error):
    from runlane.errors import RunlaneError
    from runlane.sweep.submit import check_settings

    s = dict({"trials": 4, "parallel": 1, "metric": "loss", "mode": "min", "sampler": "tpe", "pruner": "median"},
             **settings)
    with pytest.raises(RunlaneError, match=error):
        check_settings(s["trials"], s["parallel"], s["metric"], s["mode"], s["sampler"], s["pruner"], s["warmup"])


def test_a_word_where_a_number_goes_is_one_sentence_and_an_unknown_option_keeps_the_usage():
    """`%%runlane sweep --warmup abc` printed argparse's "invalid int value" and eight lines of usage (a
    new user's find); an option the magic does not know still lists what there is."""
    import shlex

    from runlane.errors import RunlaneError
    from runlane.sweep.cell import parser

    hint = " (%%runlane sweep --help lists the options)."
    for line, said in [("--warmup abc", "--warmup takes a whole number, not 'abc'" + hint),
                       ("--trials 2.5", "--trials takes a whole number, not '2.5'" + hint)]:
        with pytest.raises(RunlaneError) as raised:
            parser().parse_args(shlex.split(line))
        assert str(raised.value) == said
    with pytest.raises(RunlaneError, match=r"unrecognized arguments: --trails 3\nusage: %%runlane sweep"):
        parser().parse_args(shlex.split("--trails 3"))


@pytest.mark.parametrize("info, trial, said", [
    ({"name": "local", "kind": "local", "gpus": ["0", "1"]}, {"gpus": 3, "workers": 1},
     'Target "local" has 2 GPU(s); each trial asks for 3. Ask for fewer (--gpus), or run on a target with more.'),
    ({"name": "local", "kind": "local", "gpus": ["0", "1"]}, {"gpus": 2, "workers": 1}, None),
    ({"name": "cluster", "kind": "slurm", "gpus": []}, {"gpus": 8, "workers": 1}, None),  # Slurm's own to say
])
def test_a_trial_asking_for_more_gpus_than_the_machine_has_is_refused_before_the_sweep_exists(info, trial, said):
    """`--gpus 3` on 2 GPUs: each trial's job was refused in turn and a failed sweep run was left behind
    (a new user's find); now one sentence before anything is made."""
    from runlane.errors import RunlaneError
    from runlane.sweep.submit import check_gpus

    if said is None:
        check_gpus(info, trial)
        return
    with pytest.raises(RunlaneError) as raised:
        check_gpus(info, trial)
    assert str(raised.value) == said
