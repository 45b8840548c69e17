"""The daemon a test's clients start on demand: the CLI that starts it, and stopping it (found through
its runtime file)."""
import json
import os
import pathlib
import shutil
import signal

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = ROOT / "shared" / "core" / "bin" / "runlane.js"
NODE = shutil.which("node")


def stop_daemon(runtime_dir):
    """Sends SIGTERM to the daemon whose runtime file is in `runtime_dir`, if one was started."""
    info = runtime_dir / "daemon.json"
    if not info.exists():
        return
    try:
        os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
    except OSError:
        pass  # already gone
