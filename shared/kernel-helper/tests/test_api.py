import math
import os
import struct
import sys
import threading
import time

import pytest

import runlane as rl
from runlane.errors import InvalidNameError, StoreVersionError
from runlane.flusher import FLUSH_INTERVAL
from runlane.store.reader import StoreReader


def rl_last_run_id(store):
    return StoreReader(store).list_runs()[0]["id"]


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
    class ZeroDimTensor:  # what torch's 0-d tensors offer: __float__
        def __float__(self):
            return 4.5

    with rl.run(name="types"):
        rl.log(x=np.float32(0.5), y=np.array(2.0), z=True, i=np.int64(3), t=ZeroDimTensor())
        with pytest.raises(TypeError, match=r"log\(name=\.\.\.\) got str, which is not a number"):
            rl.log(name="text")
        with pytest.raises(TypeError, match=r"log\(vec=\.\.\.\) got ndarray"):
            rl.log(vec=np.array([1.0, 2.0]))
    last = {k: m["last"] for k, m in only_run(store)["metrics"].items()}
    assert last == {"x": 0.5, "y": 2.0, "z": 1.0, "i": 3.0, "t": 4.5}


def test_failures_and_interrupts_set_the_status(store):
    with pytest.raises(ZeroDivisionError):
        with rl.run(name="boom"):
            _ = 1 / 0
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


def test_text_and_other_non_numbers_are_refused_naming_the_key(store):
    with rl.run(name="refuse"):
        for bad in ["0.5", b"1", None, [1.0], {"a": 1}, 1j, 10 ** 400]:
            with pytest.raises(TypeError, match=r"runlane\.log\(bad=\.\.\.\) got \w+, which is not a number"):
                rl.log(bad=bad)
        with pytest.raises(TypeError, match="a step is a whole number"):
            rl.log(x=1.0, step=1.5)
        with pytest.raises(ValueError, match="64-bit"):
            rl.log(x=1.0, step=2 ** 63)
        rl.log(x=1.0, step=2.0)  # a float that is a whole number is a step
        with pytest.raises(TypeError):
            rl.log(x=5.0, y="five")  # all of a call or none of it: x is not logged either
        rl.log(x=1.0)
    assert only_run(store)["metrics"] == {"x": {"count": 2, "last": 1.0, "min": 1.0, "max": 1.0}}
    assert [s for s, _, _ in StoreReader(store).read_points(rl_last_run_id(store), "x")] == [2, 3]


def test_logging_to_a_finished_run_is_an_error_and_the_module_api_starts_a_new_run(store):
    with rl.run(name="done") as run:
        rl.log(a=1)
    with pytest.raises(rl.RunlaneError, match="has finished"):
        run.log(a=2)
    assert rl.active_run() is None
    rl.log(a=3)
    assert rl.active_run() is not None and rl.active_run().id != run.id
    rl.finish()
    assert len(StoreReader(store).list_runs()) == 2


def test_a_run_id_of_an_ended_run_resumes_it(store):
    with rl.run(name="first", params={"lr": 0.1}, tags=["a"]) as first:
        rl.log(loss=1.0)
    with pytest.raises(ValueError):
        with rl.run(id=first.id) as again:
            rl.log(loss=0.5)
            assert StoreReader(store).get_run(first.id)["status"] == "running"
            raise ValueError("second attempt fails")
    got = only_run(store)
    assert again.id == first.id and got["status"] == "failed" and "second attempt fails" in got["error"]
    assert got["metrics"]["loss"]["count"] == 2 and got["params"] == {"lr": 0.1} and got["tags"] == {"a": ""}


def test_attaching_to_a_run_another_live_process_runs_leaves_its_status_alone(store):
    from runlane import tracking

    owner = tracking.start_run(str(store), "owner", "Default", "script")
    with rl.run(id=owner.id) as helper:
        assert helper.attached
        rl.log(v=1.0)
    assert StoreReader(store).get_run(owner.id)["status"] == "running"
    owner.log(v=2.0)
    owner.finish()
    got = StoreReader(store).get_run(owner.id)
    assert got["status"] == "finished" and got["metrics"]["v"]["count"] == 2


def test_sys_exit_0_finishes_and_sys_exit_1_fails(store):
    with pytest.raises(SystemExit):
        with rl.run(name="exit0"):
            raise SystemExit(0)
    with pytest.raises(SystemExit):
        with rl.run(name="exit1"):
            raise SystemExit(1)
    runs = {r["name"]: r["status"] for r in StoreReader(store).list_runs()}
    assert runs == {"exit0": "finished", "exit1": "failed"}


def test_records_stay_in_logged_order_while_threads_log_and_flush(store):
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so flushes interleave
    try:
        _log_while_flushing(store)
    finally:
        sys.setswitchinterval(previous)


def _log_while_flushing(store):
    with rl.run(name="order") as run:
        done = threading.Event()

        def flush_hard():
            while not done.is_set():
                run.flush()

        flushers = [threading.Thread(target=flush_hard) for _ in range(3)]
        for t in flushers:
            t.start()
        for i in range(20_000):
            run.log(x=float(i), step=i)
        done.set()
        for t in flushers:
            t.join()
    [writer] = os.listdir(store / "runs" / run.id / "metrics")
    raw = (store / "runs" / run.id / "metrics" / writer / "x.rlm").read_bytes()[8:]
    assert [s for s, _, _ in struct.iter_unpack("<qdd", raw)] == list(range(20_000))


def test_the_flush_thread_writes_within_a_few_intervals_without_finish(store):
    with rl.run(name="live") as run:
        start = time.time()
        rl.log(v=1.0)
        while time.time() - start < 2 and not StoreReader(store).read_points(run.id, "v"):
            time.sleep(0.002)
        assert time.time() - start < 20 * FLUSH_INTERVAL + 0.1  # on disk long before finish()
        assert StoreReader(store).read_points(run.id, "v")[0][2] == 1.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_logs_through_its_own_writer_and_leaves_the_status_to_the_parent(store):
    with rl.run(name="forked") as run:
        rl.log(v=1.0)
        pid = os.fork()
        if pid == 0:  # the child: log into the inherited run, then exit without atexit
            try:
                rl.log(v=2.0)
                rl.params(child=True)
                rl.active_run().finish()  # attached in the child: flushes, writes no status
            finally:
                os._exit(0)
        assert os.waitpid(pid, 0)[1] == 0
        rl.log(v=3.0)
    got = only_run(store)
    assert got["status"] == "finished" and got["params"] == {"child": True}
    assert sorted(v for _, _, v in StoreReader(store).read_points(run.id, "v")) == [1.0, 2.0, 3.0]
    assert len(os.listdir(store / "runs" / run.id / "metrics")) == 2  # one folder per writer


def test_active_run_follows_nested_blocks(store):
    assert rl.active_run() is None
    with rl.run(name="a") as run:
        assert rl.active_run() is run
        with rl.run(name="inner") as inner:
            assert rl.active_run() is inner
        assert rl.active_run() is run
    assert rl.active_run() is None


def test_cell_history_of_an_unknown_store_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLANE_DIR", str(tmp_path / "nothing-here"))
    assert rl.cell_history("/nb.ipynb", "cell") == []
    assert not (tmp_path / "nothing-here").exists()


def test_artifacts_are_copied_into_the_run_files_and_folders(store, tmp_path):
    model = tmp_path / "model.bin"
    model.write_bytes(b"\x00\x01weights")
    plots = tmp_path / "plots"
    (plots / "deep").mkdir(parents=True)
    (plots / "loss.svg").write_text("<svg/>")
    (plots / "deep" / "acc.svg").write_text("<svg>acc</svg>")
    with rl.run(name="with files") as run:
        assert rl.artifact(model) == "model.bin"
        assert rl.artifact(str(plots), name="figures/v1") == "figures/v1"
        with pytest.raises(InvalidNameError):
            rl.artifact(model, name="../escape.bin")
        with pytest.raises(FileNotFoundError):
            rl.artifact(tmp_path / "missing.txt")
    folder = os.path.join(store, "runs", run.id, "artifacts")
    found = sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, files in os.walk(folder) for f in files)
    assert found == ["figures/v1/deep/acc.svg", "figures/v1/loss.svg", "model.bin"]
    with open(os.path.join(folder, "model.bin"), "rb") as f:
        assert f.read() == b"\x00\x01weights"
    assert not os.path.exists(os.path.join(store, "runs", "escape.bin"))
