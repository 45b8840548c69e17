import json
import pathlib

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "test" / "fixtures"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh store that the API writes to (RUNLANE_DIR), with no active run left over."""
    from runlane import active, api

    directory = tmp_path / "store"
    monkeypatch.setenv("RUNLANE_DIR", str(directory))
    active.set_current(None)
    yield directory
    run = api.active_run()
    if run is not None and not run.finished:
        run.finish()
    active.set_current(None)


@pytest.fixture(scope="session")
def vectors():
    return json.loads((FIXTURES / "store-vectors.json").read_text(encoding="utf-8"))
