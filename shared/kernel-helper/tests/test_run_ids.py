"""`%runlane attach f9e015`: the magics take the short id the editors show, or a unique 4+ character
part of an id's start or end, as the `runlane` command line does; an ambiguous one is a usage error
naming the runs. On a real store folder, through an in-process IPython shell."""
import sys

import pytest

from runlane.notebook.run_ids import AmbiguousRunId, resolve_run_id

IDS = ["20261130-151532-f9e015", "20261130-151600-f9e016", "20261130-151532-a6691b", "20261130-151532-a6691b-b3"]


@pytest.fixture
def store(tmp_path):
    for run_id in IDS + [".x.tmp-1-2"]:
        (tmp_path / "store" / "runs" / run_id).mkdir(parents=True)
    return tmp_path / "store"


def test_the_short_id_a_prefix_or_the_full_id_names_one_run(store):
    assert resolve_run_id(store, "f9e015") == "20261130-151532-f9e015"
    assert resolve_run_id(store, "a6691b-b3") == "20261130-151532-a6691b-b3"  # a sweep block, as the editors show it
    assert resolve_run_id(store, "a6691b") == "20261130-151532-a6691b"
    assert resolve_run_id(store, "20261130-1516") == "20261130-151600-f9e016"
    assert resolve_run_id(store, "20261130-151532-a6691b") == "20261130-151532-a6691b"  # exact, though a prefix of b3's
    assert resolve_run_id(store, "e01") == "e01"  # under 4 characters: left for the lookup to refuse
    assert resolve_run_id(store, "nowhere") == "nowhere"
    assert resolve_run_id(store.parent / "none", "f9e015") == "f9e015"


def test_an_ambiguous_part_names_the_runs_and_says_what_to_do(store):
    with pytest.raises(AmbiguousRunId) as err:
        resolve_run_id(store, "20261130-1515")
    assert str(err.value) == ('"20261130-1515" matches 3 runs (20261130-151532-a6691b, 20261130-151532-a6691b-b3, '
                              '20261130-151532-f9e015). Give more characters of the run id (`runlane ls` lists them).')
    for i in range(4):
        (store / "runs" / ("20261201-00000%d-abcdef" % i)).mkdir()
    eight = r"^\"2026\" matches 8 runs \(20261130-151532-a6691b, .*, 20261201-000000-abcdef and 3 more\)\. "
    with pytest.raises(AmbiguousRunId, match=eight):
        resolve_run_id(store, "2026")


def test_attach_with_an_ambiguous_part_is_a_usage_error_naming_the_runs(store, monkeypatch):
    IPython = pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    saved = (sys.displayhook, sys.excepthook, sys.stdout, sys.stderr)
    monkeypatch.setenv("RUNLANE_DIR", str(store))
    sh = InteractiveShell.instance()
    try:
        sh.run_line_magic("load_ext", "runlane")
        usage = IPython.core.error.UsageError
        with pytest.raises(usage, match=r'^runlane: "20261130-1515" matches 3 runs .*Give more characters'):
            sh.run_line_magic("runlane", "attach 20261130-1515")
        with pytest.raises(usage, match=r"matches 2 runs \(20261130-151532-a6691b, 20261130-151532-a6691b-b3\)"):
            sh.run_line_magic("runlane", "resume 20261130-151532-a669")
        sh.run_line_magic("unload_ext", "runlane")
    finally:
        InteractiveShell.clear_instance()
        sys.displayhook, sys.excepthook, sys.stdout, sys.stderr = saved
