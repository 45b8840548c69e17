"""A run's note: `rl.note()` writes a `note` event that both readers fold (last wins); `runlane note`
and `runlane restore` work on the store through the daemon."""
import json
import os

import pytest

import runlane as rl
from runlane.errors import InvalidNameError
from runlane.store.reader import StoreReader


def events_of(store, run_id):
    folder = os.path.join(store, "runs", run_id, "events")
    return [json.loads(line) for name in sorted(os.listdir(folder))
            for line in open(os.path.join(folder, name), encoding="utf-8") if line.strip()]


def test_a_note_is_written_as_an_event_and_the_last_one_wins(store):
    with rl.run(name="noted") as run:
        rl.note("lr too high?\n<b>try</b> 3e-4\ttabbed")
        run.note("second thoughts")
    [got] = StoreReader(store).list_runs()
    assert got["note"] == "second thoughts"
    notes = [e["note"] for e in events_of(store, run.id) if e["type"] == "note"]
    assert notes == ["lr too high?\n<b>try</b> 3e-4\ttabbed", "second thoughts"]


def test_none_or_empty_clears_the_note_and_a_run_without_one_has_no_note_field(store):
    with rl.run(name="cleared") as run:
        rl.note("temporary")
        rl.note(None)
    assert "note" not in StoreReader(store).get_run(run.id)
    with rl.run(name="plain") as plain:
        rl.log(loss=1.0)
    assert "note" not in StoreReader(store).get_run(plain.id)
    with rl.run(name="emptied") as emptied:
        rl.note("x")
        rl.note("")
    assert "note" not in StoreReader(store).get_run(emptied.id)


def test_a_bad_note_raises_and_writes_nothing(store):
    with rl.run(name="refused") as run:
        with pytest.raises(InvalidNameError, match="control character or NUL"):
            rl.note("a\x00b")
        with pytest.raises(InvalidNameError, match="100001 characters long"):
            rl.note("x" * 100001)
        with pytest.raises(InvalidNameError, match="must be text"):
            rl.note(42)
    assert [e for e in events_of(store, run.id) if e["type"] == "note"] == []


def test_the_cli_reads_notes_the_helper_wrote_and_sets_and_restores_through_the_daemon(cli, monkeypatch):
    """Both readers agree on a note, and the CLI's edits land in the store (read back by Python)."""
    monkeypatch.setenv("RUNLANE_DIR", str(cli.store))
    with rl.run(name="from python") as run:
        rl.note("written by rl.note")
    [listed] = json.loads(cli("ls", "--json"))
    assert listed["note"] == "written by rl.note"
    assert "written by rl.note" in cli("show", run.id)

    assert "Noted on" in cli("note", run.id, "set from the CLI")
    assert StoreReader(str(cli.store)).get_run(run.id)["note"] == "set from the CLI"
    assert "Cleared the note" in cli("note", run.id, "")
    assert "note" not in StoreReader(str(cli.store)).get_run(run.id)

    os.makedirs(os.path.join(cli.store, "trash"))
    os.rename(os.path.join(cli.store, "runs", run.id), os.path.join(cli.store, "trash", run.id))
    assert "Restored %s" % run.id in cli("restore", run.id)
    assert StoreReader(str(cli.store)).get_run(run.id)["name"] == "from python"
