"""The environment of a run: Python, the packages its imports resolve to, git, host and GPUs.
Collected in a background thread (git and nvidia-smi take milliseconds to seconds)."""
import atexit
import os
import platform
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from importlib import metadata

_distributions = None  # top-level module -> [distribution names], built once per process


def packages_distributions_fallback():
    """What importlib.metadata.packages_distributions() (Python 3.10+) returns, for Python 3.9:
    each distribution's top_level.txt, else the top-level names of the .py files it installed."""
    mapping = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        declared = (dist.read_text("top_level.txt") or "").split()
        inferred = {f.parts[0] if len(f.parts) > 1 else f.stem for f in (dist.files or []) if f.suffix == ".py"}
        for module in declared or inferred:
            mapping.setdefault(module, []).append(name)
    return mapping


def _module_distributions():
    global _distributions
    if _distributions is None:
        try:
            if hasattr(metadata, "packages_distributions"):
                _distributions = metadata.packages_distributions()
            else:
                _distributions = packages_distributions_fallback()
        except Exception:
            _distributions = {}
    return _distributions


def _is_stdlib(module):
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return module in names
    if module in sys.builtin_module_names:
        return True
    loaded = sys.modules.get(module)
    path = getattr(loaded, "__file__", None) or ""
    stdlib = sysconfig.get_paths()["stdlib"]
    return bool(path) and path.startswith(stdlib) and "site-packages" not in path


def package_versions(modules):
    """{distribution: version} for the distributions the modules resolve to; a module without
    distribution metadata (copied onto the path) reports its `__version__` when it has one."""
    distributions = _module_distributions()
    versions = {}
    for module in modules:
        dists = distributions.get(module) or []
        for dist in dists:
            try:
                versions[dist] = metadata.version(dist)
            except Exception:
                pass
        if not dists and not _is_stdlib(module):
            version = getattr(sys.modules.get(module), "__version__", None)
            if isinstance(version, str):
                versions[module] = version
    return dict(sorted(versions.items()))


def _run(args, cwd=None, timeout=5):
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(folder):
    """{"commit", "dirty", "branch"} of the repository holding `folder` (commit None before the first
    commit; branch None when detached; dirty None when `git status` failed or timed out), or None
    outside one."""
    if shutil.which("git") is None:
        return None
    if _run(["git", "rev-parse", "--git-dir"], cwd=folder) is None:
        return None
    # A new repository has no HEAD commit yet: it is still a repository (commit None), with its branch.
    commit = _run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=folder)
    # `git status` hashes every tracked file whose stat changed: in a big or freshly copied tree it can
    # outlast the timeout. Then whether the tree is dirty is unknown (None), never reported as clean.
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder)
    branch = (_run(["git", "symbolic-ref", "--short", "--quiet", "HEAD"], cwd=folder) or "").strip() or None
    return {"commit": commit.strip() if commit else None, "dirty": None if status is None else bool(status.strip()),
            "branch": branch}


def parse_nvidia_smi(text):
    """Rows of `nvidia-smi --query-gpu=index,name,uuid,memory.total,driver_version
    --format=csv,noheader,nounits` as dicts (memory in MiB)."""
    gpus = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5:
            continue
        index, name, uuid, memory, driver = parts
        try:
            gpus.append({"index": int(index), "name": name, "uuid": uuid, "memory_mib": int(float(memory)),
                         "driver": driver})
        except ValueError:
            continue
    return gpus


def gpus():
    if shutil.which("nvidia-smi") is None:
        return []
    out = _run(["nvidia-smi", "--query-gpu=index,name,uuid,memory.total,driver_version",
                "--format=csv,noheader,nounits"], timeout=10)
    return parse_nvidia_smi(out or "")


def capture_env(modules, folder):
    """The environment of a run whose code imports `modules`, for env.json."""
    return {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "packages": package_versions(modules),
        "git": git_state(folder),
        "gpus": gpus(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }


EXIT_WAIT = 3.0  # seconds a process that is exiting waits for env.json still being captured
_unfinished = []  # env threads that may still run
_exit_hook = []


def write_env_in_background(writer, run_id, modules, folder):
    """env.json is written from a thread: git and nvidia-smi take milliseconds to seconds, and the
    cell or script must not wait for them. A script that ends sooner waits for it at exit."""

    def capture():
        try:
            _write_or_hold(writer, run_id, capture_env(modules, folder))
        except Exception:
            pass  # the environment is a nicety; it never breaks the user's code

    thread = threading.Thread(target=capture, name="runlane-env", daemon=True)
    if not _exit_hook:
        _exit_hook.append(atexit.register(_wait_at_exit))
    _unfinished[:] = [t for t in _unfinished if t.is_alive()] + [thread]
    thread.start()
    return thread


def _open_run(writer, run_id):
    from ..tracking import _flusher

    return next((run for run in _flusher.open_runs() if run.id == run_id and run.writer is writer), None)


def _write_or_hold(writer, run_id, env):
    """Writes env.json now, or, on a full disk, holds it with the run's other held writes (held.py):
    behind its meta.json and status when those wait too (a run started on a full disk has no folder
    yet), and written once there is space. Any other error drops it (a nicety, as before)."""
    from ..store.writer import DISK_FULL_ERRNOS

    run = _open_run(writer, run_id)

    def write(w):
        w.write_env(run_id, env)

    if run is not None and run._held is not None:
        run._event(write)
        return
    try:
        write(writer)
    except OSError as err:
        if run is None or err.errno not in DISK_FULL_ERRNOS:
            raise
        run._event(write)  # tries once more, then holds it: the run's warning line says so


def _wait_at_exit():
    deadline = time.time() + EXIT_WAIT
    for thread in _unfinished:
        thread.join(max(0.0, deadline - time.time()))
