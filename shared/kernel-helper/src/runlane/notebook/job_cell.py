"""`%%runlane --on TARGET`: the cell body runs as a job (through the daemon), its workers' output
streams into this cell, Ctrl-C cancels it, and rank 0's result comes back as the cell's value."""
import os
import pickle
import shutil
import sys
import tempfile
import time

from ..daemon_client import DaemonClient
from ..errors import RunlaneError
from ..store.reader import fold_run_events
from ..results import RESULT_FILE
from .detached import show_detached
from .worker_output import WorkerOutput

FINAL = {"finished", "failed", "interrupted", "cancelled", "crashed"}
POLL = 0.02
CANCEL_WAIT = 15.0


class JobFailed(RunlaneError):
    """The job ended without success; its run keeps every line of output."""


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


def submit(shell, store, body, target, workers, gpus, with_vars, name, experiment, cwd, cell=None):
    """Hands the job's input (body and variables) to the daemon, which keeps a copy in the run and
    takes it to the target; returns the client and the run id."""
    variables = _pickled_vars(shell, with_vars) if with_vars else None  # fails before anything is written
    client = DaemonClient.connect(store)
    info = client.target(target)
    if info is None:
        names = ", ".join(t["name"] for t in client.request("GET", "/targets"))
        raise RunlaneError('No target "%s". Targets: %s (declare more in runlane.toml; `runlane targets` checks them).'
                           % (target, names))
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
        spec = {"target": target, "command": [python, "-m", "runlane.worker"], "workers": workers,
                "gpusPerWorker": gpus, "name": name, "experiment": experiment, "cwd": None if remote else cwd,
                "input": input_dir, "cell": cell}
        created = client.submit_job({k: v for k, v in spec.items() if v is not None})
    finally:
        shutil.rmtree(input_dir, ignore_errors=True)  # the run has its own copy now
    return client, created["run_id"]


def follow(shell, client, store, run_id, display=None):
    """Streams the job's output into the cell until it ends; Ctrl-C cancels it. Returns the status."""
    run_dir = os.path.join(store, "runs", run_id)
    output = WorkerOutput(run_dir, display)
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
            print("Cancelling job %s: stopping every worker…" % run_id, file=sys.stderr)
            client.cancel_job(run_id)
            cancel_deadline = time.time() + CANCEL_WAIT
    output.finish()
    if cancel_deadline is not None:
        raise KeyboardInterrupt
    return status, error


def load_result(store, run_id):
    path = os.path.join(store, "runs", run_id, "artifacts", RESULT_FILE)
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
    client, run_id = submit(shell, store, body, args.target, args.workers, args.gpus, with_vars, name,
                            experiment, cwd, cell)
    print("runlane: job %s on %s (%d worker%s)" % (run_id, args.target, args.workers, "s" if args.workers > 1 else ""))
    if args.detach:
        if display is not None:
            show_detached(shell, os.path.join(store, "runs", run_id), run_id, args.target,
                          lambda run_dir: run_status(run_dir))
        else:
            print("Detached: it runs on. Follow it with %%runlane attach %s, or `runlane attach %s`." % (run_id, run_id))
        return None
    status, error = follow(shell, client, store, run_id, display)
    return finish(store, run_id, status, error)


def finish(store, run_id, status, error):
    if status != "finished":
        raise JobFailed("Job %s %s. %s" % (run_id, status, (error or "").strip()))
    return load_result(store, run_id)


def attach(shell, store, run_id):
    try:
        from IPython import display
    except ImportError:  # pragma: no cover
        display = None
    client = DaemonClient.connect(store)
    status, error = follow(shell, client, store, run_id, display)
    return finish(store, run_id, status, error)


__all__ = ["run_job_cell", "attach", "JobFailed", "run_status"]
