"""`import runlane` is paid by every script, cell and sweep trial, and a process's first rl.log by every
one that logs (docs/python-helper.md has the figures). Checked by what gets imported, in a fresh
interpreter, not by the clock: a count of modules does not depend on how loaded the machine is."""
import json
import os
import subprocess
import sys

import runlane

LIST_MODULES = "import sys; print(__import__('json').dumps(sorted(sys.modules)))"


def _modules_after(code, env=None):
    out = subprocess.run([sys.executable, "-c", code + "\n" + LIST_MODULES], capture_output=True, text=True,
                         check=True, env=dict(os.environ, **(env or {})))
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_runlane_imports_none_of_its_submodules_until_a_name_is_used():
    before = _modules_after("")
    after = _modules_after("import runlane")
    assert {m for m in after - before if m.startswith("runlane")} == {"runlane", "runlane.sweep"}
    # Nor the standard library's heavier modules (the space's parser, the writer's and the sampler's).
    assert not {"ast", "json", "subprocess", "shutil", "socket", "threading"} & (after - before)


def test_the_public_api_is_the_same_names_resolved_on_first_use(tmp_path):
    for name in runlane.__all__:
        assert callable(getattr(runlane, name)), name
    assert set(runlane.__all__) <= set(dir(runlane))
    assert runlane.sweep.__module__ == "runlane.sweep"  # the function, not the subpackage
    assert runlane.log is runlane.api.log and runlane.RunlaneError is runlane.errors.RunlaneError
    code = ("from runlane import *\nimport runlane.sweep.controller\nimport runlane as rl\n"
            "assert callable(sweep) and rl.sweep is sweep and loguniform(1e-3, 1e-1).kind == 'loguniform'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    try:
        runlane.no_such_name  # noqa: B018 (the attribute lookup is the test)
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("runlane.no_such_name resolved")


def test_a_job_workers_first_log_imports_only_what_logging_needs(tmp_path):
    """The first rl.log of a job's worker (each sweep trial's): its run, its writer, its flush and
    sampling threads; not the modules only a run's end, an artifact or a GPU sample needs."""
    from runlane.store.writer import StoreWriter

    store = tmp_path / "store"
    run_id = StoreWriter(str(store)).create_run("trial", "e", "job")
    env = {"RUNLANE_DIR": str(store), "RUNLANE_RUN_ID": run_id, "RANK": "0"}
    loaded = _modules_after("import runlane as rl\nrl.log(loss=1.0)", env)
    assert {"runlane.tracking", "runlane.store.writer", "runlane.flusher"} <= loaded
    heavy = {"shutil", "subprocess", "socket", "traceback", "hashlib", "secrets", "datetime", "ast",
             "runlane.system_gpu", "runlane.sweep.space",
             "runlane.store.reader"}  # a job's run is attached whatever its status: its events are not read
    assert not heavy & loaded, sorted(heavy & loaded)
