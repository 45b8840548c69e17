"""Sweeps (docs/sweeps.md): what Runlane's sweep machinery costs per trial, beside Optuna's own
study.optimize running the same trivial objective in the same run.

- Overhead per trial (target <= 100 ms): from a trial's end to the next trial's first line, one trial
  at a time, on the local target. Runlane: the trial is a job (the controller's tell and ask, the
  daemon's job start, the process start). Anchor: study.optimize(n_jobs=1) whose objective starts the
  same process (the same Python, the same trial code), so both pay a process start; and the same
  objective in-process, what Optuna alone costs.
- Throughput: BIG_TRIALS trials of a BIG_SECONDS objective, BIG_PARALLEL at once: every trial
  accounted for, and the wall time beside the ideal (trials x seconds / parallel; target within 10%).
  Defaults 200 x 1 s x 4 (about a minute); smaller with SWEEP_BIG_TRIALS=... for a quick look."""
import itertools
import json
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import percentile, print_table, write_result

TRIALS = int(os.environ.get("SWEEP_TRIALS", "30"))
BIG_TRIALS = int(os.environ.get("SWEEP_BIG_TRIALS", "200"))
BIG_SECONDS = float(os.environ.get("SWEEP_BIG_SECONDS", "1"))
BIG_PARALLEL = int(os.environ.get("SWEEP_BIG_PARALLEL", "4"))
# The trial: its first line is the time it started (after the interpreter), then one metric point.
TRIAL_CODE = ("import time, sys; print('first', time.time(), flush=True); import runlane as rl; "
              "time.sleep(float(sys.argv[1])); rl.log(loss=float(sys.argv[2]))")


def run_sweep(tmp, trials, parallel, seconds):
    """A real sweep through a daemon of its own; returns (wall seconds, result.json, store)."""
    from runlane.daemon_client import runtime_dir
    from runlane.notebook.job_cell import run_status
    from runlane.sweep.space import uniform
    from runlane.sweep.submit import read_result, submit_sweep

    store = os.path.join(tmp, f"store-{trials}-{parallel}")
    trial = {"command": [sys.executable, "-c", TRIAL_CODE, str(seconds), "{x}"], "fill_command": True,
             "workers": 1, "gpus": 0, "cwd": tmp}
    settings = {"trials": trials, "parallel": parallel, "metric": "loss", "mode": "min", "sampler": "random",
                "pruner": "none", "seed": 1}
    start = time.time()
    _, sweep_id = submit_sweep(store, "local", {"x": uniform(0, 1)}, trial, settings, "bench", "bench", tmp)
    while run_status(os.path.join(store, "runs", sweep_id))[0] in ("queued", "running"):
        time.sleep(0.05)
    wall = time.time() - start
    assert runtime_dir() == os.environ["RUNLANE_RUNTIME_DIR"]
    return wall, read_result(store, sweep_id), store


def first_line_time(store, run_id):
    text = pathlib.Path(store, "runs", run_id, "logs", "w0", "stdout.log").read_text()
    return float(text.split("first ", 1)[1].split()[0])


def runlane_gaps(tmp):
    from runlane.store.reader import StoreReader

    _, result, store = run_sweep(tmp, TRIALS, 1, 0)
    runs = {r["id"]: r for r in StoreReader(store).list_runs()}
    ordered = sorted(result["trials"], key=lambda r: r["number"])
    gaps, controller = [], []
    for before, after in itertools.pairwise(ordered):
        ended = runs[before["run_id"]]["ended_at"]
        gaps.append((first_line_time(store, after["run_id"]) - ended) * 1000)
        # The sweep's own part: the end seen, Optuna told and asked, the next job submitted and created.
        controller.append((runs[after["run_id"]]["created_at"] - ended) * 1000)
    return gaps[1:], controller[1:]  # the first gap includes Optuna's and the daemon's warm-up


def optuna_gaps(in_process):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    marks = []

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if in_process:
            marks.append(("first", time.time()))
            value = x
        else:
            out = subprocess.run([sys.executable, "-c", TRIAL_CODE, "0", str(x)], check=False, capture_output=True,
                                 text=True,
                                 env=dict(os.environ, RUNLANE_DIR=os.path.join(tempfile.gettempdir(), "rl-bench-void")))
            marks.append(("first", float(out.stdout.split("first ", 1)[1].split()[0])))
            value = x
        marks.append(("end", time.time()))
        return value

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=TRIALS, n_jobs=1)
    firsts = [t for kind, t in marks if kind == "first"]
    ends = [t for kind, t in marks if kind == "end"]
    return [(f - e) * 1000 for e, f in zip(ends, firsts[1:])][1:]


def optuna_parallel_wall():
    import optuna

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        subprocess.run([sys.executable, "-c", TRIAL_CODE, str(BIG_SECONDS), str(x)], check=False, capture_output=True,
                       env=dict(os.environ, RUNLANE_DIR=os.path.join(tempfile.gettempdir(), "rl-bench-void")))
        return x

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    start = time.time()
    study.optimize(objective, n_trials=BIG_TRIALS, n_jobs=BIG_PARALLEL)
    return time.time() - start, len(study.trials)


def breakdown(store, result, parallel, seconds):
    """Where each trial's time beyond its objective went, p50 and p95 in ms: the daemon's job start
    (the run created to the trial's first line: the worker's wrappers and the interpreter), the trial's
    own rest (import runlane, rl.log, its exit, the daemon seeing it), and the controller (a trial's
    end to the next trial's run: the end seen, Optuna told and asked, the job submitted)."""
    from runlane.store.reader import StoreReader

    runs = {r["id"]: r for r in StoreReader(store).list_runs()}
    trials = sorted((runs[t["run_id"]] for t in result["trials"]), key=lambda r: r["created_at"])
    first = {r["id"]: first_line_time(store, r["id"]) for r in trials}
    ends = sorted(r["ended_at"] for r in trials)
    parts = [("the daemon's job start: run created to the trial's first line",
              [first[r["id"]] - r["created_at"] for r in trials]),
             (f"the trial beyond its {seconds:g} s: import runlane, rl.log, exit, its end seen",
              [r["ended_at"] - first[r["id"]] - seconds for r in trials]),
             ("the controller: a trial's end to the next trial's run",
              [r["created_at"] - end for end, r in zip(ends, trials[parallel:])])]
    return [[name, len(xs), f"{statistics.median(xs) * 1000:.0f}", f"{percentile(xs, 0.95) * 1000:.0f}"]
            for name, xs in parts]


def row(name, gaps):
    return [name, len(gaps), f"{statistics.median(gaps):.1f}", f"{percentile(gaps, 0.95):.1f}"]


def main():
    tmp = tempfile.mkdtemp(prefix="rl-sweep-bench-")
    os.environ["RUNLANE_RUNTIME_DIR"] = os.path.join(tmp, "runtime")
    try:
        ours, controller = runlane_gaps(tmp)
        theirs = optuna_gaps(in_process=False)
        bare = optuna_gaps(in_process=True)
        print_table("Overhead per trial, one at a time: a trial's end to the next trial's first line (ms)",
                    ["", "trials", "p50", "p95"],
                    [row("Runlane sweep (a job per trial, through the daemon)", ours),
                     row("  of which the controller: the end seen to the next job created", controller),
                     row("Optuna study.optimize, a process per trial (anchor)", theirs),
                     row("Optuna study.optimize, in-process objective", bare)])
        load = os.getloadavg()[0]
        wall, result, big_store = run_sweep(tmp, BIG_TRIALS, BIG_PARALLEL, BIG_SECONDS)
        parts = breakdown(big_store, result, BIG_PARALLEL, BIG_SECONDS)
        states = {}
        for r in result["trials"]:
            states[r["state"]] = states.get(r["state"], 0) + 1
        anchor_wall, anchor_trials = optuna_parallel_wall()
        ideal = BIG_TRIALS * BIG_SECONDS / BIG_PARALLEL
        title = f"{BIG_TRIALS} trials of a {BIG_SECONDS:g} s objective, {BIG_PARALLEL} at once (ideal {ideal:.1f} s)"
        print_table(title,
                    ["", "trials accounted for", "wall s", "over ideal"],
                    [["Runlane sweep", f"{len(result['trials'])} ({json.dumps(states)})", f"{wall:.1f}",
                      f"{(wall / ideal - 1) * 100:+.0f}%"],
                     [f"Optuna study.optimize(n_jobs={BIG_PARALLEL}) (anchor)", anchor_trials, f"{anchor_wall:.1f}",
                      f"{(anchor_wall / ideal - 1) * 100:+.0f}%"]])
        print_table(f"Where each trial's time beyond its objective went, in that run (ms; load average {load:.1f} on "
                    f"{os.cpu_count()} cores when it began)", ["", "trials", "p50", "p95"], parts)
        ok_overhead = statistics.median(ours) <= 100
        ok_wall = len(result["trials"]) == BIG_TRIALS and wall <= ideal * 1.1
        verdict = {True: "PASS", False: "FAIL"}
        print(f"\ntarget per trial <= 100 ms (p50): {verdict[ok_overhead]} "
              f"(the controller's part: {statistics.median(controller):.0f} ms)")
        print(f"target every trial accounted for, wall within 10% of the ideal: {verdict[ok_wall]}")
        write_result("sweep_overhead", {
            "overhead_ms": {"runlane": {"p50": statistics.median(ours), "p95": percentile(ours, 0.95)},
                            "runlane_controller": {"p50": statistics.median(controller),
                                                   "p95": percentile(controller, 0.95)},
                            "optuna_process": {"p50": statistics.median(theirs), "p95": percentile(theirs, 0.95)},
                            "optuna_in_process": {"p50": statistics.median(bare), "p95": percentile(bare, 0.95)}},
            "throughput": {"trials": BIG_TRIALS, "seconds": BIG_SECONDS, "parallel": BIG_PARALLEL, "ideal_s": ideal,
                           "runlane_wall_s": wall, "runlane_accounted": len(result["trials"]), "states": states,
                           "optuna_wall_s": anchor_wall, "optuna_trials": anchor_trials, "load_average": load,
                           "breakdown_ms_p50": {name: float(p50) for name, _, p50, _ in parts}}})
    finally:
        info = pathlib.Path(os.environ["RUNLANE_RUNTIME_DIR"], "daemon.json")
        if info.exists():
            try:
                os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
