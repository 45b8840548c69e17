"""The store's format marker (runlane-store.json) and the version check of every reader and writer."""
import json
import os

from ..errors import StoreVersionError
from .atomic import write_file_atomic
from .folder_kind import assert_store_folder

FORMAT_VERSION = 1
MARKER_FILE = "runlane-store.json"


def check_store_version(store_dir):
    """Refuses a store written by a newer format; a missing marker reads as version 1."""
    path = os.path.join(store_dir, MARKER_FILE)
    try:
        with open(path, "rb") as f:
            version = json.loads(f.read().decode("utf-8")).get("version")
    except FileNotFoundError:
        return FORMAT_VERSION
    except (ValueError, AttributeError):
        raise StoreVersionError("The store marker %s is not valid JSON; restore it or move the store aside."
                                % path) from None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise StoreVersionError("The store marker %s has no valid version; restore it or move the store aside." % path)
    if version > FORMAT_VERSION:
        raise StoreVersionError(
            "The store at %s has format version %d, but this Runlane reads up to version %d. "
            "Upgrade Runlane to open it; nothing was read or changed." % (store_dir, version, FORMAT_VERSION)
        )
    return version


def ensure_store(store_dir, writer_id):
    """Creates the store folder and its marker when missing (atomic, so racing writers are safe)."""
    assert_store_folder(store_dir)  # never a runs/ folder inside a TensorBoard or project folder
    check_store_version(store_dir)
    os.makedirs(os.path.join(store_dir, "runs"), exist_ok=True)
    marker = os.path.join(store_dir, MARKER_FILE)
    if not os.path.exists(marker):
        body = json.dumps({"format": "runlane-store", "version": FORMAT_VERSION}) + "\n"
        write_file_atomic(marker, body, writer_id)
        _ignore_in_git(store_dir, writer_id)


GITIGNORE_TEXT = ("# Written by Runlane when it made this store: runs are data, not source "
                  "(delete this file to track them).\n*\n")


def _ignore_in_git(store_dir, writer_id):
    """A new store inside a git repository must not flood Source Control with run files."""
    path = os.path.join(store_dir, ".gitignore")
    if os.path.exists(path):
        return
    try:
        write_file_atomic(path, GITIGNORE_TEXT, writer_id)
    except OSError:
        pass  # a nicety: never fails a write
