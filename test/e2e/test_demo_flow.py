"""The issue's "done means", as a person does it: JupyterLab comes up from `npm start`'s script, the
demo notebook runs in a real kernel, and `runlane ls` (the venv's command and `npx runlane`) lists the
run with its params and metrics. Every process a test starts is gone when it ends."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked_processes(mark):
    """Processes (other than this one) whose environment carries `mark`: everything a test started."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@pytest.fixture
def no_leaks(monkeypatch):
    """Marks every process the test starts (through the environment) and fails the test if one of
    them outlives it (a kernel, a daemon, JupyterLab), after killing it."""
    mark = "e2e-%s" % uuid.uuid4().hex
    monkeypatch.setenv("RUNLANE_E2E_MARK", mark)
    yield mark
    deadline = time.time() + 10
    while marked_processes(mark) and time.time() < deadline:
        time.sleep(0.2)
    leaked = marked_processes(mark)
    for pid in leaked:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert not leaked, "processes left running: %s" % leaked


@pytest.fixture
def demo_dir(tmp_path, monkeypatch, no_leaks):
    """A copy of examples/ with the CLI on PATH and RUNLANE_DIR unset, as start-jupyter.sh sets it
    up: the store is the .runlane/ folder next to the notebook."""
    folder = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", folder, ignore=shutil.ignore_patterns(".runlane", ".ipynb_checkpoints"))
    monkeypatch.setenv("PATH", "%s%s%s" % (VENV_BIN, os.pathsep, os.environ["PATH"]))
    monkeypatch.delenv("RUNLANE_DIR", raising=False)
    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    yield folder
    stop_daemon(tmp_path / "runtime")


def stop_daemon(runtime_dir):
    """A daemon some command started on demand (none is expected) is stopped, never left behind."""
    try:
        pid = json.loads((runtime_dir / "daemon.json").read_text())["pid"]
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def run_cli(*args, cwd):
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, "%s failed (%d):\n%s" % (" ".join(map(str, args)), done.returncode, done.stderr)
    return done.stdout


def test_demo_notebook_is_valid_nbformat_45_with_cell_ids():
    nb = nbformat.read(ROOT / "examples" / "demo.ipynb", as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert all(cell.get("id") for cell in nb.cells)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code[0].strip() == "%load_ext runlane"
    assert code[1].startswith("%%runlane --name") and "--experiment demo" in code[1].splitlines()[0]


def test_demo_notebook_runs_and_runlane_ls_lists_the_run(demo_dir, monkeypatch):
    notebook = demo_dir / "demo.ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # what jupyter_server sets for the kernel
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(demo_dir)}}).execute()

    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "epoch 149" in printed  # the training cell showed its progress
    assert "mlp on two moons" in printed  # `!runlane ls` and `!runlane show` ran inside the notebook

    store = demo_dir / ".runlane"
    assert (store / "runlane-store.json").is_file()  # the store is next to the notebook
    from_venv = json.loads(run_cli(str(VENV_BIN / "runlane"), "ls", "--json", "--dir", str(store), cwd=demo_dir))
    from_npx = json.loads(run_cli("npx", "runlane", "ls", "--json", "--dir", str(store), cwd=ROOT))
    # No --dir: the store is found from the folder.
    found = json.loads(run_cli(str(VENV_BIN / "runlane"), "ls", "--json", cwd=demo_dir))
    assert from_venv == from_npx == found
    [run] = [r for r in from_venv if r["kind"] == "cell"]
    assert run["name"] == "mlp on two moons" and run["experiment"] == "demo" and run["status"] == "finished"
    assert run["params"] == {"lr": 0.5, "epochs": 150, "hidden": 32, "seed": 0, "n": 1000}
    assert run["metrics"]["loss"]["count"] == 150 and run["metrics"]["acc"]["count"] == 150
    assert run["metrics"]["acc"]["last"] > 0.8  # it really learned
    assert run["metrics"]["loss"]["last"] < run["metrics"]["loss"]["max"]
    assert run["duration"] > 0
    # nbclient, unlike JupyterLab and VS Code, sends no cell id (the kernel tests cover cell ids).
    assert run["notebook"] == str(notebook)

    points = json.loads(run_cli("npx", "runlane", "metrics", run["id"], "loss", "--json", "--dir", str(store),
                                cwd=ROOT))
    assert [p["step"] for p in points] == list(range(150))
    assert points[-1]["value"] == run["metrics"]["loss"]["last"]

    assert "lr = 0.5" in run_cli(str(VENV_BIN / "runlane"), "show", run["id"], cwd=demo_dir)
    detail = json.loads(run_cli(str(VENV_BIN / "runlane"), "show", run["id"], "--json", cwd=demo_dir))
    import numpy

    assert detail["env"]["packages"]["numpy"] == numpy.__version__  # what the cell's imports resolved to
    assert detail["source"].startswith("%%runlane --name")
    assert "epoch 149" in run_cli(str(VENV_BIN / "runlane"), "logs", run["id"], cwd=demo_dir)

    # The job cell: two workers, both streamed into the cell, rank 0's value back in the notebook.
    [job] = [r for r in from_venv if r["kind"] == "job"]
    assert job["name"] == "two workers" and job["status"] == "finished" and job["metrics"]["loss"]["count"] == 30
    assert job["ranks"] == [0, 1]  # each worker's loss is its own series; the summary is rank 0's
    job_cell = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%runlane --on local")][0]
    streamed = "".join(o.get("text", "") for o in job_cell.outputs)
    assert "[w0]" in streamed and "[w1]" in streamed and "step 30/30" in streamed
    [value] = [o["data"]["text/plain"] for o in job_cell.outputs if o["output_type"] == "execute_result"]
    assert "'rank': 0" in value and "'hidden': 32" in value


def test_train_script_is_tracked(tmp_path, monkeypatch, no_leaks):
    store = tmp_path / "store"
    monkeypatch.setenv("RUNLANE_DIR", str(store))
    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    out = run_cli(str(VENV_BIN / "python"), str(ROOT / "examples" / "train.py"), cwd=tmp_path)
    [run] = json.loads(run_cli(str(VENV_BIN / "runlane"), "ls", "--json", "--dir", str(store), cwd=tmp_path))
    assert run["id"] in out
    assert run["name"] == "script demo" and run["status"] == "finished" and run["kind"] == "script"
    assert run["params"] == {"lr": 0.05, "steps": 200}
    assert run["metrics"]["loss"]["count"] == 200 and run["metrics"]["loss"]["last"] < 0.1
    stop_daemon(tmp_path / "runtime")


def test_start_script_brings_up_jupyterlab(tmp_path, no_leaks):
    port = free_port()
    env = dict(os.environ, RUNLANE_JUPYTER_TOKEN="e2e-token", JUPYTER_RUNTIME_DIR=str(tmp_path / "jr"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jc"), JUPYTER_DATA_DIR=str(tmp_path / "jd"))
    proc = subprocess.Popen(["bash", str(ROOT / "scripts/start-jupyter.sh"), str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output, drain = [], None
    try:
        url = "http://127.0.0.1:%d/lab/tree/demo.ipynb?token=e2e-token" % port
        first = proc.stdout.readline()
        assert first.strip() == "Runlane demo: open %s" % url
        drain = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)  # never a full pipe
        drain.start()
        status = None
        deadline = time.time() + 90
        while status is None and time.time() < deadline:
            assert proc.poll() is None, "JupyterLab exited:\n%s" % "".join(output)
            try:
                request = urllib.request.Request("http://127.0.0.1:%d/api/status" % port,
                                                 headers={"Authorization": "token e2e-token"})
                with urllib.request.urlopen(request, timeout=2) as r:
                    status = json.loads(r.read())
            except OSError:
                time.sleep(0.5)
        assert status is not None, "JupyterLab did not answer on port %d" % port
        assert "started" in status
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
        contents = "http://127.0.0.1:%d/api/contents/demo.ipynb?token=e2e-token" % port
        with urllib.request.urlopen(contents, timeout=10) as r:
            assert json.loads(r.read())["type"] == "notebook"  # the notebook folder is examples/
        with pytest.raises(urllib.error.HTTPError) as denied:  # and the token is required
            urllib.request.urlopen("http://127.0.0.1:%d/api/contents/demo.ipynb" % port, timeout=10)
        assert denied.value.code == 403
        # The store a notebook's kernel writes to, by the helper's rule: the page shows that store.
        store_url = "http://127.0.0.1:%d/runlane/notebook-store?token=e2e-token&notebook=" % port
        with urllib.request.urlopen(store_url + "demo.ipynb", timeout=10) as r:
            assert json.loads(r.read())["store"] == str(ROOT / "examples" / ".runlane")
        with pytest.raises(urllib.error.HTTPError) as outside:  # only notebooks under the server's folder
            urllib.request.urlopen(store_url + "../../etc/nb.ipynb", timeout=10)
        assert outside.value.code == 400
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if drain is not None:
            drain.join(10)
        proc.stdout.close()
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # nothing of the group is left
    printed = "".join(output)
    assert "Next:" in printed and "npx runlane ls --dir examples/.runlane" in printed  # the next steps
    # JupyterLab started clean: no traceback, no failing yarn.js (the venv inside an ESM package).
    assert "Traceback" not in printed and "Fail to get yarn configuration" not in printed, printed[-3000:]
