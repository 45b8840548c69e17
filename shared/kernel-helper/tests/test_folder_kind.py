"""RUNLANE_DIR pointed at a folder that is not a store (contract C4): a script's rl.log / rl.run
fails with one sentence saying what the folder is and what to do, and nothing is written there."""
import os
import shutil
import subprocess
import sys

from conftest import FIXTURES

from runlane.store.folder_kind import inspect_folder

SCRIPTS = {
    "log": "import runlane as rl\nrl.log(loss=0.5)\nprint('logged')\n",
    "run": "import runlane as rl\nwith rl.run(name='x'):\n    rl.log(loss=0.5)\nprint('logged')\n",
}


def tree(folder):
    return sorted(os.path.relpath(os.path.join(d, n), folder) for d, ds, fs in os.walk(folder) for n in ds + fs)


def test_classifies_folders_like_the_typescript_core(tmp_path):
    tbx = FIXTURES / "tfevents" / "tensorboardx"
    assert inspect_folder(str(tbx)) == {"path": str(tbx), "kind": "tensorboard",
                                        "detail": "a TensorBoard log folder (6 runs of event files)"}
    assert inspect_folder(str(FIXTURES / "store-v1"))["kind"] == "store"
    assert inspect_folder(str(tmp_path))["kind"] == "empty"
    assert inspect_folder(str(tmp_path / "nope"))["kind"] == "missing"
    (tmp_path / ".gitkeep").write_text("")
    assert inspect_folder(str(tmp_path))["kind"] == "empty"  # hidden files alone: still empty
    (tmp_path / "train.py").write_text("print(1)\n")
    (tmp_path / "data").mkdir()
    detail = inspect_folder(str(tmp_path))["detail"]
    assert detail == "a folder that is not a Runlane store (it holds 1 folder and 1 file)"


def test_a_script_refuses_a_tensorboard_folder_as_its_store_and_writes_nothing(tmp_path):
    logdir = tmp_path / "tb"
    shutil.copytree(str(FIXTURES / "tfevents" / "pytorch"), str(logdir))
    before = tree(str(logdir))
    for name, source in SCRIPTS.items():
        (tmp_path / "train.py").write_text(source)
        env = dict(os.environ, RUNLANE_DIR=str(logdir))
        env.pop("RUNLANE_RUN_ID", None)
        done = subprocess.run([sys.executable, str(tmp_path / "train.py")], cwd=str(tmp_path), env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, name
        assert "logged" not in done.stdout
        said = ("NotAStoreError: %s is a TensorBoard log folder (6 runs of event files), not a Runlane store; "
                "nothing was written there. Open it as one: runlane ls --logdir %s" % (logdir, logdir))
        assert said in done.stderr, done.stderr
    assert tree(str(logdir)) == before


def test_a_project_folder_is_refused_with_its_own_store_named(tmp_path, monkeypatch):
    from runlane.errors import NotAStoreError
    from runlane.store.writer import StoreWriter

    (tmp_path / ".runlane").mkdir()
    (tmp_path / "train.py").write_text("print(1)\n")
    try:
        StoreWriter(str(tmp_path))
        raise AssertionError("a project folder was taken as a store")
    except NotAStoreError as e:
        assert str(e).endswith("at %s instead." % (tmp_path / ".runlane"))
    assert not (tmp_path / "runs").exists()
    StoreWriter(str(tmp_path / ".runlane"))  # empty: becomes the store
    assert sorted(os.listdir(str(tmp_path / ".runlane"))) == [".gitignore", "runlane-store.json", "runs"]


def test_a_notebook_cell_says_what_the_store_folder_is_and_writes_nothing(tmp_path):
    """In a real kernel (kernels.py), RUNLANE_DIR at a TensorBoard log folder."""
    import pytest

    pytest.importorskip("jupyter_client")
    from kernels import Kernel

    shutil.copytree(str(FIXTURES / "tfevents" / "pytorch"), str(tmp_path / "store"))  # the kernel's RUNLANE_DIR
    before = tree(str(tmp_path / "store"))
    k = Kernel(tmp_path)
    try:
        k.run("%load_ext runlane", "setup")
        out = k.run("%%runlane --name mlp\nimport runlane as rl\nrl.log(loss=0.5)\nprint('logged')\n")
    finally:
        k.stop()
    errors = [m["content"] for m in out if m["msg_type"] == "error"]
    shown = " ".join(e["evalue"] for e in errors)
    said = "is a TensorBoard log folder (6 runs of event files), not a Runlane store; nothing was written there"
    assert said in shown, out
    assert [len(e["traceback"]) for e in errors] == [1]  # the sentence, without Runlane's frames
    assert tree(str(tmp_path / "store")) == before


def test_a_file_named_as_the_store_is_refused_as_a_file(tmp_path):
    from runlane.errors import NotAStoreError
    from runlane.store.writer import StoreWriter

    (tmp_path / "store").write_text("not a folder")
    try:
        StoreWriter(str(tmp_path / "store"))
        raise AssertionError("a file was taken as a store")
    except NotAStoreError as e:
        assert str(e).startswith("%s is a file, not a folder; nothing was written there." % (tmp_path / "store"))


def test_a_dvclive_folder_is_a_log_folder_as_in_the_typescript_core(tmp_path):
    # DVCLive's layout: dvclive/{metrics.json, params.yaml, plots/metrics/train/loss.tsv}.
    project = tmp_path / "project"
    live = project / "dvclive"
    (live / "plots" / "metrics" / "train").mkdir(parents=True)
    (live / "plots" / "metrics" / "train" / "loss.tsv").write_text("step\tloss\n0\t0.5\n")
    (live / "metrics.json").write_text('{"step": 0}')
    (project / "train.py").write_text("print(1)\n")
    assert inspect_folder(str(live)) == {"path": str(live), "kind": "tensorboard", "detail": "a DVCLive folder"}
    assert inspect_folder(str(project))["detail"] == "a log folder with 1 DVCLive folder"
    other = project / "exp2"
    (other / "plots").mkdir(parents=True)
    (other / "params.yaml").write_text("lr: 0.1\n")
    assert inspect_folder(str(project))["detail"] == "a log folder with 2 DVCLive folders"
    # A script pointed at it refuses, as for event files, and writes nothing there.
    env = dict(os.environ, RUNLANE_DIR=str(project))
    env.pop("RUNLANE_RUN_ID", None)
    before = tree(str(project))
    done = subprocess.run([sys.executable, "-c", SCRIPTS["log"]], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "is a log folder with 2 DVCLive folders, not a Runlane store" in done.stderr
    assert tree(str(project)) == before
