"""Sweeps (docs/sweeps.md) in a real kernel with a real daemon: `%%runlane sweep` on the local target
with two fake GPUs. The space is checked before anything runs; the controller is a job of the daemon,
so the sweep goes on after the kernel that started it is gone and is followed again by `%runlane
attach`; trials run two at a time, each on its own GPU; the median rule prunes the trials it should;
a crashing trial fails and the sweep goes on; cancelling the sweep cancels every running trial."""
import json
import os
import re
import threading

import pytest
from kernels import Kernel, text_of, wait_for
from test_kernel import ssh_host  # noqa: F401 (a real sshd; the fixture of the job cells' SSH test)

from runlane.store.reader import StoreReader

pytest.importorskip("optuna")

# x is the trial's loss at every step, so the median rule's verdicts can be recomputed from the
# trials' results; x = 6 crashes. The GPU each trial got is printed, to check no two running trials shared one.
SWEEP_CELL = """%%runlane sweep --on local --trials 8 --parallel 2 --metric loss --sampler random --seed 1 --gpus 1 {x}
import os, time
import runlane as rl
x = rl.choice([1, 2, 3, 4, 5, 6, 7, 8])
epochs = 6
print("gpu", os.environ.get("CUDA_VISIBLE_DEVICES"), flush=True)
if x == 6:
    raise ValueError("x = 6 crashes")
for step in range(epochs):
    rl.log(loss=float(x), step=step)
    time.sleep(0.1)
"""


@pytest.fixture
def sweep_kernel(tmp_path, monkeypatch):
    """A kernel whose daemon (started from it on demand) has two fake GPUs."""
    pytest.importorskip("jupyter_client")
    from daemons import stop_daemon

    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("RUNLANE_FAKE_GPUS", "2")
    kernels = [Kernel(tmp_path)]
    kernels[0].run("%load_ext runlane", "setup")
    yield kernels
    for k in kernels:
        k.stop()
    stop_daemon(tmp_path / "runtime")


def _runs(store):
    return StoreReader(store).list_runs() if store.exists() else []


def _trials(store, sweep_id):
    return [r for r in _runs(store) if r["tags"].get("runlane.sweep") == sweep_id]


def _median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def test_a_sweep_cell_runs_its_trials_two_at_a_time_prunes_by_the_median_rule_and_is_reattached(sweep_kernel, tmp_path):
    kernel = sweep_kernel[0]
    outputs = kernel.run(SWEEP_CELL.format(x="--detach"), "cell-sweep")
    assert not [m for m in outputs if m["msg_type"] == "error"], outputs
    [sweep] = [r for r in kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    # Detached: the cell keeps a live display of the sweep (as a detached job cell's), by display id.
    live = [m for m in outputs
            if m["msg_type"] == "display_data" and m["content"].get("transient", {}).get("display_id")]
    assert live and sweep["id"] in live[0]["content"]["data"]["text/plain"], outputs
    store = kernel.store
    # The sweep belongs to the daemon: the kernel that started it goes away, a new one follows it.
    kernel.stop()
    sweep_kernel.clear()
    again = Kernel(tmp_path)
    sweep_kernel.append(again)
    again.run("%load_ext runlane", "setup")
    outputs = again.run("%runlane attach " + sweep["id"], "cell-attach", )
    shown = text_of(outputs)
    assert "Sweep done:" in shown and "Best: trial" in shown, shown
    best = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]

    result = json.loads((store / "runs" / sweep["id"] / "sweep" / "result.json").read_text())
    records = result["trials"]
    assert len(records) == 8 and sorted(r["number"] for r in records) == list(range(8))
    trials = {r["id"]: r for r in _trials(store, sweep["id"])}
    assert len(trials) == 8
    for record in records:
        run = trials[record["run_id"]]
        assert run["params"]["x"] == record["params"]["x"]  # the trial ran with its values
        assert run["status"] == {"finished": "finished", "pruned": "pruned", "failed": "failed"}[record["state"]]
    # A crashing trial fails and the sweep goes on.
    assert {r["number"] for r in records if r["state"] == "failed"} == {
        r["number"] for r in records if r["params"]["x"] == 6}
    # Its line says what happened and the exception (it ended at "Its last lines:" and named none).
    assert {r["error"] for r in records if r["state"] == "failed"} == {
        "Worker w0 exited with code 1. ValueError: x = 6 crashes"}, records
    # Pruned exactly as the median rule says (MedianPruner, 2 startup trials): at the step it was
    # stopped, a pruned trial's loss was above the median of the trials finished by then, which are
    # the first K finished ones in the order the controller told Optuna (it judges and tells in turn).
    finished_before = []
    pruned = 0
    for record in records:  # in the order the controller told Optuna
        if record["state"] == "pruned":
            pruned += 1
            run = trials[record["run_id"]]
            said = re.match(r"Pruned at step (\d+) by the median rule: loss = ([\d.]+) is worse than the median "
                            r"([\d.]+) of (\d+) finished trials at that step\.( It had reached step (\d+) when it "
                            r"stopped\.)?$", run["error"])
            assert said, run["error"]
            step, value, median, count = int(said[1]), float(said[2]), float(said[3]), int(said[4])
            # Its recorded step: the one judged, or the last it logged before the stop landed (test_sweep_verdicts.py).
            assert record["step"] == int(said[6] or step) and value == record["value"] and value > median
            assert 2 <= count <= len(finished_before) and median == _median(finished_before[:count]), records
            assert run["tags"]["runlane.pruned_step"] == str(record["step"])
        elif record["state"] == "finished":
            finished_before.append(record["value"])
    assert pruned >= 1, records
    # The best is the lowest loss of the finished trials, in the sweep run and as the attach's value.
    best_record = min((r for r in records if r["state"] == "finished"), key=lambda r: r["value"])
    assert result["best"]["run_id"] == best_record["run_id"]
    swept = next(r for r in _runs(store) if r["id"] == sweep["id"])
    assert swept["status"] == "finished"
    assert swept["params"]["sweep.best_value"] == best_record["value"]
    assert swept["params"]["sweep.sampler"] == "random" and swept["params"]["sweep.seed"] == 1
    assert swept["params"]["sweep.space"]["x"].startswith("rl.choice(")
    assert best and str(best_record["value"]) in best[0]
    # Two at a time, each on its own GPU.
    spans = []
    for run in trials.values():
        log = (store / "runs" / run["id"] / "logs" / "w0" / "stdout.log").read_text()
        gpu = log.split("gpu ", 1)[1].split()[0]
        spans.append((run["started_at"], run["ended_at"], gpu))
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:] if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, spans  # some trials did run at the same time
    assert all(a[2] != b[2] for a, b in overlapping), spans
    assert max(sum(1 for s in spans if s[0] <= t[0] < s[1]) for t in spans) <= 2, spans


def test_a_trial_waiting_for_a_free_gpu_is_said_to_be_queued_not_started(sweep_kernel):
    """Three trials at once on two GPUs: the third waits for one, and its line says so (it said
    "started" while it waited: found on a real GPU, where two trials shared one card in the cell's
    words but not in fact)."""
    kernel = sweep_kernel[0]
    cell = ("%%runlane sweep --on local --trials 3 --parallel 3 --metric loss --sampler random --seed 1 --gpus 1\n"
            "import time\nimport runlane as rl\nx = rl.uniform(0, 1)\ntime.sleep(2)\nrl.log(loss=x)\n")
    shown = text_of(kernel.run(cell, "cell-queued"))
    lines = [line for line in shown.splitlines() if re.match(r"Trial \d (started|queued):", line)]
    assert sorted(line.split(":")[0].split()[2] for line in lines) == ["queued", "started", "started"], shown
    # ... and when it gets a GPU, that it starts (a new user saw it queued, then pruned, never started).
    waited = re.search(r"Trial (\d) queued:", shown).group(1)
    assert re.search(r"^Trial %s started, after \d+ s queued\.$" % waited, shown, re.M), shown
    assert "Sweep done: 3 finished" in shown, shown


def test_cancelling_a_sweep_cancels_every_running_trial(sweep_kernel):
    from runlane.daemon_client import DaemonClient

    kernel = sweep_kernel[0]
    # Trials that run until the cancel, and none that crashes: with seed 1 trial 1 draws x = 6, which
    # crashed on its own (`failed`, rightly) whenever it got past its imports before the cancel landed.
    cell = SWEEP_CELL.replace("time.sleep(0.1)", "time.sleep(30)").replace(
        'raise ValueError("x = 6 crashes")', "pass").format(x="")
    assert "time.sleep(30)" in cell and "raise" not in cell
    msg_id = kernel.send(cell, "cell-cancel")
    store = kernel.store

    def two_running():
        sweeps = [r for r in _runs(store) if r["tags"].get("runlane.sweep.role") == "sweep"]
        running = sweeps and [t for t in _trials(store, sweeps[0]["id"]) if t["status"] == "running"]
        return sweeps[0] if running and len(running) == 2 else None

    sweep = wait_for(two_running, timeout=60)
    assert sweep, _runs(store)
    got = {}
    done = threading.Thread(target=lambda: got.update(outputs=kernel.outputs(msg_id, timeout=60)))
    done.start()
    DaemonClient.connect(str(store)).stop_run(sweep["id"])
    done.join()
    [error] = [m["content"] for m in got["outputs"] if m["msg_type"] == "error"]
    assert "Sweep %s cancelled" % sweep["id"] in "\n".join(error["traceback"])
    assert wait_for(lambda: all(t["status"] == "cancelled" for t in _trials(store, sweep["id"])), timeout=20), \
        _trials(store, sweep["id"])
    assert len(_trials(store, sweep["id"])) == 2  # no trial started after the cancel
    assert next(r for r in _runs(store) if r["id"] == sweep["id"])["status"] == "cancelled"


def test_a_bad_space_in_a_cell_is_one_sentence_before_anything_runs(sweep_kernel):
    kernel = sweep_kernel[0]
    outputs = kernel.run("%%runlane sweep --trials 2 --metric loss\nimport runlane as rl\nlr = rl.loguniform(0, 1)\n",
                         "cell-bad")
    [error] = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert error["ename"] == "SpaceError" and len(error["traceback"]) == 1, error
    assert "loguniform(0, 1): the low end must be above 0" in error["traceback"][0], error
    assert kernel.runs() == []  # no sweep run, no trial
    assert not os.path.exists(str(kernel.store / "runs")) or not os.listdir(str(kernel.store / "runs"))


@pytest.mark.parametrize("body, says", [
    ("lr = rl.loguniform(0, 1)\n", "loguniform(0, 1): the low end must be above 0"),
    ("lr = rl.lognormal(0, 1)\n", "unknown distribution 'lognormal'"),
    ("layers = rl.choice([])\n", "choice([]) has nothing to choose from"),
    ("lr = 0.1\n", "The sweep has no parameter to search"),
    ("lr = rl.uniform(0, 1)\n", "The grid sampler needs a list of values for each parameter; lr is rl.uniform("),
])
def test_a_bad_cell_space_is_one_sentence(body, says):
    from runlane.sweep.space import SpaceError, cell_space, check_space

    with pytest.raises(SpaceError) as err:
        space, _ = cell_space("import runlane as rl\n" + body)
        check_space(space, sampler="grid")
    assert says in str(err.value)


@pytest.mark.parametrize("param, command, says", [
    ("lr=loguniform(-1,1)", [], "the low end must be above 0"),
    ("lr=lognormal(1,2)", [], "unknown distribution 'lognormal'"),
    ("lr=choice()", [], "choice([]) has nothing to choose from"),
    ("lr loguniform(1e-4,1e-1)", [], "write NAME=RANGE"),
    ("lr=loguniform(1e-4,1e-1)", ["python", "train.py", "--layers", "{layers}"],
     "The command names {layers} but the sweep has no parameter 'layers'"),
])
def test_a_bad_param_text_or_command_is_one_sentence(param, command, says):
    from runlane.sweep.space import SpaceError, check_space, parse_param

    with pytest.raises(SpaceError) as err:
        check_space(dict([parse_param(param)]), command)
    assert says in str(err.value)


def test_the_text_form_reads_every_range():
    from runlane.sweep.space import fill, from_json, parse_param

    assert parse_param("lr=loguniform(1e-4,1e-1)")[1].to_json() == {"kind": "loguniform", "lo": 1e-4, "hi": 0.1}
    assert parse_param("opt=choice(adam,sgd)")[1].to_json() == {"kind": "choice", "values": ["adam", "sgd"]}
    assert parse_param("batch=intrange(16,128,log=true)")[1].to_json() == {
        "kind": "intrange", "lo": 16, "hi": 128, "log": True}
    assert parse_param("epochs=5") == ("epochs", 5)
    for text in ("lr=loguniform(1e-4,1e-1)", "opt=choice(adam,sgd)", "batch=intrange(16,128,log=true)"):
        dist = parse_param(text)[1]
        assert from_json(json.loads(json.dumps(dist.to_json()))) == dist  # the controller reads it back
    # A value with spaces or shell characters stays one argument.
    assert fill("--opt={opt}", {"opt": "a b; rm -rf /"}) == "--opt=a b; rm -rf /"


def test_a_sweep_runs_its_trials_on_an_ssh_host(ssh_host, sweep_kernel):  # noqa: F811 (the fixture)
    """Each trial is a job on the host (its cell body copied there), its metric comes back in-band."""
    kernel = sweep_kernel[0]
    cell = ("%%runlane sweep --on box --trials 2 --parallel 2 --metric loss --sampler grid --pruner none\n"
            "import os\nimport runlane as rl\nx = rl.choice([1, 2])\n"
            "print('on host in', os.getcwd(), flush=True)\nrl.log(loss=float(x))\n")
    outputs = kernel.run(cell, "cell-ssh-sweep")
    assert not [m for m in outputs if m["msg_type"] == "error"], outputs
    [sweep] = [r for r in kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    trials = _trials(kernel.store, sweep["id"])
    assert sorted(t["params"]["x"] for t in trials) == [1, 2]
    for t in trials:
        assert t["status"] == "finished" and t["metrics"]["loss"]["last"] == t["params"]["x"]
        log = (kernel.store / "runs" / t["id"] / "logs" / "w0" / "stdout.log").read_text()
        assert "on host in %s" % (ssh_host / "runs" / t["id"] / "input") in log, log
    best = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert best and "'x': 1" in best[0] and "'value': 1.0" in best[0], best


def test_a_cancelled_sweep_resumes_without_repeating_its_finished_trials(sweep_kernel, tmp_path):
    from runlane.daemon_client import DaemonClient

    kernel = sweep_kernel[0]
    hold = tmp_path / "hold"
    hold.write_text("")  # trials from the third on wait while it exists
    cell = ("%%runlane sweep --trials 4 --metric loss --sampler random --seed 3 --pruner none --detach\n"
            "import os, time\nimport runlane as rl\nx = rl.uniform(0, 1)\n"
            "while int(os.environ['RUNLANE_SWEEP_TRIAL']) >= 2 and os.path.exists(" + repr(str(hold)) + "):\n"
            "    time.sleep(0.05)\nrl.log(loss=x)\n")
    kernel.run(cell, "cell-resume")
    [sweep] = [r for r in kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep"]
    store = kernel.store
    assert wait_for(lambda: [t["status"] for t in sorted(_trials(store, sweep["id"]), key=lambda t: t["created_at"])]
                    == ["finished", "finished", "running"], timeout=60), _trials(store, sweep["id"])
    DaemonClient.connect(str(store)).stop_run(sweep["id"])
    assert wait_for(lambda: next(r for r in _runs(store) if r["id"] == sweep["id"])["status"] == "cancelled", 20)
    first = {t["id"]: t for t in _trials(store, sweep["id"])}
    hold.unlink()

    outputs = kernel.run("%runlane resume " + sweep["id"], "cell-resumed")
    shown = text_of(outputs)
    assert "Resuming: 2 of 4 trials already done." in shown, shown
    [resumed] = [r for r in kernel.runs() if r["tags"].get("runlane.sweep.role") == "sweep" and r["id"] != sweep["id"]]
    assert resumed["status"] == "finished" and resumed["params"]["sweep.resume_of"] == sweep["id"]
    result = json.loads((store / "runs" / resumed["id"] / "sweep" / "result.json").read_text())
    assert [r["state"] for r in result["trials"]] == ["finished"] * 4
    finished_first = [i for i, t in first.items() if t["status"] == "finished"]
    assert sorted(r["run_id"] for r in result["trials"][:2]) == sorted(finished_first)  # carried over, not rerun
    new = _trials(store, resumed["id"])
    assert len(new) == 2 and all(t["status"] == "finished" for t in new)  # the cancelled one ran again, and one more
    xs = [r["params"]["x"] for r in result["trials"]]
    assert len(set(xs)) == 4  # no trial's values came back twice


def test_rl_sweep_runs_a_function_as_trials_and_returns_the_best(tmp_path):
    """rl.sweep from a script: a function imported from a module (plain pickle: the trial imports it
    again) returns its metric; each trial is a job with the values as keyword arguments."""
    import subprocess
    import sys

    from daemons import stop_daemon

    (tmp_path / "objective.py").write_text("def score(x, epochs):\n    return float((x - 3) ** 2 + epochs)\n")
    (tmp_path / "search.py").write_text(
        "import json\nimport runlane as rl\nimport objective\n"
        "best = rl.sweep(objective.score, {'x': rl.choice([1, 2, 3, 4]), 'epochs': 2}, trials=4, parallel=2,\n"
        "                metric='loss', sampler='grid', pruner='none')\n"
        "print('BEST', json.dumps(best))\n")
    env = dict(os.environ, RUNLANE_DIR=str(tmp_path / "store"), RUNLANE_RUNTIME_DIR=str(tmp_path / "runtime"))
    try:
        done = subprocess.run([sys.executable, "search.py"], cwd=str(tmp_path), env=env, capture_output=True,
                              text=True, timeout=120)
    finally:
        stop_daemon(tmp_path / "runtime")
    assert done.returncode == 0, done.stdout + done.stderr
    best = json.loads(done.stdout.split("BEST ", 1)[1])
    assert best["params"] == {"x": 3, "epochs": 2} and best["value"] == 2.0, best
    [sweep] = [r for r in _runs(tmp_path / "store") if r["tags"].get("runlane.sweep.role") == "sweep"]
    trials = _trials(tmp_path / "store", sweep["id"])
    assert sorted(t["params"]["x"] for t in trials) == [1, 2, 3, 4]
    assert all(t["metrics"]["loss"]["last"] == (t["params"]["x"] - 3) ** 2 + 2 for t in trials)


def test_a_trial_without_the_metric_says_which_keys_it_logged():
    """--metric val/loss when the trials log `loss`: the trial's failure names the keys it did log.
    The daemon's answer is the seam (a run summary's `metrics`)."""
    from runlane.sweep.controller import Controller

    class Daemon:
        def request(self, method, route, body=None, query=None):
            assert (method, route) == ("GET", "/runs/20261130-120000-aaaaaa")
            return {"metrics": {"loss": {}, "acc": {}}}

    controller = Controller.__new__(Controller)
    controller.client, controller.metric = Daemon(), "val/loss"
    trial = type("Trial", (), {"run_id": "20261130-120000-aaaaaa"})()
    assert controller._no_metric(trial) == ("it logged no val/loss (it logged: acc, loss; --metric names the key "
                                            "to optimise)")

