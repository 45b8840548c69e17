"""The entry point of a notebook cell run as a job: `python -m runlane.worker [INPUT_DIR]`.

INPUT_DIR (default: $RUNLANE_INPUT_DIR, the job's input copied by the launcher) holds the cell's
body (`cell.py`), the variables it was given (`vars.pkl`) and how the editor names and numbers the
cell (`cell.json`: {"filename": "Cell In[3]", "first_line": 2, "source": the cell as written}). A
re-run with edited params sets RUNLANE_PARAMS (a JSON object): each one replaces the value of the
body's top-level assignment to that name, or is defined before the body runs if it assigns none. The
body runs as a script; on rank 0, the value of its last expression (or what it passed to
`runlane.result(...)`) is written to the run's `job/result.pkl` (not an artifact: the daemon brings
the `job/` folder back from SSH hosts with the exit codes), which the kernel loads, and its text to
`job/result.json` ({"text/plain": repr}), which editors that cannot unpickle (VS Code) show. Rank 0
also records the body's top-level literal assignments (`lr = 0.3`, after a re-run's overrides) as the
run's params, and writes its env.json (Python, the packages the cell imports, git, host, GPUs).

A failure prints the user's frames only (none of this module's), with the line numbers the editor
shows (line 1 is the `%%runlane` line), once, on stderr, and exits 1. A NameError gets one more
line saying why: each job cell is a process of its own, so other cells' names do not exist there."""
import ast
import json
import linecache
import os
import pickle
import sys
import threading
import traceback

from .results import NOTHING, RESULT_TEXT_FILE, explicit_result, result_path

ENV_WAIT = 5.0  # seconds rank 0 waits at the end for its environment capture (git, nvidia-smi)
MAX_RESULT_TEXT = 100000  # characters of the result's repr kept in result.json
FRESH_PROCESS_HINT = ("Each job cell runs in a fresh process: names from other cells are not defined there. "
                      "Import what the cell uses in the cell, or pass kernel variables with --with NAME.")

def _dumps(value):
    try:
        import cloudpickle  # type: ignore

        return cloudpickle.dumps(value)
    except ImportError:
        return pickle.dumps(value)


def apply_param_overrides(tree, overrides):
    """Replaces the value of top-level `name = ...` assignments named in `overrides` (in place);
    returns the overrides no assignment took, which the caller defines before the body runs."""
    unused = dict(overrides)
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id in overrides:
                name = targets[0].id
                value = overrides[name]
                # JSON has one number type: a whole number replacing a float literal stays a float.
                was_float = isinstance(node.value, ast.Constant) and isinstance(node.value.value, float)
                if was_float and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                node.value = ast.copy_location(_literal(value), node.value)
                unused.pop(name, None)
    return unused


def _literal(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return ast.Constant(value)  # also NaN and infinities, which have no literal spelling
    return ast.parse(repr(value), mode="eval").body


def _param_overrides():
    raw = os.environ.get("RUNLANE_PARAMS")
    if not raw:
        return {}
    try:
        overrides = json.loads(raw)
    except ValueError:
        overrides = None
    if not isinstance(overrides, dict):
        sys.exit("runlane.worker: RUNLANE_PARAMS must be a JSON object of name to value, got %r." % raw[:200])
    return overrides


def _cell_info(input_dir, body):
    """How tracebacks name and number the cell; defaults for inputs written before cell.json existed."""
    info = {"filename": "<cell>", "first_line": 1, "source": None}
    try:
        with open(os.path.join(input_dir, "cell.json"), encoding="utf-8") as f:
            info.update(json.load(f))
    except (OSError, ValueError):
        pass
    offset = max(0, int(info["first_line"]) - 1)
    source = info["source"] if isinstance(info["source"], str) else "\n" * offset + body
    # The traceback shows the cell's lines as written (the magic line included) under its name.
    lines = source.splitlines(True)
    linecache.cache[info["filename"]] = (len(source), None, lines, info["filename"])
    return info["filename"], offset


def _print_user_traceback(exc, filename):
    """The traceback from the cell's first frame on: Runlane's own frames are not the user's code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and tb is None:
        sys.stderr.write("".join(traceback.format_exception_only(type(exc), exc)))
    else:
        sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))
    if type(exc) is NameError:  # not UnboundLocalError: that one is about the cell's own code
        sys.stderr.write(FRESH_PROCESS_HINT + "\n")
    sys.stderr.flush()


def _imported_modules(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return sorted(names)


def _write_env(modules):
    """env.json of the job's run, from rank 0 (an atomic replace, as every snapshot file)."""
    store, run_id = os.environ.get("RUNLANE_DIR"), os.environ.get("RUNLANE_RUN_ID")
    if not store or not run_id:
        return
    try:
        from .capture.env import capture_env

        env = capture_env(modules, os.getcwd())
        env["workers"] = int(os.environ.get("WORLD_SIZE", "1"))
        run_dir = os.path.join(store, "runs", run_id)
        if not os.path.isdir(run_dir):
            return
        target = os.path.join(run_dir, "env.json")
        temp = "%s.tmp-%s" % (target, os.environ.get("RUNLANE_WORKER", "w0"))
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(env, f, indent=1, default=str)
        os.replace(temp, target)
    except Exception:
        pass  # the environment is a nicety; it never fails the user's job


def _record_cell_params(tree):
    """The body's top-level literals (as the re-run's overrides left them) as the job run's params,
    the rule the kernel's tracked cells follow: Re-run then offers them for editing. Later
    `with rl.run()` blocks of this worker start from them too."""
    from . import api, tracking
    from .capture.params import literal_assignments_of

    params = literal_assignments_of(tree)
    api.job_state["literals"] = dict(params)
    store, run_id = os.environ.get("RUNLANE_DIR"), os.environ.get("RUNLANE_RUN_ID")
    if not params or not store or not run_id:
        return
    try:
        tracking.writer_for(store).set_params(run_id, params)
    except Exception as err:  # the params are a record of the run; the job itself goes on
        sys.stderr.write("runlane: the cell's params were not recorded (%s).\n" % err)


def _sample_system():
    """Each rank samples its CPU, memory and GPUs (system.py) from the worker's start, not from the
    cell's first rl.log: the worker joins the job's run now, as that first call would."""
    from . import api, system

    job_run = os.environ.get("RUNLANE_RUN_ID")
    if not job_run or not system.enabled():
        return
    try:
        api._job_run(job_run)
    except Exception as err:  # sampling is a nicety; the user's cell runs whatever happens here
        sys.stderr.write("runlane: system metrics are not sampled (%s).\n" % err)


def _write_result_text(target, value):
    """job/result.json: the result as text, for clients that cannot load result.pkl (it is Node)."""
    try:
        text = repr(value)
    except Exception as err:
        text = "<result whose repr failed: %s>" % type(err).__name__
    temp = os.path.join(os.path.dirname(target), RESULT_TEXT_FILE + ".tmp-worker")
    with open(temp, "w", encoding="utf-8") as f:
        json.dump({"text/plain": text[:MAX_RESULT_TEXT]}, f, ensure_ascii=False)
    os.replace(temp, os.path.join(os.path.dirname(target), RESULT_TEXT_FILE))


def run(input_dir):
    namespace = {"__name__": "__main__"}
    vars_file = os.path.join(input_dir, "vars.pkl")
    if os.path.exists(vars_file):
        with open(vars_file, "rb") as f:
            namespace.update(pickle.load(f))
    with open(os.path.join(input_dir, "cell.py"), encoding="utf-8") as f:
        body = f.read()
    filename, offset = _cell_info(input_dir, body)
    rank0 = os.environ.get("RANK", "0") == "0"
    env_thread = None
    _sample_system()
    try:
        # Blank lines in place of the magic line: line numbers are the editor's, in every message.
        tree = ast.parse("\n" * offset + body, filename=filename)
        if rank0:
            env_thread = threading.Thread(target=_write_env, args=(_imported_modules(tree),), daemon=True)
            env_thread.start()
        namespace.update(apply_param_overrides(tree, _param_overrides()))
        if rank0:
            _record_cell_params(tree)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), namespace)
        value = eval(compile(last, filename, "eval"), namespace) if last is not None else None
    except SystemExit:
        raise
    except BaseException as exc:
        _print_user_traceback(exc, filename)
        if env_thread is not None:
            env_thread.join(ENV_WAIT)
        sys.exit(1)
    if explicit_result() is not NOTHING:
        value = explicit_result()
    target = result_path(os.environ.get("RUNLANE_DIR"), os.environ.get("RUNLANE_RUN_ID"))
    if rank0 and value is not None and target:
        try:
            data = _dumps(value)
        except Exception as err:  # an unpicklable result: its text still comes back
            data = pickle.dumps("<result that cannot be pickled: %s: %r>" % (type(err).__name__, value))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target + ".tmp-worker", "wb") as f:
            f.write(data)
        os.replace(target + ".tmp-worker", target)
        _write_result_text(target, value)
    if env_thread is not None:
        env_thread.join(ENV_WAIT)


def capture_script_env(script):
    """`python -m runlane.worker --env [SCRIPT]`: rank 0 of a script job records the run's env.json
    (the packages SCRIPT imports), started by the launcher beside the user's command."""
    modules = []
    try:
        with open(script, encoding="utf-8") as f:
            modules = _imported_modules(ast.parse(f.read()))
    except (OSError, SyntaxError, ValueError, TypeError):
        pass
    _write_env(modules)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--env"]:
        capture_script_env(sys.argv[2] if len(sys.argv) > 2 else None)
        sys.exit(0)
    source = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RUNLANE_INPUT_DIR")
    if not source:
        sys.exit("runlane.worker: give the input folder (python -m runlane.worker INPUT_DIR) or set RUNLANE_INPUT_DIR.")
    from .job_output import guard_job_output, wait_at_exit

    guarded = guard_job_output()  # a full disk holds the cell's prints instead of failing it
    try:
        run(source)
    finally:
        wait_at_exit(guarded)
