"""What a folder is, before anything is written into it (contract C4; the TypeScript twin is
shared/core/src/store/folderKind.ts, with the same rules and sentences). RUNLANE_DIR pointed at a
TensorBoard log folder or a project folder must not grow a `runs/` folder and a marker there."""
import os

from ..errors import NotAStoreError

MARKER_FILE = "runlane-store.json"
# Bounds of the look for event files: a huge home folder must not be walked whole.
MAX_DEPTH = 4
MAX_ENTRIES = 5000


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _count(n, word):
    """'3 files', '1 folder'; '' for none."""
    return _plural(n, word) if n else ""


def _walk(root, visit):
    """Visits root's folders breadth-first, to MAX_DEPTH, until MAX_ENTRIES entries were seen (a huge home
    folder is not walked whole); symlinked folders are not followed, as TensorBoard's walk does not.
    `visit(folder, entries)` gives the sub-folders to enter, or None to enter none there. Returns
    whether the look was complete."""
    seen, level = 0, [root]
    for _depth in range(MAX_DEPTH + 1):
        following = []
        for folder in level:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # unreadable: not evidence either way
            seen += len(entries)
            enter = visit(folder, entries)
            if enter is None:
                continue
            following.extend(e.path for e in enter if e.is_dir(follow_symlinks=False))
            if seen > MAX_ENTRIES:
                return False
        level = following
        if not level:
            break
    return True


def _event_folders(root):
    """(folders under root holding event files, whether the look was complete)."""
    folders = 0

    def visit(_folder, entries):
        nonlocal folders
        if any("tfevents" in e.name and not e.is_dir(follow_symlinks=False) for e in entries):
            folders += 1
        return entries

    complete = _walk(root, visit)
    return folders, complete


# Folders the DVCLive look does not enter (dvcliveDir.ts's SKIP).
_DVCLIVE_SKIP = {"node_modules", ".git", ".dvc", "__pycache__", ".venv", "venv", ".runlane"}


def _looks_like_dvclive(folder, entries):
    """DvcliveDir.looksLikeDvclive: a `dvclive` folder with plots/, metrics.json or params.yaml, or
    any folder with plots/ beside one of DVCLive's own files."""
    names = {e.name for e in entries}
    has_plots = any(e.name == "plots" and e.is_dir(follow_symlinks=False) for e in entries)
    if os.path.basename(folder) == "dvclive":
        return has_plots or "metrics.json" in names or "params.yaml" in names
    return has_plots and ("metrics.json" in names or "params.yaml" in names or "report.html" in names)


def _dvclive_folders(root):
    """(DVCLive folders under root, root itself one of them), within the same bounds
    (countDvcliveFolders in dvcliveDir.ts): a project with a dvclive/ folder opens as a log folder."""
    count, itself = 0, False

    def visit(folder, entries):
        nonlocal count, itself
        if _looks_like_dvclive(folder, entries):
            count += 1
            itself = itself or folder == root
            return None  # its plots/ are its own
        return [e for e in entries if e.name not in _DVCLIVE_SKIP]

    _walk(root, visit)
    return count, itself


def inspect_folder(path):
    """{"path", "kind": store | tensorboard | empty | missing | other, "detail"} (the detail reads
    after "<path> is"); never raises."""
    path = os.path.abspath(path)
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return {"path": path, "kind": "missing",
                "detail": "a folder that does not exist yet; a store is created there on the first write"}
    except NotADirectoryError:  # scandir says so for a file
        return {"path": path, "kind": "other", "detail": "a file, not a folder"}
    except OSError as e:
        return {"path": path, "kind": "other", "detail": "a folder that cannot be read (%s)" % e}
    names = [e.name for e in entries]
    if MARKER_FILE in names:
        return {"path": path, "kind": "store", "detail": "a Runlane store"}
    folders, complete = _event_folders(path)
    if folders:
        count = "%s%s of event files" % ("" if complete else "at least ", _plural(folders, "run"))
        return {"path": path, "kind": "tensorboard", "detail": "a TensorBoard log folder (%s)" % count}
    # DVCLive folders are read as a log folder's runs (docs/dvclive.md): opened the same way.
    dvclive, itself = _dvclive_folders(path)
    if dvclive:
        detail = "a DVCLive folder" if itself else "a log folder with %s" % _plural(dvclive, "DVCLive folder")
        return {"path": path, "kind": "tensorboard", "detail": detail}
    # A store whose first writer crashed before writing the marker (docs/store-format.md).
    if "runs" in names and os.path.isdir(os.path.join(path, "runs")):
        return {"path": path, "kind": "store", "detail": "a Runlane store (without its marker yet)"}
    inside = os.path.join(path, ".runlane")
    nested = ".runlane" in names and os.path.isdir(inside)
    # Hidden files alone (.DS_Store, .gitkeep) leave a folder empty for this purpose.
    shown = [e for e in entries if not e.name.startswith(".")]
    if not shown and not nested:
        return {"path": path, "kind": "empty", "detail": "an empty folder; a store is created there on the first write"}
    if nested:
        return {"path": path, "kind": "other", "detail": "a folder with a Runlane store inside it, in %s" % inside}
    folders = sum(1 for e in shown if e.is_dir())
    holds = " and ".join(c for c in (_count(folders, "folder"), _count(len(shown) - folders, "file")) if c)
    return {"path": path, "kind": "other", "detail": "a folder that is not a Runlane store (it holds %s)" % holds}


def assert_store_folder(path):
    """Raises NotAStoreError unless path is a store, empty or missing: what it is and what to do."""
    found = inspect_folder(path)
    if found["kind"] in ("store", "empty", "missing"):
        return
    where, detail = found["path"], found["detail"]
    point = "Point the store (RUNLANE_DIR, --dir or the store setting) at"
    if found["kind"] == "tensorboard":
        raise NotAStoreError(
            "%s is %s, not a Runlane store; nothing was written there. Open it as one: runlane ls --logdir %s, "
            "or the editor's 'Open TensorBoard Log Folder'; and point the store (RUNLANE_DIR, --dir or the "
            "store setting) at another folder." % (where, detail, where))
    inside = os.path.join(where, ".runlane")
    if inside in detail:
        raise NotAStoreError("%s is %s; nothing was written there. %s %s instead." % (where, detail, point, inside))
    raise NotAStoreError("%s is %s; nothing was written there. %s an existing store, an empty folder or a new one "
                         "such as %s." % (where, detail, point, inside))
