import subprocess

from runlane.capture.env import git_state, parse_nvidia_smi
from runlane.capture.params import imported_modules, literal_assignments

from conftest import FIXTURES


def test_literal_assignments_become_params():
    source = (
        "lr = 3e-4\nepochs = 10\nlayers = [64, 64]\nbetas: tuple = (0.9, 0.999)\na = b = -1\n"
        "cfg = {'opt': 'adam', 'wd': 0.01}\nmodel = make_model(lr)\n_private = 1\nx, y = 1, 2\n"
        "for i in range(3):\n    inner = 5\n"
    )
    assert literal_assignments(source) == {
        "lr": 3e-4, "epochs": 10, "layers": [64, 64], "betas": (0.9, 0.999), "a": -1, "b": -1,
        "cfg": {"opt": "adam", "wd": 0.01},
    }
    assert literal_assignments("this is not python") == {}


def test_imported_modules():
    assert imported_modules("import numpy as np\nfrom sklearn.svm import SVC\nimport os.path\nfrom . import x\n") == [
        "numpy", "os", "sklearn"]


def test_parse_real_nvidia_smi_output_from_an_h100():
    text = (FIXTURES / "nvidia-smi" / "h100-query.csv").read_text()
    assert parse_nvidia_smi(text) == [{
        "index": 0, "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-52e280ed-2e23-a480-86cf-ee24ba4da38d",
        "memory_mib": 81559, "driver": "580.159.04"}]
    assert parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the driver\n") == []


def test_git_state_reports_commit_and_dirty(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    assert git_state(str(tmp_path)) is None
    git("init", "-q")
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x")
    (tmp_path / "f.txt").write_text("a")
    git("add", "f.txt")
    state = git_state(str(tmp_path))
    assert len(state["commit"]) == 40 and state["dirty"] is True
