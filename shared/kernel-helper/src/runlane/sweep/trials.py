"""One trial of a sweep: a job submitted through the daemon's job API (so it runs on any target, gets
its own GPU from the daemon's pool, and is a run of its own), its metric read live from the daemon's
series API, and its end: finished with a value, failed, or pruned (cancelled, then marked)."""
import json
import math
import os
import time
import urllib.parse

from ..daemon_client import DaemonError
from ..notebook.job_cell import run_status
from ..store.statuses import FINAL_STATUSES
from .space import fill

FINAL = frozenset(FINAL_STATUSES) | {"pruned"}
SWEEP_TAG = "runlane.sweep"
TRIAL_TAG = "runlane.sweep.trial"


def trial_spec(template, number, values, sweep_id, sweep_name):
    """The job spec of trial `number`: the command with `{name}`s filled (each argument stays one
    argument: jobs are argv, never a shell), and the values in its environment (RUNLANE_PARAMS is
    what runlane.worker applies to a cell's assignments; RUNLANE_PARAM_<name> for any program)."""
    env = dict(template.get("env") or {})
    env["RUNLANE_PARAMS"] = json.dumps(values)
    env.update({"RUNLANE_PARAM_%s" % k: json.dumps(v) if not isinstance(v, str) else v for k, v in values.items()})
    env["RUNLANE_SWEEP_ID"] = sweep_id
    env["RUNLANE_SWEEP_TRIAL"] = str(number)
    spec = {"target": template["target"], "command": [fill(a, values) for a in template["command"]],
            "workers": template.get("workers", 1), "gpusPerWorker": template.get("gpus", 0),
            "name": "%s · trial %d" % (sweep_name, number), "experiment": template.get("experiment"),
            "cwd": template.get("cwd"), "env": env, "input": template.get("input"), "cell": template.get("cell"),
            "targetsFile": template.get("targetsFile"), "params": values,
            # With the submit, so the run is created tagged: no request after it, no reader sees it ungrouped.
            "tags": {SWEEP_TAG: sweep_id, TRIAL_TAG: str(number)}}
    return {k: v for k, v in spec.items() if v is not None}


class Trial:
    def __init__(self, client, store, optuna_trial, values, run_id):
        self.client = client
        self.store = store
        self.trial = optuna_trial
        self.number = optuna_trial.number
        self.values = values
        self.run_id = run_id
        self.run_dir = os.path.join(store, "runs", run_id)
        self.next_step = None  # the first step not yet read
        self.last = None  # (step, value) of the last point
        self.reported = set()
        self.pruning = None  # the reason, once the pruner stopped it
        self.pruned_at = None  # (step, value) it was pruned at: the one judged, or the last it reached
        self.judged = None  # (the rule's reason, the step it judged)
        self.next_metric_read = 0.0
        self.fed_points = []  # (step, value) from the live feed, not yet judged
        self.end_seen = False  # the feed told of a final status: look at the files now
        self.queued_at = None  # when its job was queued (for a GPU, in a cluster's queue), until seen running

    def new_points(self, metric):
        """The points logged since the last call, as (step, value), skipping NaN and text values."""
        route = "/runs/%s/metrics/%s" % (urllib.parse.quote(self.run_id, safe=""), urllib.parse.quote(metric, safe=""))
        query = {} if self.next_step is None else {"from_step": self.next_step}
        try:
            series = self.client.request("GET", route, query=query)
        except DaemonError as err:
            if err.status == 404:
                return []  # nothing logged yet
            raise
        return self._take(series.get("steps", []), series.get("values", []))

    def fed(self, steps, values):
        """Points the daemon's live feed brought (feed.py): kept until the controller's next look."""
        self.fed_points.extend(self._take(steps, values))

    def take_fed(self):
        points, self.fed_points = self.fed_points, []
        return points

    def _take(self, steps, values):
        """The points past the last one seen (from either source), as (step, value), skipping NaN,
        infinities and text values (the feed sends a non-finite value as text)."""
        points = []
        for step, value in zip(steps, values):
            if self.next_step is not None and step < self.next_step:
                continue
            self.next_step = step + 1
            if isinstance(value, (int, float)) and math.isfinite(value):
                points.append((step, float(value)))
                self.last = (step, float(value))
        return points

    def status(self):
        return run_status(self.run_dir)

    def stop(self, reason, step, value):
        """Asks the daemon to cancel the trial's job (its GPU goes back to the pool); the run is
        marked pruned once the daemon has recorded the cancel (see mark_pruned)."""
        self.pruning = reason
        self.judged = (reason, step)
        self.pruned_at = (step, value)
        try:
            self.client.stop_run(self.run_id)
        except DaemonError:
            pass  # it ended meanwhile: its own status stands, the pruner's verdict is still recorded

    def pruning_reason(self, reached):
        """The rule's verdict, and the step the trial had reached when the stop landed, if later."""
        reason, judged = self.judged
        return reason if reached == judged else "%s It had reached step %d when it stopped." % (reason, reached)

    def exited_on_its_own(self):
        """Whether every worker of the trial exited 0: it ran its code to the end, whatever the daemon
        recorded (a cancel asked for while it was exiting is recorded `cancelled`). A worker that the
        stop killed exits with the signal's code (143, 137) or writes none."""
        folder = os.path.join(self.run_dir, "job")
        try:
            names = [n for n in os.listdir(folder) if n.endswith(".exit")]
            codes = []
            for name in names:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    codes.append(f.read().strip())
        except OSError:
            return False
        return bool(codes) and all(code == "0" for code in codes)

    def mark_pruned(self, writer):
        """Writes `pruned` after the daemon's `cancelled`: new readers show pruned (with the step and the
        rule's reason), readers that predate the status skip it and still show cancelled."""
        writer.set_status(self.run_id, "pruned", error=self.pruning)
        writer.set_tags(self.run_id, {"runlane.pruned_step": str(self.pruned_at[0])})


def wait_final(trial, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, error, _ = trial.status()
        if status in FINAL:
            return status, error
        time.sleep(0.05)
    return None, None


def median_reason(study, optuna, pruner, metric, trial, step, value):
    """The rule's reason, in words: the median rule compares with the other trials at this step."""
    if pruner == "median":
        at_step = [t.intermediate_values[step] for t in study.trials
                   if t.number != trial.number and step in t.intermediate_values
                   and t.state == optuna.trial.TrialState.COMPLETE]
        if at_step:
            at_step.sort()
            mid = len(at_step) // 2
            median = at_step[mid] if len(at_step) % 2 else (at_step[mid - 1] + at_step[mid]) / 2
            return ("Pruned at step %d by the median rule: %s = %.6g is %s than the median %.6g of %d finished "
                    "trials at that step." % (step, metric, value, "worse", median, len(at_step)))
    return "Pruned at step %d by the %s pruner: %s = %.6g." % (step, pruner, metric, value)
