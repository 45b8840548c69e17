"""The source of a script run: the file `python train.py` is running, when it can be read."""
import os
import sys

MAX_SOURCE_BYTES = 1 << 20  # a generated 100 MB "script" is not worth copying into every run


def main_script_path():
    """The path of the script `__main__` runs, or None (an interactive session, `python -c`)."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return os.path.abspath(path) if isinstance(path, str) and path.endswith(".py") else None


def main_script_source():
    """The running script's text (UTF-8, undecodable bytes replaced), or None."""
    path = main_script_path()
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_SOURCE_BYTES:
        return None
    return data.decode("utf-8", "replace")
