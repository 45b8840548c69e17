import os
import platform
import shutil
import socket
import subprocess

import pytest
from conftest import FIXTURES

from runlane.capture.env import (
    capture_env,
    git_state,
    gpus,
    package_versions,
    packages_distributions_fallback,
    parse_nvidia_smi,
)
from runlane.capture.params import imported_modules, literal_assignments


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


NEW_USER_CELL = (
    "import runlane as rl\nlr = 0.001\nloss = 2.0\n"
    "for step in range(60):\n    loss = loss * 0.95\n    rl.log(loss=loss)\n"
)


def test_a_name_re_bound_in_a_loop_is_a_running_value_not_a_param():
    # The new user's cell: `loss` is the metric, so it must not also be a `loss` param.
    assert literal_assignments(NEW_USER_CELL) == {"lr": 0.001}
    # A decayed lr is a running value too: its starting value is not a setting the run keeps.
    assert literal_assignments("lr = 0.1\nfor epoch in range(5):\n    lr = lr * 0.9\n") == {}


@pytest.mark.parametrize("loop", [
    "for i in range(3):\n    total += i\n",                      # augmented
    "for i in range(3):\n    total: float = i\n",                # annotated
    "for total in range(3):\n    pass\n",                         # the for-target itself
    "for a, (b, *total) in rows:\n    pass\n",                   # inside an unpacked target
    "while True:\n    total = 1\n    break\n",                   # while body
    "for f in files:\n    with open(f) as total:\n        pass\n",  # with-as, nested
    "if ok:\n    for i in xs:\n        if i:\n            try:\n                total = i\n"
    "            except ValueError:\n                pass\n",        # any depth
    "while (total := total - 1) > 0:\n    pass\n",                # walrus in a while test
    "sums = [total := total + x for x in xs]\n",                 # walrus in a comprehension
    "for f in files:\n    try:\n        pass\n    except OSError as total:\n        pass\n",  # except-as
    "for i in xs:\n    total, other = i, i\n",                  # tuple assignment
    "def step():\n    global total\n    for i in xs:\n        total = i\n",  # a global in a function
])
def test_every_way_of_re_binding_inside_a_loop_counts(loop):
    assert literal_assignments("total = 0\nkeep = 3\n" + loop) == {"keep": 3}


def test_what_stays_a_param_next_to_loops():
    source = (
        "lr = 0.1\nlr = 0.2\nepochs = 3\n"            # re-assigned at top level: the last literal wins
        "for i in range(epochs):\n    pass\n"
        "else:\n    epochs = 4\n"                         # once, in a loop's else: not a running value
        "def train(lr, batch=32):\n    for _ in range(2):\n        lr = lr * 0.5\n        batch = 1\n"
        "class Net:\n    for width in (1, 2):\n        pass\n"
        "width = 64\nbatch = 32\n"                         # a function's or class's own names are not the cell's
        "squares = [lr * k for k in range(3)]\nk = 7\n"   # a comprehension's variable is its own
        "opts = {'lr': 1}\nfor i in range(2):\n    opts['lr'] = i\n    obj.lr = i\n"  # mutations, not re-bindings
    )
    assert literal_assignments(source) == {"lr": 0.2, "epochs": 3, "width": 64, "batch": 32, "k": 7, "opts": {"lr": 1}}
    # A for-target bound before the top-level literal still makes it a running value.
    assert literal_assignments("for step in range(3):\n    pass\nstep = 0\n") == {}


def test_imported_modules():
    assert imported_modules("import numpy as np\nfrom sklearn.svm import SVC\nimport os.path\nfrom . import x\n") == [
        "numpy", "os", "sklearn"]


def test_parse_real_nvidia_smi_output_from_an_h100():
    text = (FIXTURES / "nvidia-smi" / "h100-query.csv").read_text()
    assert parse_nvidia_smi(text) == [{
        "index": 0, "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-52e280ed-2e23-a480-86cf-ee24ba4da38d",
        "memory_mib": 81559, "driver": "580.159.04"}]
    assert parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the driver\n") == []


def test_parse_real_nvidia_smi_output_from_an_h200():
    text = (FIXTURES / "nvidia-smi" / "h200-query.csv").read_text()
    assert parse_nvidia_smi(text) == [{
        "index": 0, "name": "NVIDIA H200", "uuid": "GPU-fdc2d98b-de71-88e4-997b-126180aa8544",
        "memory_mib": 143771, "driver": "580.159.04"}]


def test_git_state_says_dirty_is_unknown_when_git_status_fails(tmp_path, monkeypatch):
    """A `git status` that times out (a big or freshly copied tree) or fails must not read as clean."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real_git = shutil.which("git")
    # A git whose status fails as a timed-out one does (_run turns both into None); the rest is real git.
    (bin_dir / "git").write_text('#!/bin/sh\n[ "$1" = status ] && exit 128\nexec %s "$@"\n' % real_git)
    (bin_dir / "git").chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    monkeypatch.setenv("PATH", "%s%s%s" % (bin_dir, os.pathsep, os.environ["PATH"]))
    assert git_state(str(repo)) == {"commit": None, "dirty": None, "branch": "main"}


def test_git_state_reports_commit_and_dirty(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    assert git_state(str(tmp_path)) is None
    git("init", "-q", "-b", "main")
    # A new repository is a repository before its first commit (it read as "not a git repository").
    assert git_state(str(tmp_path)) == {"commit": None, "dirty": False, "branch": "main"}
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x")
    (tmp_path / "f.txt").write_text("a")
    git("add", "f.txt")
    state = git_state(str(tmp_path))
    assert len(state["commit"]) == 40 and state["dirty"] is True


def test_imports_resolve_to_distributions_with_their_versions():
    from importlib import metadata

    np = pytest.importorskip("numpy")
    versions = package_versions(["numpy", "json", "pytest", "not_a_module_at_all"])
    assert versions == {"numpy": metadata.version("numpy"), "pytest": metadata.version("pytest")}
    assert np.__version__ == versions["numpy"]


def test_the_python_3_9_fallback_maps_modules_like_packages_distributions():
    fallback = packages_distributions_fallback()
    assert "pytest" in fallback["pytest"] and "pluggy" in fallback["pluggy"]
    from importlib import metadata

    if hasattr(metadata, "packages_distributions"):
        native = metadata.packages_distributions()
        for module in ("pytest", "_pytest", "pluggy", "IPython"):
            if module in native:
                assert sorted(fallback.get(module, [])) == sorted(native[module]), module


def test_gpus_come_from_nvidia_smi_when_it_is_on_the_path(tmp_path, monkeypatch):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\ncat %s\n" % (FIXTURES / "nvidia-smi" / "h100-query.csv"))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (tmp_path, os.pathsep, os.environ["PATH"]))
    [gpu] = gpus()
    assert gpu["name"] == "NVIDIA H100 80GB HBM3" and gpu["memory_mib"] == 81559
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert gpus() == []


def test_env_has_python_packages_git_host_and_gpus(tmp_path):
    env = capture_env(["pytest"], str(tmp_path))
    assert env["python"] == platform.python_version() and env["host"] == socket.gethostname()
    assert env["packages"] == {"pytest": pytest.__version__} and env["git"] is None
    assert isinstance(env["gpus"], list)


def test_magics_do_not_hide_the_assignments_once_transformed():
    pytest.importorskip("IPython")
    from IPython.core.inputtransformer2 import TransformerManager

    cell = "%matplotlib inline\nlr = 0.01\n!ls\nsteps: int = 100\nneg = -3\n"
    assert literal_assignments(cell) == {}  # raw, the magics make it invalid Python
    assert literal_assignments(TransformerManager().transform_cell(cell)) == {"lr": 0.01, "steps": 100, "neg": -3}


def test_a_sweep_space_is_read_as_before_when_the_loop_decays_its_value():
    from runlane.sweep.space import cell_space, loguniform

    space, literals = cell_space("import runlane as rl\nlr = rl.loguniform(1e-4, 1e-1)\nepochs = 5\nloss = 1.0\n"
                                 "for epoch in range(epochs):\n    lr = lr * 0.9\n    loss = loss * lr\n")
    assert space == {"lr": loguniform(1e-4, 1e-1)}
    assert literals == {"epochs": 5}  # the fixed params a trial records; `loss` is a running value
