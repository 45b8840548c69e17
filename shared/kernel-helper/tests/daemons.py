"""Stopping the daemon a test's clients started on demand (found through its runtime file)."""
import json
import os
import signal


def stop_daemon(runtime_dir):
    """Sends SIGTERM to the daemon whose runtime file is in `runtime_dir`, if one was started."""
    info = runtime_dir / "daemon.json"
    if not info.exists():
        return
    try:
        os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
    except OSError:
        pass  # already gone
