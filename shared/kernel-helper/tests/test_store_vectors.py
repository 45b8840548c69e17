"""The shared vectors and fixture stores (test/fixtures/), also read by the TypeScript tests."""
import json
import math
import struct

import pytest
from conftest import FIXTURES

from runlane.errors import InvalidNameError, StoreVersionError
from runlane.store import RUN_STATUSES, names
from runlane.store.codec import METRIC_HEADER, decode_records, encode_param, encode_records, float_json
from runlane.store.reader import StoreReader, fold_events

VALIDATORS = {
    "run_id": names.validate_run_id,
    "writer_id": names.validate_writer_id,
    "stream": names.validate_stream,
    "metric_key": names.validate_metric_key,
    "experiment": names.validate_experiment,
    "run_name": names.validate_run_name,
    "param_key": names.validate_param_key,
}


def from_json_number(v):
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else v


def test_metric_records_match_the_vectors(vectors):
    assert METRIC_HEADER.hex() == vectors["metric_header_hex"]
    for r in vectors["metric_records"]:
        value = from_json_number(r["value"])
        assert encode_records([(r["step"], r["time"], value)]).hex() == r["hex"]
        [(step, t, decoded)] = decode_records(bytes.fromhex(r["hex"]) + b"\x00" * 5)  # torn tail ignored
        assert (step, t) == (r["step"], r["time"])
        assert float_json(decoded) == r["value"]
        assert struct.pack("<d", decoded) == struct.pack("<d", value)  # keeps -0.0 too


def test_key_file_names(vectors):
    for case in vectors["metric_key_files"]:
        assert names.encode_key_file(case["key"]) == case["file"]
        assert names.decode_key_file(case["file"]) == case["key"]


@pytest.mark.parametrize("kind", sorted(VALIDATORS))
def test_names(vectors, kind):
    for name in vectors["valid"][kind]:
        assert VALIDATORS[kind](name) == name
    for name in vectors["invalid"][kind]:
        with pytest.raises(InvalidNameError, match=r"^Invalid .+: .+\.$"):
            VALIDATORS[kind](name)


def test_event_folding(vectors):
    for case in vectors["fold"]:
        ordered = [(w, i, e) for w, lines in case["files"].items() for i, e in enumerate(lines)]
        ordered.sort(key=lambda x: (x[2]["t"], x[0], x[1]))
        folded = fold_events(ordered)
        for field, value in case["expected"].items():
            assert folded[field] == value, (case["about"], field)


def test_run_statuses_match_the_vectors(vectors):
    """One list of statuses on both sides (protocol's RUN_STATUSES is checked against the same list)."""
    assert list(RUN_STATUSES) == vectors["statuses"]
    for status in vectors["statuses"]:
        folded = fold_events([("w-1", 0, {"t": 1.0, "type": "status", "status": "finished"}),
                              ("w-1", 1, {"t": 2.0, "type": "status", "status": status})])
        # A derived status is only ever computed by readers: an event naming it is ignored.
        want = "finished" if status in vectors["derived_statuses"] else status
        assert folded["status"] == want, status


def test_param_encoding(vectors):
    for case in vectors["param_values"]:
        assert encode_param(eval(case["python"])) == case["json"]


def test_writer_ranks(vectors):
    for case in vectors["writer_ranks"]:
        assert names.writer_rank(case["writer"]) == case["rank"], case["writer"]


def test_ranks_fixture_summarises_rank_0_and_reads_each_rank_apart(vectors):
    case = vectors["ranks"]
    reader = StoreReader(FIXTURES / case["store"])
    assert reader.get_run(case["run"]) == case["summary"]
    for key, by_rank in case["series"].items():
        for which, want in by_rank.items():
            rank = None if which == "primary" else int(which)
            points = reader.read_points(case["run"], key, rank)
            got = [{"step": s, "time": t, "value": float_json(v)} for s, t, v in points]
            assert got == want, (key, which)


def test_fixture_store_v1_reads_as_expected():
    expected = json.loads((FIXTURES / "store-v1.expected.json").read_text(encoding="utf-8"))
    warnings = []
    reader = StoreReader(FIXTURES / "store-v1", warn=warnings.append)
    assert reader.list_runs() == expected["runs"]
    assert any("not a run.." in w for w in warnings)
    points = expected["points"]
    for key, want in points["series"].items():
        got = [{"step": s, "time": t, "value": float_json(v)} for s, t, v in reader.read_points(points["run"], key)]
        assert got == want
    for stream, hex_bytes in points["logs"].items():
        writer, name = stream.split("/")
        assert reader.read_log(points["run"], writer, name).hex() == hex_bytes


def test_newer_store_version_is_refused_naming_both_versions():
    with pytest.raises(StoreVersionError, match=r"format version 99, but this Runlane reads up to version 1\. Upgrade"):
        StoreReader(FIXTURES / "store-v99")


def test_a_metric_summary_beside_a_metric_file_is_ignored():
    """docs/store-format.md "Metric summaries": the Python reader does not know `<key>.rlm.summary`."""
    expected = json.loads((FIXTURES / "store-summary.expected.json").read_text(encoding="utf-8"))
    warnings = []
    reader = StoreReader(FIXTURES / "store-summary", warn=warnings.append)
    assert reader.read_run(expected["run"])["metrics"] == {"loss": expected["metric_summary"]}
    full = next(r for r in expected["reads"] if r["target"] >= r["total"] and r["from_step"] is None)
    assert [float_json(v) for _, _, v in reader.read_points(expected["run"], "loss")] == full["values"]
    assert warnings == []
