"""Where the store is (docs/store-format.md "Where the store is")."""
import os

STORE_FOLDER = ".runlane"


def find_store_dir(start_dir=None, environ=None):
    """RUNLANE_DIR, else the nearest `.runlane/` from start_dir up to the root, else start_dir/.runlane."""
    env = os.environ if environ is None else environ
    start = os.path.abspath(start_dir or os.getcwd())
    if env.get("RUNLANE_DIR"):
        return os.path.abspath(os.path.join(start, env["RUNLANE_DIR"]))
    here = start
    while True:
        candidate = os.path.join(here, STORE_FOLDER)
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.join(start, STORE_FOLDER)
        here = parent
