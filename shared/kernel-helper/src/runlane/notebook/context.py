"""Where a cell execution comes from: notebook path, cell id, execution count, request metadata."""
import os


def notebook_path(shell):
    """JupyterLab's server sets JPY_SESSION_NAME; VS Code's Jupyter extension sets __vsc_ipynb_file__."""
    vsc = shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None
    if isinstance(vsc, str) and vsc:
        return vsc
    return os.environ.get("JPY_SESSION_NAME") or None


def notebook_folder(path):
    """The folder the store is searched from: the notebook's, when it can be found, else the cwd."""
    if path:
        candidate = path if os.path.isabs(path) else os.path.abspath(path)
        if os.path.exists(candidate):
            return os.path.dirname(candidate)
    return os.getcwd()


def execute_request(shell):
    """The kernel's current execute_request (header, metadata, content), or {} outside a kernel."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return {}
    try:
        parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else kernel._parent_header
    except TypeError:  # ipykernel < 6.22: get_parent() takes no channel
        parent = kernel.get_parent()
    except Exception:
        return {}
    return parent if isinstance(parent, dict) else {}


def request_metadata(shell, info=None):
    """The execute_request's metadata: JupyterLab sends `cellId` there, and the editor extensions
    the cell's tags. IPython 9 hands it to pre_run_cell as `info.cell_meta`; before that it is read
    from the kernel's parent message."""
    metadata = getattr(info, "cell_meta", None)
    if not isinstance(metadata, dict):
        metadata = execute_request(shell).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


TRACK_TAGS = ("runlane", "experiment")


def is_tagged(metadata):
    """A cell is marked as an experiment by execute_request metadata `{"runlane": {"track": true}}`
    (or `{"runlane": true}`), or by a `runlane` / `experiment` tag in `metadata["tags"]` (the cell's
    tags, as the editor extensions pass them)."""
    marker = metadata.get("runlane")
    if marker is True or (isinstance(marker, dict) and marker.get("track") is True):
        return True
    tags = metadata.get("tags")
    return isinstance(tags, (list, tuple)) and any(t in TRACK_TAGS for t in tags)


def _execution_count(shell, info):
    """The In[n] number of the running cell (info None: asked while the cell runs). IPython 9
    counts the cell before pre_run_cell fires, IPython 8 after the cell has run."""
    count = getattr(shell, "execution_count", None)
    if not isinstance(count, int):
        return None
    import IPython

    counted_already = int(IPython.__version__.split(".")[0]) >= 9
    return count - 1 if counted_already and getattr(info, "store_history", True) else count


def _running_code(shell):
    """The source of the executing cell when pre_run_cell was missed (the extension was loaded by
    the cell itself): the execute_request's code, else IPython's input history."""
    code = execute_request(shell).get("content", {}).get("code")
    if isinstance(code, str):
        return code
    history = shell.user_ns.get("In") if shell is not None else None
    return history[-1] if isinstance(history, list) and history and isinstance(history[-1], str) else ""


class CellContext:
    """One cell execution: from IPython's pre_run_cell `info`, or (info None) from the kernel's
    current request."""

    def __init__(self, shell, info):
        self.raw_cell = getattr(info, "raw_cell", None) or (_running_code(shell) if info is None else "") or ""
        self.metadata = request_metadata(shell, info)
        cell_id = getattr(info, "cell_id", None) or self.metadata.get("cellId")
        self.cell_id = cell_id if isinstance(cell_id, str) and cell_id else None
        self.execution_count = _execution_count(shell, info)
        self.notebook = notebook_path(shell)
        self.folder = notebook_folder(self.notebook)

    @property
    def default_name(self):
        """`train [12]`: the notebook's name and the cell's In[] number."""
        return "%s [%s]" % (self.notebook_stem or "cell", self.execution_count)

    def run_meta(self):
        """The meta.json fields that link a run to this cell."""
        return {"notebook": self.notebook, "cell_id": self.cell_id, "source": self.raw_cell or None,
                "execution_count": self.execution_count if isinstance(self.execution_count, int) else None}

    @property
    def is_magic_cell(self):
        return self.raw_cell.lstrip().startswith("%%runlane")

    @property
    def notebook_stem(self):
        if not self.notebook:
            return None
        return os.path.splitext(os.path.basename(self.notebook))[0] or None
