"""The entry point of a notebook cell run as a job: `python -m runlane.worker [INPUT_DIR]`.

INPUT_DIR (default: $RUNLANE_INPUT_DIR, the job's input copied by the launcher) holds the cell's body (`cell.py`) and the variables it was given (`vars.pkl`). A re-run
with edited params sets RUNLANE_PARAMS (a JSON object): each one replaces the value of the body's
top-level assignment to that name, or is defined before the body runs if it assigns none. The body
runs as a script; on rank 0, the value of its last expression (or what it passed to
`runlane.result(...)`) is written as the artifact `result.pkl` (under $RUNLANE_OUTPUT_DIR, so it
comes back from remote hosts with the other artifacts), which the kernel loads."""
import ast
import json
import os
import pickle
import sys

from .results import NOTHING, RESULT_FILE, explicit_result




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
                node.value = ast.copy_location(_literal(overrides[name]), node.value)
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


def run(input_dir):
    namespace = {"__name__": "__main__"}
    vars_file = os.path.join(input_dir, "vars.pkl")
    if os.path.exists(vars_file):
        with open(vars_file, "rb") as f:
            namespace.update(pickle.load(f))
    with open(os.path.join(input_dir, "cell.py"), encoding="utf-8") as f:
        body = f.read()
    tree = ast.parse(body, filename="<cell>")
    namespace.update(apply_param_overrides(tree, _param_overrides()))
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, "<cell>", "exec"), namespace)
    value = eval(compile(last, "<cell>", "eval"), namespace) if last is not None else None
    if explicit_result() is not NOTHING:
        value = explicit_result()
    output = os.environ.get("RUNLANE_OUTPUT_DIR")
    if os.environ.get("RANK", "0") == "0" and value is not None and output:
        try:
            data = _dumps(value)
        except Exception as err:  # an unpicklable result: its text still comes back
            data = pickle.dumps("<result that cannot be pickled: %s: %r>" % (type(err).__name__, value))
        os.makedirs(output, exist_ok=True)
        target = os.path.join(output, RESULT_FILE)
        with open(target + ".tmp-worker", "wb") as f:
            f.write(data)
        os.replace(target + ".tmp-worker", target)

if __name__ == "__main__":
    source = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RUNLANE_INPUT_DIR")
    if not source:
        sys.exit("runlane.worker: give the input folder (python -m runlane.worker INPUT_DIR) or set RUNLANE_INPUT_DIR.")
    run(source)
