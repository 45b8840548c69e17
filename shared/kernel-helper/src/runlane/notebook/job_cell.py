"""`%%runlane --on TARGET`: the cell body runs as a job (through the daemon), its workers' output
streams into this cell, Ctrl-C cancels it, and rank 0's result comes back as the cell's value.

The cell shows a link to the job's run first (contract C3). The workers print the user's traceback
(runlane.worker), so a failure ends the cell with one line, not a second traceback through Runlane's
frames; a stop is one line too ("Stopped: job ID cancelled.")."""
import json
import os
import pickle
import shutil
import sys
import tempfile
import time

from .. import system
from ..daemon_client import DaemonClient
from ..errors import RunlaneError
from ..results import result_path
from ..store.reader import fold_run_events
from ..store.statuses import FINAL_STATUSES
from .detached import show_detached
from .worker_output import WorkerOutput

FINAL = frozenset(FINAL_STATUSES)
POLL = 0.02
CANCEL_WAIT = 15.0


RUN_MIME = "application/vnd.runlane.run+json"


class JobFailed(RunlaneError):
    """The job ended without success; its run keeps every line of output. Shown as its message alone:
    the workers' tracebacks are already in the cell, and Runlane's frames are not the user's."""

    def _render_traceback_(self):
        return ["\x1b[31m%s\x1b[0m" % line for line in str(self).splitlines()]


class JobStopped(RunlaneError):
    """The user stopped the cell (Ctrl-C, the editor's stop button): the job was cancelled. Not a
    KeyboardInterrupt: the kernel would show those as a bare "Interrupted"."""

    def _render_traceback_(self):
        return [str(self)]


def run_status(run_dir):
    """The run's status and error from its events (cheap: metrics are not read)."""
    folded = fold_run_events(run_dir, lambda message: None)
    return folded["status"] or "queued", folded["error"], folded["exit_code"]


def _pickled_vars(shell, names):
    values = {}
    for name in names:
        if name not in shell.user_ns:
            raise RunlaneError("--with %s: no variable named %r in this notebook." % (name, name))
        values[name] = shell.user_ns[name]
    try:
        import cloudpickle  # type: ignore

        return cloudpickle.dumps(values)
    except ImportError:
        pass
    try:
        return pickle.dumps(values)
    except Exception as err:
        raise RunlaneError("The variables given with --with cannot be pickled (%s). Functions and classes defined "
                           "in the notebook need cloudpickle: pip install cloudpickle." % err) from None


def _with_params(shell, names):
    """The --with variables as the run's params: JSON values as they are, anything else as its text
    (cut short: a DataFrame's repr is not a param)."""
    params = {}
    for name in names:
        value = shell.user_ns[name]
        try:
            if len(json.dumps(value, allow_nan=False)) <= 1000:
                params[name] = value
                continue
        except (TypeError, ValueError):
            pass
        text = repr(value)
        params[name] = text if len(text) <= 200 else text[:199] + "…"
    return params


def _cell_json(cell):
    """How the workers name and number the cell in tracebacks: as the editor does (line 1 is the
    %%runlane line), under IPython's name for it when the execution count is known."""
    count = (cell or {}).get("execution_count")
    source = (cell or {}).get("source")
    return {"filename": "Cell In[%d]" % count if isinstance(count, int) else "<cell>", "first_line": 2,
            "source": source if isinstance(source, str) else None}


def submit(shell, store, body, target, workers, gpus, with_vars, name, experiment, cwd, cell=None):
    """Hands the job's input (body and variables) to the daemon, which keeps a copy in the run and
    takes it to the target; returns the client and the run id."""
    variables = _pickled_vars(shell, with_vars) if with_vars else None  # fails before anything is written
    client = DaemonClient.connect(store)
    info = client.known_target(target)
    remote = info["kind"] == "ssh"
    # The worker runs this kernel's Python on this machine (local, Slurm on a shared filesystem), and
    # the host's Python over SSH (the helper is copied there). The cell keeps the notebook's folder as
    # its working folder where that folder exists.
    python = (info.get("python") or "python3") if remote else sys.executable
    input_dir = tempfile.mkdtemp(prefix="runlane-input-")
    try:
        with open(os.path.join(input_dir, "cell.py"), "w", encoding="utf-8") as f:
            f.write(body)
        if variables is not None:
            with open(os.path.join(input_dir, "vars.pkl"), "wb") as f:
                f.write(variables)
        with open(os.path.join(input_dir, "cell.json"), "w", encoding="utf-8") as f:
            json.dump(_cell_json(cell), f)
        spec = {"target": target, "command": [python, "-m", "runlane.worker"], "workers": workers,
                "gpusPerWorker": gpus, "name": name, "experiment": experiment, "cwd": None if remote else cwd,
                "input": input_dir, "cell": cell, "params": _with_params(shell, with_vars) or None,
                "env": system.settings_env() or None}
        created = client.submit_job({k: v for k, v in spec.items() if v is not None})
    finally:
        shutil.rmtree(input_dir, ignore_errors=True)  # the run has its own copy now
    return client, created["run_id"]


def follow(shell, client, store, run_id, display=None, labelled=True):
    """Streams the job's output into the cell until it ends; Ctrl-C cancels it. Returns the status.
    labelled=False leaves out the `[w0] ` before each line (the sweep controller's one worker)."""
    run_dir = os.path.join(store, "runs", run_id)
    output = WorkerOutput(run_dir, display, labelled)
    next_status = 0.0
    cancel_deadline = None
    status = error = None
    while True:
        try:
            output.poll()
            if time.time() >= next_status:
                status, error, _ = run_status(run_dir)
                next_status = time.time() + 0.1
                if status in FINAL:
                    break
                if cancel_deadline is not None and time.time() > cancel_deadline:
                    break
            time.sleep(POLL)
        except KeyboardInterrupt:
            if cancel_deadline is not None:
                break  # a second Ctrl-C: stop waiting for the workers to end
            client.cancel_job(run_id)
            cancel_deadline = time.time() + CANCEL_WAIT
    output.finish()
    if cancel_deadline is not None:
        raise JobStopped("Stopped: job %s cancelled." % run_id)
    return status, error


def load_result(store, run_id):
    path = result_path(store, run_id)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return pickle.load(f)


def run_job_cell(shell, args, body, store, cwd, name, experiment, cell=None):
    try:
        from IPython import display
    except ImportError:  # pragma: no cover - always there in a kernel
        display = None
    with_vars = [v.strip() for v in (args.with_vars or "").split(",") if v.strip()]
    try:
        client, run_id = submit(shell, store, body, args.target, args.workers, args.gpus, with_vars, name,
                                experiment, cwd, cell)
    except RunlaneError as err:
        # A sentence for the user (no such target, a --with variable missing...): shown alone, not
        # under a traceback through the magic and this module.
        err._render_traceback_ = lambda e=err: ["\x1b[31m%s: %s\x1b[0m" % (type(e).__name__, e)]
        raise
    show_run_link(display, store, run_id, name, experiment)
    print("runlane: job %s on %s (%d worker%s)" % (run_id, args.target, args.workers, "s" if args.workers > 1 else ""))
    if args.detach:
        if display is not None:
            show_detached(shell, os.path.join(store, "runs", run_id), run_id, args.target,
                          lambda run_dir: run_status(run_dir))
        else:
            print("Detached: it runs on. Follow it with %%runlane attach %s, or `runlane attach %s`."
                  % (run_id, run_id))
        return None
    status, error = follow(shell, client, store, run_id, display)
    return finish(store, run_id, status, error)


def show_run_link(display, store, run_id, name, experiment):
    """The run-link output (contract C3): the editors render it as the run's name with Details and
    Charts links; elsewhere its text says how to see the run."""
    if display is None:
        return
    bundle = {RUN_MIME: {"id": run_id, "name": name, "experiment": experiment, "store": store, "kind": "job"},
              "text/plain": 'Runlane run "%s" (%s): runlane show %s' % (name, run_id, run_id)}
    display.display(bundle, raw=True)


def failure_message(run_id, status, error):
    """One sentence for the cell: how the job ended, without the last lines already shown above it."""
    first = (error or "").split(" Its last lines:", 1)[0].strip()
    first = first if not first or first.endswith(".") else first + "."
    return "Job %s %s%s Its output: runlane logs %s" % (run_id, status, ": " + first if first else ".", run_id)


def finish(store, run_id, status, error):
    if status != "finished":
        raise JobFailed(failure_message(run_id, status, error))
    return load_result(store, run_id)


def attach(shell, store, run_id):
    try:
        from IPython import display
    except ImportError:  # pragma: no cover
        display = None
    client = DaemonClient.connect(store)
    status, error = follow(shell, client, store, run_id, display)
    return finish(store, run_id, status, error)


__all__ = ["run_job_cell", "attach", "JobFailed", "JobStopped", "run_status"]
