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


def request_metadata(shell):
    """The execute_request's metadata (JupyterLab sends cellId there; editors may send runlane tags)."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return {}
    try:
        parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else kernel._parent_header
    except TypeError:
        parent = kernel.get_parent()
    except Exception:
        return {}
    metadata = (parent or {}).get("metadata") if isinstance(parent, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def is_tagged(metadata):
    """A cell is marked as an experiment by request metadata `{"runlane": {"track": true}}`, or by a
    `runlane` / `experiment` tag in `metadata.tags` (the cell's tags, as the editor extensions pass them)."""
    marker = metadata.get("runlane")
    if isinstance(marker, dict) and marker.get("track"):
        return True
    tags = metadata.get("tags") or metadata.get("cell_tags") or []
    return isinstance(tags, (list, tuple)) and any(t in ("runlane", "experiment") for t in tags)


def _execution_count(shell, info):
    """The In[n] number of the running cell. IPython 9 counts the cell before pre_run_cell fires,
    IPython 8 after the cell has run."""
    count = getattr(shell, "execution_count", None)
    if not isinstance(count, int) or info is None:
        return count
    import IPython

    counted_already = int(IPython.__version__.split(".")[0]) >= 9
    return count - 1 if counted_already and getattr(info, "store_history", True) else count


class CellContext:
    """One cell execution, as seen in IPython's pre_run_cell event."""

    def __init__(self, shell, info):
        self.raw_cell = getattr(info, "raw_cell", None) or ""
        self.metadata = request_metadata(shell)
        self.cell_id = getattr(info, "cell_id", None) or self.metadata.get("cellId") or None
        self.execution_count = _execution_count(shell, info)
        self.notebook = notebook_path(shell)
        self.folder = notebook_folder(self.notebook)

    @property
    def is_magic_cell(self):
        return self.raw_cell.lstrip().startswith("%%runlane")

    @property
    def notebook_stem(self):
        if not self.notebook:
            return None
        return os.path.splitext(os.path.basename(self.notebook))[0] or None
