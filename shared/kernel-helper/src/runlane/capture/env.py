"""The environment of a run: Python, the packages its imports resolve to, git, host and GPUs.
Collected in a background thread (git and nvidia-smi take milliseconds to seconds)."""
import os
import platform
import shutil
import socket
import subprocess
import sys

_distributions = None


def _package_versions(modules):
    """{distribution: version} for the modules, via importlib.metadata (3.10+: packages_distributions)."""
    global _distributions
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python < 3.8
        return {}
    if _distributions is None and hasattr(metadata, "packages_distributions"):
        try:
            _distributions = metadata.packages_distributions()
        except Exception:
            _distributions = {}
    versions = {}
    for module in modules:
        dists = (_distributions or {}).get(module) or []
        for dist in dists:
            try:
                versions[dist] = metadata.version(dist)
            except Exception:
                pass
        if not dists:  # Python 3.9, or a module without distribution metadata
            loaded = sys.modules.get(module)
            version = getattr(loaded, "__version__", None)
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
    """{"commit", "dirty", "branch"} of the repository holding `folder`, or None outside one."""
    if shutil.which("git") is None:
        return None
    commit = _run(["git", "rev-parse", "HEAD"], cwd=folder)
    if commit is None:
        return None
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder) or ""
    branch = (_run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=folder) or "").strip() or None
    return {"commit": commit.strip(), "dirty": bool(status.strip()), "branch": branch}


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
    return {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "packages": _package_versions(modules),
        "git": git_state(folder),
        "gpus": gpus(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }
