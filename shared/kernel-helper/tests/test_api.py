import math
import os

import pytest

import runlane as rl
from runlane.errors import InvalidNameError, StoreVersionError
from runlane.store.reader import StoreReader


def only_run(store):
    [run] = StoreReader(store).list_runs()
    return run


def test_run_block_records_params_tags_metrics_and_finishes(store):
    with rl.run(name="baseline", experiment="mnist") as run:
        rl.params(lr=3e-4, layers=[64, 64], odd=float("inf"))
        rl.params({"seed": 7})
        rl.tags("baseline", team="core")
        for step in range(10):
            rl.log(loss=1.0 / (step + 1), acc=step / 10)
        rl.log(loss=float("nan"), step=100)
    got = only_run(store)
    assert got["id"] == run.id
    assert got["status"] == "finished"
    assert got["params"] == {"lr": 3e-4, "layers": [64, 64], "odd": {"$float": "Infinity"}, "seed": 7}
    assert got["tags"] == {"baseline": "", "team": "core"}
    assert got["metrics"]["loss"] == {"count": 11, "last": "NaN", "min": 0.1, "max": 1.0}
    assert got["metrics"]["acc"]["count"] == 10
    steps = [s for s, _, _ in StoreReader(store).read_points(run.id, "loss")]
    assert steps == list(range(10)) + [100]


def test_step_auto_increments_and_continues_after_an_explicit_step(store):
    with rl.run(name="steps") as run:
        rl.log(a=1)
        rl.log(a=2)
        rl.log(a=3, step=10)
        rl.log(a=4)
    assert [s for s, _, _ in StoreReader(store).read_points(run.id, "a")] == [0, 1, 10, 11]


def test_numpy_scalars_and_bools_are_numbers_other_values_are_refused(store):
    np = pytest.importorskip("numpy")
    with rl.run(name="types") as run:
        rl.log(x=np.float32(0.5), y=np.array(2.0), z=True)
        with pytest.raises(TypeError, match=r"log\(name=\.\.\.\) got str, which is not a number"):
            rl.log(name="text")
    got = only_run(store)
    assert got["metrics"]["x"]["last"] == 0.5 and got["metrics"]["z"]["last"] == 1.0


def test_failures_and_interrupts_set_the_status(store):
    with pytest.raises(ZeroDivisionError):
        with rl.run(name="boom"):
            1 / 0
    with pytest.raises(KeyboardInterrupt):
        with rl.run(name="ctrl-c"):
            raise KeyboardInterrupt
    runs = {r["name"]: r for r in StoreReader(store).list_runs()}
    assert runs["boom"]["status"] == "failed" and "ZeroDivisionError" in runs["boom"]["error"]
    assert runs["ctrl-c"]["status"] == "interrupted"


def test_hostile_names_are_refused_and_nothing_is_written(store):
    with rl.run(name="safe") as run:
        before = sorted(os.walk(store))
        for key in ["../escape", "a/../../b", "/abs", "nul\0byte", "x" * 10_000, "a//b"]:
            with pytest.raises(InvalidNameError):
                rl.log(**{key: 1.0})
        run.flush()
        assert sorted(os.walk(store)) == before
    for experiment in ["../up", "a/b", "x" * 10_000, "nul\0"]:
        with pytest.raises(InvalidNameError):
            rl.run(name="n", experiment=experiment)
    with pytest.raises(InvalidNameError):
        rl.run(name="n", id="../../etc")
    assert [r["name"] for r in StoreReader(store).list_runs()] == ["safe"]


def test_a_newer_store_is_refused_before_anything_is_written(store):
    store.mkdir(parents=True)
    (store / "runlane-store.json").write_text('{"format": "runlane-store", "version": 2}')
    with pytest.raises(StoreVersionError, match="Upgrade Runlane"):
        with rl.run(name="x"):
            pass
    assert sorted(p.name for p in store.iterdir()) == ["runlane-store.json"]


def test_log_outside_a_run_starts_a_script_run(store):
    rl.log(loss=0.5)
    run = rl.active_run()
    rl.finish()
    got = only_run(store)
    assert got["id"] == run.id and got["kind"] == "script" and got["status"] == "finished"
    assert got["experiment"] == "Default"


def test_non_finite_values_are_kept(store):
    with rl.run(name="inf"):
        rl.log(v=float("inf"))
        rl.log(v=float("-inf"))
        rl.log(v=float("nan"))
    got = only_run(store)["metrics"]["v"]
    assert got == {"count": 3, "last": "NaN", "min": "-Infinity", "max": "Infinity"}
    assert math.isnan(StoreReader(store).read_points(only_run(store)["id"], "v")[2][2])
