"""Resuming a sweep that did not finish (its controller was cancelled, or killed with the machine):
a new sweep run, started by the daemon's re-run of the first one's job (the same spec and input),
that continues the same Optuna study: finished, pruned and failed trials are not run again, the trial
that was running runs again, and the best is over every trial of the sweep. `%runlane resume SWEEP`
and `runlane sweep --resume SWEEP`."""
import urllib.parse

from ..daemon_client import DaemonClient
from ..errors import RunlaneError
from .submit import ROLE_TAG


def resume_sweep(store, sweep_id):
    """Starts the resumed sweep; returns (client, its run id)."""
    client = DaemonClient.connect(store)
    quoted = urllib.parse.quote(sweep_id, safe="")
    run = client.request("GET", "/runs/%s" % quoted)
    if run["tags"].get(ROLE_TAG) != "sweep":
        raise RunlaneError("Run %s is not a sweep; `runlane ls` shows sweeps with the tag %s." % (sweep_id, ROLE_TAG))
    if run["status"] in ("queued", "running"):
        raise RunlaneError("Sweep %s is still running: follow it with %%runlane attach %s." % (sweep_id, sweep_id))
    if run["status"] == "finished":
        raise RunlaneError("Sweep %s finished: every trial is done, there is nothing to resume." % sweep_id)
    root = run["params"].get("sweep.resume_of") or sweep_id
    created = client.request("POST", "/runs/%s/rerun" % quoted,
                             {"params": {"sweep.resume_of": root, "sweep.resumed_from": sweep_id}})
    client.request("PATCH", "/runs/%s" % created["run_id"], {"tags": {ROLE_TAG: "sweep"}})
    return client, created["run_id"]
