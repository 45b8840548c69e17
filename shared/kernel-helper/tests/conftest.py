import json
import os
import pathlib
import subprocess

import pytest
from ray_engine import ray_head  # noqa: F401 (a real Ray head; see ray_engine.py)

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "test" / "fixtures"
# System metrics (runlane/system.py) are off in tests unless a test turns them on: a run that lasts
# longer than a sampling interval would otherwise hold system/* keys that tests of other features count.
os.environ.setdefault("RUNLANE_SYSTEM_METRICS", "0")


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


@pytest.fixture
def job_kernel(tmp_path, monkeypatch):
    """A real kernel (kernels.py) whose jobs go to a daemon of its own (its runtime folder in tmp_path)."""
    pytest.importorskip("jupyter_client")
    from daemons import stop_daemon
    from kernels import Kernel

    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    k = Kernel(tmp_path)
    k.run("%load_ext runlane", "setup")
    yield k
    k.stop()
    stop_daemon(tmp_path / "runtime")


@pytest.fixture
def cli(tmp_path):
    """The `runlane` CLI (the built core under Node) on a store in tmp_path, with a daemon of its own."""
    from daemons import BIN, NODE, stop_daemon

    runtime = tmp_path / "runtime"
    store = tmp_path / ".runlane"
    env = dict(os.environ, RUNLANE_RUNTIME_DIR=str(runtime), RUNLANE_DIR="")
    env.pop("RUNLANE_RUN_ID", None)

    def run(*args):
        done = subprocess.run([NODE, str(BIN), *args, "--dir", str(store)], cwd=str(tmp_path), env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run.store = store
    yield run
    stop_daemon(runtime)
