"""The JupyterLab extension as a user installs it: the wheel that `pip wheel ./jupyterlab-ext` builds,
installed with JupyterLab into a fresh venv, gives the prebuilt labextension (no JupyterLab rebuild),
the enabled server extension, the kernel helper and the `runlane` command; a Jupyter server started
there answers the daemon's API at /runlane/api/v1 behind its own token, starting the daemon itself."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(*args, **kwargs):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    command = " ".join(map(str, args))
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (command, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout + done.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist", ROOT / "jupyterlab-ext")
    [wheel] = list((tmp / "dist").glob("runlane_jupyterlab-*.whl"))
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", venv)
    requirements = (ROOT / "requirements-dev.txt").read_text().splitlines()
    jupyterlab = [line for line in requirements if line.startswith("jupyterlab==")]
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, *jupyterlab)
    return tmp, venv, wheel


def test_the_wheel_carries_the_prebuilt_extension_the_helper_and_the_daemon(fresh_venv):
    _, _, wheel = fresh_venv
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("share/jupyter/labextensions/runlane-jupyterlab/package.json") for n in names)
    assert any("labextensions/runlane-jupyterlab/static/remoteEntry." in n for n in names)
    assert any(n.endswith("etc/jupyter/jupyter_server_config.d/runlane_jupyterlab.json") for n in names)
    assert "runlane/__init__.py" in names and "runlane/_node/runlane.cjs" in names
    assert "runlane_jupyterlab/handlers.py" in names


def test_a_fresh_venv_has_the_extension_enabled_and_the_runlane_command(fresh_venv):
    _, venv, _ = fresh_venv
    bin_ = venv / "bin"
    env = dict(os.environ, PATH="%s%s%s" % (bin_, os.pathsep, os.environ["PATH"]))
    assert "runlane-jupyterlab v0.1.0" in run(bin_ / "jupyter", "labextension", "list", env=env)
    assert "runlane_jupyterlab" in run(bin_ / "jupyter", "server", "extension", "list", env=env)
    assert run(bin_ / "runlane", "--version", env=env).strip()
    run(bin_ / "python", "-c", "import runlane, runlane_jupyterlab", env=env)


def test_the_server_fronts_the_daemon_behind_jupyters_token(fresh_venv, tmp_path):
    _, venv, _ = fresh_venv
    bin_ = venv / "bin"
    port, token = free_port(), "wheel-token"
    env = dict(os.environ, PATH="%s%s%s" % (bin_, os.pathsep, os.environ["PATH"]),
               RUNLANE_RUNTIME_DIR=str(tmp_path / "rt"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jc"), JUPYTER_RUNTIME_DIR=str(tmp_path / "jr"))
    env.pop("RUNLANE_DIR", None)
    work = tmp_path / "work"
    work.mkdir()
    run(bin_ / "python", "-c", "import runlane as rl\nwith rl.run(name='from the wheel'):\n    rl.log(loss=0.5)",
        cwd=work, env=env)
    server = subprocess.Popen([str(bin_ / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1", "--port=%d" % port,
                               "--IdentityProvider.token=%s" % token, "--ServerApp.root_dir=%s" % work, "--allow-root"],
                              cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        base = "http://127.0.0.1:%d" % port
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen("%s/api/status?token=%s" % (base, token), timeout=2)
                break
            except OSError:
                assert time.time() < deadline and server.poll() is None, "the Jupyter server did not start"
                time.sleep(0.3)
        with pytest.raises(urllib.error.HTTPError) as denied:  # Jupyter's authentication comes first
            urllib.request.urlopen("%s/runlane/api/v1/runs" % base, timeout=10)
        assert denied.value.code == 403
        config = json.loads(urllib.request.urlopen("%s/runlane/config?token=%s" % (base, token), timeout=30).read())
        assert config["store"] == str(work / ".runlane")
        runs = json.loads(urllib.request.urlopen("%s/runlane/api/v1/runs?token=%s" % (base, token), timeout=60).read())
        assert [r["name"] for r in runs] == ["from the wheel"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        info = tmp_path / "rt" / "daemon.json"
        if info.exists():
            try:
                os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
            except OSError:
                pass
