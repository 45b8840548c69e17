"""`python -m runlane.sweep.controller [SPEC]`: the process that runs a sweep. It is itself a job
(submitted through the daemon by `%%runlane sweep` and `runlane sweep`, so it outlives the notebook,
the kernel and the editor, and its run is the sweep run); it asks Optuna for values, submits each
trial as a job through the daemon, reads the trial's live metric, prunes, and tells Optuna the result.

The spec (JSON, default $RUNLANE_INPUT_DIR/sweep.json): target-independent settings (`trials`,
`parallel`, `metric`, `mode`, `sampler`, `pruner`, `seed`, `space`: name -> range JSON or fixed value)
and `trial`: the job spec template each trial starts from. Output: one line per event, then a
`sweep/result.json` in the sweep run with every trial and the best."""
import json
import os
import signal
import sys
import time

from ..daemon_client import DaemonClient, DaemonError
from ..store.writer import StoreWriter
from .feed import Feed, FollowsFeed
from .outcome import Outcome, error_line, values_text
from .space import Distribution, SpaceError, check_space, from_json
from .study import PRUNERS, SAMPLERS, import_optuna, open_study, suggest
from .trials import SWEEP_TAG, Trial, median_reason, trial_spec, wait_final

# The daemon's live feed (feed.py) tells of a trial's end and of its new points as they are written:
# the controller waits on it, so the next trial starts and a poor one is stopped within milliseconds.
# The feed only wakes it: statuses are still read from the trials' files every LOOK and metrics over
# HTTP every METRIC_POLL (the daemon can find a brand-new run's first points at its once-a-second
# look), so an event it missed costs that long, never a decision. Without the feed (it connects, or
# a daemon restarts) statuses are read every POLL (feed.py).
LOOK = 0.25
METRIC_POLL = 0.25


class Stop(Exception):
    """SIGTERM: the sweep was cancelled (the daemon's cancel, Ctrl-C in the cell or the CLI)."""


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    space = {k: from_json(v) if isinstance(v, dict) and "kind" in v else v for k, v in spec["space"].items()}
    if spec.get("sampler", "tpe") not in SAMPLERS:
        raise SpaceError("--sampler must be one of %s." % ", ".join(SAMPLERS))
    if spec.get("pruner", "median") not in PRUNERS:
        raise SpaceError("--pruner must be one of %s." % ", ".join(PRUNERS))
    check_space(space, spec["trial"].get("command") if spec["trial"].get("fill_command") else None,
                spec.get("sampler", "tpe"))
    return spec, space


class Controller(FollowsFeed, Outcome):
    def __init__(self, spec, space, store, sweep_id):
        self.spec, self.space, self.store, self.sweep_id = spec, space, store, sweep_id
        self.metric, self.mode = spec["metric"], spec.get("mode", "min")
        self.total, self.parallel = int(spec["trials"]), max(1, int(spec.get("parallel", 1)))
        self.client = DaemonClient.connect(store)
        self.feed = Feed(self.client, self.metric)  # it connects while Optuna is imported
        self.optuna = import_optuna()
        self.early = []  # events of runs not yet in self.active, replayed when their trial is added
        self.next_look = 0.0
        self.writer = StoreWriter(store)
        self.folder = os.path.join(store, "runs", sweep_id, "sweep")
        os.makedirs(self.folder, exist_ok=True)
        # A resumed sweep (resume.py) is a new run that continues the first run's study: the journal
        # stays in the first sweep run's folder, and the trials done so far carry over.
        root = spec.get("resume_of") or sweep_id
        self.study = open_study(self.optuna, os.path.join(store, "runs", root, "sweep"), root, self.mode,
                                spec.get("sampler", "tpe"), spec.get("pruner", "median"), space, spec.get("seed"),
                                spec.get("warmup", 1))
        if spec.get("sampler") == "grid":
            size = 1
            for dist in space.values():
                size *= len(dist.grid()) if isinstance(dist, Distribution) else 1
            if size < self.total:  # past the grid a grid sampler repeats points: not a new trial
                print("The grid has %d points: %d trials, not %d." % (size, size, self.total), flush=True)
                self.total = size
        self.active = []
        self.refused = False  # the target refused a trial's job: no more are asked for
        self.dirty = False  # records not yet in result.json
        self.records = []  # every trial this sweep ran, in the order they ended
        if spec.get("resumed_from"):
            from .submit import read_result

            self.records = list((read_result(store, spec["resumed_from"]) or {}).get("trials") or [])

    def _tell(self, trial, *args, **kwargs):
        try:
            self.study.tell(trial, *args, **kwargs)
        except RuntimeError as err:
            # The grid sampler calls study.stop() once the grid is done, which Optuna allows only
            # inside optimize(); the result itself is stored before that (Optuna's _tell), so the
            # error says nothing about it: the controller's own count ends the sweep.
            if "Study.stop" not in str(err):
                raise

    def out(self, line):
        print(line, flush=True)

    def run(self):
        state = self.optuna.trial.TrialState
        done = [t for t in self.study.trials if t.state in (state.COMPLETE, state.PRUNED, state.FAIL)]
        if self.spec.get("resumed_from"):
            self._stop_leftovers(self.spec["resumed_from"])
        for stale in (t for t in self.study.trials if t.state == state.RUNNING):
            # A controller that was stopped mid-trial: that trial is told failed and runs again.
            self._tell(stale.number, state=state.FAIL)
        if done:
            self.out("Resuming: %d of %d trials already done." % (len(done), self.total))
        launched = len(done)
        self._record_sweep()
        self.feed.live.wait(2.0)  # the first trial's events are not to be missed (else: polled, as before)
        while (launched < self.total and not self.refused) or self.active:
            try:
                while launched < self.total and len(self.active) < self.parallel and not self.refused:
                    self._launch()
                    launched += 1
                if self.dirty:  # after the launches: the next trial does not wait for this file's fsync
                    self._write_result()
                look = not self.feed.live.is_set() or time.time() >= self.next_look
                if look:
                    self.next_look = time.time() + LOOK
                for trial in list(self.active):
                    self._poll(trial, look)
            except DaemonError as err:
                if err.status:  # an answer: not the connection
                    raise
                self._reconnect(err)
                continue
            if len(self.active) < self.parallel and launched < self.total and not self.refused:
                continue  # a trial just ended: start the next one now
            self._wait()
        self.feed.close()
        if self.dirty:
            self._write_result()
        return self._finish()

    def _reconnect(self, err):
        """The daemon restarted (an upgrade, a crash): its jobs, this one and the trials, run on and
        the next daemon re-adopts them, so the sweep waits for it (a minute at most) and goes on."""
        self.out("The Runlane daemon is not answering (%s); waiting for it." % err)
        deadline = time.time() + 60
        while True:
            time.sleep(1.0)
            try:
                self.client = DaemonClient.connect(self.store)
                self.feed.client = self.client  # a new daemon listens on a new port, with a new token
                for trial in self.active:
                    trial.client = self.client
                self.out("The daemon answers again; the sweep goes on.")
                return
            except DaemonError:
                if time.time() > deadline:
                    raise

    def _stop_leftovers(self, previous):
        """Trials of the interrupted sweep that still run (its controller was killed, not cancelled)
        are stopped: their trial runs again in this sweep, from the start."""
        for run in self.client.request("GET", "/runs", query={"q": "%s=%s" % (SWEEP_TAG, previous)}):
            if run["status"] in ("queued", "running") and run["tags"].get(SWEEP_TAG) == previous:
                try:
                    self.client.stop_run(run["id"])
                except DaemonError:
                    pass

    def _launch(self):
        # A cancel (SIGTERM) that lands between the trial's submit and its place in self.active would
        # leave it running with nobody to stop it: it waits until the trial is in self.active.
        _CANCEL["launching"] = True
        try:
            self._launch_one()
        finally:
            _CANCEL["launching"] = False
        if _CANCEL["pending"]:
            raise Stop()

    def _launch_one(self):
        ot = self.study.ask()
        values = suggest(ot, self.space)
        fixed = {k: v for k, v in self.space.items() if not isinstance(v, Distribution)}
        values = dict(fixed, **values)  # a trial's params: the fixed ones too (`--param epochs=5`)
        template = dict(self.spec["trial"])
        if template.pop("use_sweep_input", False):  # a cell's body: the sweep run's copy goes to each trial
            template["input"] = os.environ.get("RUNLANE_INPUT_DIR")
        spec = trial_spec(template, ot.number, values, self.sweep_id,
                          self.spec.get("name") or "sweep")
        try:
            created = self._submit(spec)
        except DaemonError as err:
            self._tell(ot, state=self.optuna.trial.TrialState.FAIL)
            if not err.status:
                raise  # no daemon: the loop waits for it, and asks again
            self.out("Trial %d was not started: %s" % (ot.number, err))
            # The target refused the job itself (sbatch refused it, the host is down, too many GPUs):
            # every later trial would be refused the same way, one line each, so none is asked for.
            self.refused = True
            return
        run_id = created["run_id"]
        trial = Trial(self.client, self.store, ot, values, run_id)
        self._add(trial)
        # A job that waits (for a free GPU, or in a cluster's queue) is said to, not said to have started;
        # its start is said when it comes (_poll).
        said = "started" if created.get("status") == "running" else "queued"
        if said == "queued":
            trial.queued_at = time.time()
        self.out("Trial %d %s: %s (run %s)" % (ot.number, said, values_text(values), run_id))

    def _submit(self, spec):
        """The trial's job, created with its tags (the sidebars group trials by them). A daemon of an
        earlier Runlane takes no tags in a job: it gets them in a second request."""
        try:
            return self.client.submit_job(spec)
        except DaemonError as err:
            if err.status != 400 or '"tags"' not in str(err):
                raise
        tags = spec.pop("tags")
        created = self.client.submit_job(spec)
        try:
            self.client.request("PATCH", "/runs/%s" % created["run_id"], {"tags": tags})
        except DaemonError:
            self.writer.set_tags(created["run_id"], tags)
        return created

    def _poll(self, trial, look=True):
        """Judges the trial's new points (from the feed, and over HTTP at the slow pace), then, when the
        feed told of its end or at a look, reads its status and ends it if it has ended."""
        if trial.pruning is None:
            points = trial.take_fed()
            if look and time.time() >= trial.next_metric_read:
                trial.next_metric_read = time.time() + METRIC_POLL
                points += trial.new_points(self.metric)
            points = [(step, value) for step, value in points if step not in trial.reported]
            verdict = None
            for step, value in points:
                trial.reported.add(step)
                trial.trial.report(value, step)
                # Judged at every step read, as a trial that reports each step to Optuna itself is: a read
                # brings every step logged since the last one, and Optuna's pruners judge only the last
                # step reported, so a burst that took a poor trial past every finished trial's last step
                # left it with nothing to compare against, never pruned.
                if verdict is None and trial.trial.should_prune():
                    verdict = (step, value)
            if verdict is not None:
                trial.stop(self._reason(trial, *verdict), *verdict)
                # The steps after the verdict are logged already: the run shows them, so its pruned step
                # is the last one it reached ("It had reached step N"), as when they come after the stop.
                reached, value = points[-1]
                if reached > verdict[0]:
                    trial.pruning, trial.pruned_at = trial.pruning_reason(reached), (reached, value)
        if not (look or trial.end_seen):
            return
        status, error, _ = trial.status()
        if trial.queued_at is not None and status != "queued":
            if status == "running":
                self.out("Trial %d started, after %.0f s queued." % (trial.number, time.time() - trial.queued_at))
            trial.queued_at = None
        if status not in ("finished", "failed", "cancelled", "interrupted", "crashed", "pruned"):
            return
        if trial.pruning is None:
            # The points written just before the end, told to Optuna too: a fast trial's whole series may
            # come in this read, and the median rule compares with finished trials' values at each step.
            self._report_late(trial)
        self.active.remove(trial)
        self._end(trial, status, error)

    def _reason(self, trial, step, value):
        pruner = self.spec.get("pruner", "median")
        return median_reason(self.study, self.optuna, pruner, self.metric, trial, step, value)

    def _end(self, trial, status, error):
        state = self.optuna.trial.TrialState
        record = {"number": trial.number, "run_id": trial.run_id, "params": trial.values, "value": None}
        if trial.pruning is not None and (status == "finished" or trial.exited_on_its_own()):
            # It ran to its end before the stop reached it (the daemon may still have recorded the
            # cancel it asked for): its result stands, with its last value.
            self._report_late(trial)
            trial.pruning = None
            if status != "finished":
                self.writer.set_status(trial.run_id, "finished", exit_code=0)
            status = "finished"
        if trial.pruning is not None:
            self._report_late(trial)
            trial.mark_pruned(self.writer)
            self._tell(trial.trial, state=state.PRUNED)
            # step: the last one reached (the run shows none past it); judged_step: the verdict's, as the UI's
            # `pruned at step 5 (stopped at 19)` reads it.
            record.update(state="pruned", step=trial.pruned_at[0], judged_step=trial.judged[1], reason=trial.pruning,
                          value=trial.pruned_at[1])
            self.out("Trial %d pruned: %s" % (trial.number, trial.pruning))
        elif status == "finished" and trial.last is not None:
            self._tell(trial.trial, trial.last[1])
            record.update(state="finished", value=trial.last[1])
            self.out("Trial %d finished: %s = %.6g" % (trial.number, self.metric, trial.last[1]))
        else:
            self._tell(trial.trial, state=state.FAIL)
            why = error_line(error) if status != "finished" else self._no_metric(trial)
            record.update(state="failed" if status != "cancelled" else "cancelled", error=why)
            self.out("Trial %d %s: %s" % (trial.number, record["state"], why or status))
        self.records.append(record)
        self.dirty = True

    def _report_late(self, trial):
        """The steps a trial logged between the read the pruner judged and its end: told to Optuna
        too, and a pruned trial's step becomes the last one it reached (its run shows no step past it)."""
        for step, value in trial.take_fed() + trial.new_points(self.metric):  # the feed's first: they come before
            if step not in trial.reported:
                trial.reported.add(step)
                trial.trial.report(value, step)
            if trial.pruning is not None and step > trial.pruned_at[0]:
                trial.pruning = trial.pruning_reason(step)
                trial.pruned_at = (step, value)

    def _no_metric(self, trial):
        """Why a trial that finished has no result: usually --metric names a key it does not log."""
        try:
            logged = sorted(self.client.request("GET", "/runs/%s" % trial.run_id).get("metrics") or {})
        except DaemonError:
            logged = []
        return "it logged no %s%s" % (self.metric, " (it logged: %s; --metric names the key to optimise)"
                                      % ", ".join(logged) if logged else " (it logged no metric: call rl.log)")

    def cancel_all(self, why="Sweep cancelled"):
        """The sweep was cancelled: every running trial is cancelled too, on whatever target it runs."""
        for trial in self.active:
            try:
                self.client.stop_run(trial.run_id)
            except DaemonError:
                pass
        deadline = time.time() + 2.0  # one wait for them all: the daemon's SIGKILL comes 3 s after its SIGTERM
        for trial in self.active:
            wait_final(trial, timeout=max(0.0, deadline - time.time()))
        # They stay `running` in the study's journal: a resumed sweep tells them failed and runs
        # them again, instead of counting them as done.
        if self.dirty:
            self._write_result()
        self.out("%s: %d running trial(s) cancelled." % (why, len(self.active)))


_CANCEL = {"launching": False, "pending": False}


def _raise_stop(signum, frame):
    if _CANCEL["launching"]:
        _CANCEL["pending"] = True  # raised once the trial being started is in self.active (_launch)
        return
    raise Stop()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0] if argv else os.path.join(os.environ.get("RUNLANE_INPUT_DIR", "."), "sweep.json")
    store, sweep_id = os.environ.get("RUNLANE_DIR"), os.environ.get("RUNLANE_RUN_ID")
    if not store or not sweep_id:
        sys.exit("runlane.sweep.controller runs as a job started by the daemon (%%runlane sweep, runlane sweep).")
    try:
        spec, space = load_spec(path)
        # `resume` re-runs an interrupted sweep's job (the daemon's rerun: same spec, same input) with
        # these two in RUNLANE_PARAMS (resume.py).
        resume = json.loads(os.environ.get("RUNLANE_PARAMS") or "{}")
        spec["resume_of"], spec["resumed_from"] = resume.get("sweep.resume_of"), resume.get("sweep.resumed_from")
        controller = Controller(spec, space, store, sweep_id)
    except SpaceError as err:
        print(str(err), file=sys.stderr, flush=True)
        return 2
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        return controller.run()
    except (Stop, KeyboardInterrupt):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the daemon's SIGKILL follows in 3 s: be quick
        controller.cancel_all()
        return 130
    except BaseException:
        # A controller that breaks leaves no trial running with nobody to tell.
        controller.cancel_all("The sweep's controller failed")
        raise


if __name__ == "__main__":
    sys.exit(main())
