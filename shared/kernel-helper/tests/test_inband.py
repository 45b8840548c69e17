"""In-band metric records: the shared vectors (test/fixtures/inband-vectors.json, also read by the
TypeScript demux) for encoding and for taking records out of a stream cut anywhere."""
import json
import os

import pytest

from runlane import inband
from runlane.notebook.worker_output import CellLines, label

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


def _pushes(case, one_byte_each):
    """The case's pushes as (writer, stream, bytes), each cut into single bytes when asked."""
    for p in case["pushes"]:
        data = bytes.fromhex(p["hex"]) if "hex" in p else p["text"].encode("utf-8")
        if "repeat" in p:
            data = b"".join(data.replace(b"{i}", str(i).encode()) for i in range(p["repeat"]))
        if one_byte_each:
            for i in range(len(data)):
                yield p["writer"], p["stream"], data[i:i + 1]
        else:
            yield p["writer"], p["stream"], data


def _lines(entries):
    out = []
    for e in entries:
        if isinstance(e, str):
            out.append(e)
        else:
            out += [e["line"].replace("{i}", str(i)) for i in range(e["from"], e["to"] + 1)]
    return out


@pytest.mark.parametrize("one_byte_each", [False, True], ids=["as given", "one byte a push"])
@pytest.mark.parametrize("case", VECTORS["cell"], ids=lambda c: c["name"])
def test_cell_vectors(case, one_byte_each):
    cell = CellLines()
    for writer, stream, data in _pushes(case, one_byte_each):
        cell.push(writer, stream, data)
    if case["end"]:
        cell.end()
    shown = [[label(w, s, colour=False) + text for w, s, text in lines] for lines in (cell.head, cell.tail)]
    assert shown[0] == _lines(case["head"])
    assert cell.hidden == case["hidden"]
    assert shown[1] == _lines(case["tail"])
    assert [list(item) for item in cell.live.items()] == case["live"]
