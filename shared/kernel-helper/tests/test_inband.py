"""In-band metric records: the shared vectors (test/fixtures/inband-vectors.json, also read by the
TypeScript demux) for encoding and for taking records out of a stream cut anywhere."""
import json
import os

import pytest

from runlane import inband

VECTORS = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures",
                                      "inband-vectors.json")))


@pytest.mark.parametrize("case", VECTORS["demux"], ids=lambda c: c["name"])
def test_demux_vectors(case):
    demux = inband.Demux()
    text, records = "", []
    for chunk in case["chunks"]:
        shown, found = demux.push(chunk)
        text += shown
        records += found
    assert text == case["text"]
    assert records == case["records"]
    assert demux.end() == case["end"]


@pytest.mark.parametrize("case", VECTORS["encode"], ids=lambda c: c["key"])
def test_encode_vectors(case):
    points = [(s, t, float(v) if isinstance(v, str) else v) for s, t, v in case["points"]]
    assert inband.encode_record(case["key"], points).decode("utf-8") == case["line"]
