"""The Python writer against docs/store-format.md, byte for byte, and the reader on broken files."""
import hashlib
import json
import math
import os
import re
import struct

import pytest

from runlane.errors import InvalidNameError
from runlane.store import writer as writer_module
from runlane.store.reader import StoreReader
from runlane.store.writer import StoreWriter, new_run_id, new_writer_id


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def test_ids_have_the_documented_shape():
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", new_run_id())
    assert re.fullmatch(r"%d-[0-9a-f]{8}" % os.getpid(), new_writer_id())


def test_a_written_run_has_exactly_the_documented_files_and_bytes(tmp_path):
    w = StoreWriter(tmp_path)
    run_id = w.create_run("first", "exp", "script", source="print('hi')\n")
    w.set_status(run_id, "running")
    w.set_params(run_id, {"lr": 0.1, "bad": float("nan"), "obj": object, "long": "x" * 70_000})
    w.set_tags(run_id, {"team": "core", "gone": None})
    w.append_metric(run_id, "train/loss", [(0, 10.0, 0.5), (1, 11.0, float("-inf"))])
    w.append_log(run_id, "stdout", b"caf\xe9 \xff\n")  # not UTF-8: kept as it is
    w.append_log(run_id, "stdout", "more\n")
    w.write_env(run_id, {"python": "3.x"})
    w.set_status(run_id, "finished")
    w.close_run_files(run_id)

    writer_id = w.writer_id
    run = "runs/%s/" % run_id
    assert files_under(tmp_path) == sorted([
        ".gitignore", "runlane-store.json", run + "meta.json", run + "source.py", run + "env.json",
        run + "events/%s.jsonl" % writer_id,
        run + "metrics/%s/train%%2Floss.rlm" % writer_id,
        run + "logs/%s/stdout.log" % writer_id,
    ])  # no .tmp- file left behind
    assert json.loads((tmp_path / "runlane-store.json").read_text()) == {"format": "runlane-store", "version": 1}

    meta = json.loads((tmp_path / run / "meta.json").read_text())
    assert set(meta) == {"id", "name", "experiment", "created_at", "kind", "writer", "host", "pid", "notebook",
                         "cell_id", "source_sha256", "execution_count"}
    assert (meta["id"], meta["name"], meta["experiment"], meta["kind"]) == (run_id, "first", "exp", "script")
    assert meta["writer"] == writer_id and meta["pid"] == os.getpid()
    assert meta["source_sha256"] == hashlib.sha256(b"print('hi')\n").hexdigest()

    lines = (tmp_path / run / "events" / (writer_id + ".jsonl")).read_bytes().split(b"\n")
    assert lines[-1] == b""  # every line ends in \n
    events = [json.loads(line) for line in lines[:-1]]
    assert events[0]["type"] == "hello" and events[0]["pid"] == os.getpid()
    assert [e["type"] for e in events] == ["hello", "status", "params", "tags", "status"]
    params = events[2]["params"]
    assert params["bad"] == {"$float": "NaN"} and params["obj"] == "<class 'object'>"
    assert params["long"] == "x" * 65_536 + "…"
    assert all(isinstance(e["t"], float) for e in events)

    data = (tmp_path / run / "metrics" / writer_id / "train%2Floss.rlm").read_bytes()
    assert data == b"RLM1\0\0\0\0" + struct.pack("<qdd", 0, 10.0, 0.5) + struct.pack("<qdd", 1, 11.0, -math.inf)
    assert (tmp_path / run / "logs" / writer_id / "stdout.log").read_bytes() == b"caf\xe9 \xff\nmore\n"

    got = StoreReader(tmp_path).get_run(run_id)
    assert got["status"] == "finished" and got["tags"] == {"team": "core"}
    assert got["metrics"]["train/loss"] == {"count": 2, "last": "-Infinity", "min": "-Infinity", "max": 0.5}


def test_surrogate_escaped_text_is_written_back_as_the_original_bytes(tmp_path):
    w = StoreWriter(tmp_path)
    run_id = w.create_run("bytes", "exp", "script")
    w.append_log(run_id, "stderr", b"\xfe\xff ok".decode("utf-8", "surrogateescape"))
    w.close_run_files(run_id)
    [(writer, stream)] = StoreReader(tmp_path).log_streams(run_id)
    assert StoreReader(tmp_path).read_log(run_id, writer, stream) == b"\xfe\xff ok"


def test_a_torn_metric_tail_and_a_torn_event_line_are_ignored(tmp_path):
    w = StoreWriter(tmp_path)
    run_id = w.create_run("torn", "exp", "script")
    w.set_status(run_id, "running")
    w.append_metric(run_id, "loss", [(0, 1.0, 0.5), (1, 2.0, 0.25)])
    w.close_run_files(run_id)
    run_dir = tmp_path / "runs" / run_id
    with open(run_dir / "metrics" / w.writer_id / "loss.rlm", "ab") as f:
        f.write(struct.pack("<qdd", 2, 3.0, 0.125)[:17])  # a crash mid-record
    with open(run_dir / "events" / (w.writer_id + ".jsonl"), "ab") as f:
        f.write(b'{"t": 99.0, "type": "status", "status": "fini')  # a crash mid-line
    warnings = []
    got = StoreReader(tmp_path, warn=warnings.append).get_run(run_id)
    assert got["status"] == "running" and got["metrics"]["loss"]["count"] == 2
    assert StoreReader(tmp_path).read_points(run_id, "loss") == [(0, 1.0, 0.5), (1, 2.0, 0.25)]
    assert warnings == []  # a torn tail is normal, not worth a warning


def test_a_corrupt_line_in_the_middle_is_skipped_with_a_warning(tmp_path):
    w = StoreWriter(tmp_path)
    run_id = w.create_run("corrupt", "exp", "script")
    w.set_status(run_id, "running")
    w.close_run_files(run_id)
    with open(tmp_path / "runs" / run_id / "events" / (w.writer_id + ".jsonl"), "ab") as f:
        f.write(b"\x00garbage\n" + json.dumps({"t": 1e10, "type": "status", "status": "failed"}).encode() + b"\n")
    warnings = []
    assert StoreReader(tmp_path, warn=warnings.append).get_run(run_id)["status"] == "failed"
    assert len(warnings) == 1 and "not JSON" in warnings[0]


@pytest.mark.parametrize("call", [
    lambda w, r: w.create_run("ok", "exp", "script", run_id="../../escape"),
    lambda w, r: w.create_run("ok", "exp", "script", run_id="a/b"),
    lambda w, r: w.create_run("ok", "exp", "script", run_id="x" * 10_000),
    lambda w, r: w.create_run("ok", "../up", "script"),
    lambda w, r: w.create_run("ok", "a\\b", "script"),
    lambda w, r: w.create_run("nul\0name", "exp", "script"),
    lambda w, r: w.create_run("n" * 10_000, "exp", "script"),
    lambda w, r: w.append_log(r, "../stdout", b"x"),
    lambda w, r: w.append_log(r, "a/b", b"x"),
    lambda w, r: w.append_log(r, "nul\0", b"x"),
    lambda w, r: w.set_params(r, {"nul\0key": 1}),
    lambda w, r: w.set_params(r, {"k" * 10_000: 1}),
    lambda w, r: w.set_tags(r, {"bad\ntag": "x"}),
    lambda w, r: w.set_name(r, "line\nbreak"),
    lambda w, r: w.set_status("../" + r, "running"),
])
def test_hostile_names_are_refused_before_anything_is_written(tmp_path, call):
    w = StoreWriter(tmp_path)
    run_id = w.create_run("victim", "exp", "script")
    before = files_under(tmp_path.parent)
    with pytest.raises(InvalidNameError) as err:
        call(w, run_id)
    assert files_under(tmp_path.parent) == before
    message = str(err.value)
    assert message.startswith("Invalid ") and ("use " in message or "not allowed" in message or "no " in message)


def test_many_metric_keys_do_not_exhaust_file_descriptors(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_module, "MAX_OPEN_FILES", 8)
    w = StoreWriter(tmp_path)
    run_id = w.create_run("wide", "exp", "script")
    for round_ in range(3):
        for k in range(40):
            w.append_metric(run_id, "k%d" % k, [(round_, 1.0, float(k))])
    assert len(w._files) <= 8
    w.close_run_files(run_id)
    metrics = StoreReader(tmp_path).get_run(run_id)["metrics"]
    assert len(metrics) == 40 and all(m["count"] == 3 for m in metrics.values())
    header_count = (tmp_path / "runs" / run_id / "metrics" / w.writer_id / "k0.rlm").read_bytes().count(b"RLM1")
    assert header_count == 1  # a reopened file gets no second header


def test_a_store_without_a_marker_is_version_1_and_gets_one(tmp_path):
    (tmp_path / "runs").mkdir()
    StoreWriter(tmp_path)
    assert json.loads((tmp_path / "runlane-store.json").read_text())["version"] == 1


def test_a_job_worker_writes_under_its_rank_and_readers_keep_ranks_apart(tmp_path, monkeypatch):
    # What every target gives a job's workers (shared/core/src/jobs/*Workers.ts): the run id and RANK.
    monkeypatch.setenv("RUNLANE_RUN_ID", "20261102-090000-eeeeee")
    writers = {}
    for rank in ("0", "1"):
        monkeypatch.setenv("RANK", rank)
        writers[rank] = w = StoreWriter(tmp_path)
        assert re.fullmatch(r"r%s-%d-[0-9a-f]{8}" % (rank, os.getpid()), w.writer_id)
    run_id = writers["0"].create_run("two ranks", "jobs", "job", run_id="20261102-090000-eeeeee")
    writers["0"].append_metric(run_id, "loss", [(0, 1.0, 3.0), (1, 2.0, 2.0)])
    writers["1"].append_metric(run_id, "loss", [(0, 1.5, 30.0), (1, 2.5, 20.0)])  # flushed last
    reader = StoreReader(tmp_path)
    run = reader.get_run(run_id)
    assert run["ranks"] == [0, 1]
    assert run["metrics"]["loss"] == {"count": 2, "last": 2.0, "min": 2.0, "max": 3.0}
    assert [v for _, _, v in reader.read_points(run_id, "loss")] == [3.0, 2.0]
    assert [v for _, _, v in reader.read_points(run_id, "loss", rank=1)] == [30.0, 20.0]


def test_only_a_job_worker_has_a_rank(monkeypatch):
    monkeypatch.delenv("RUNLANE_RUN_ID", raising=False)
    monkeypatch.setenv("RANK", "3")  # torchrun outside Runlane: an ordinary script's writer
    assert writer_module.job_worker_rank() is None
    monkeypatch.setenv("RUNLANE_RUN_ID", "20261102-090000-eeeeee")
    assert writer_module.job_worker_rank() == 3
    for bad in ("", "-1", "one", "٣", "1234567890"):
        monkeypatch.setenv("RANK", bad)
        assert writer_module.job_worker_rank() is None, bad


def test_a_new_store_is_ignored_by_git(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "train.py").write_text("print(1)\n")
    writer = StoreWriter(str(tmp_path / ".runlane"))
    run_id = writer.create_run(name="x", experiment="e", kind="script", source="print(1)\n")
    writer.append_log(run_id, "stdout", b"hi\n")
    writer.close_run_files(run_id)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    assert status.strip().splitlines() == ["?? train.py"]
