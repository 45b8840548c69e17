"""Sweeps on an SSH host (docs/sweeps.md "On each target"): how long the starts of parallel trials take,
with the daemon's ssh sharing one connection per host (OpenSSH ControlMaster, the default: sshShared.ts)
beside a connection per ssh (`share_connection = false`), measured in the same run on a real sshd on
loopback (test/engines/ssh). Both ways the trials' starts overlap (the daemon answers a submission once
the host is checked). Before that change (commit 7e14ee2), at a load of about 6 on 2 cores: the last
of 4 trials' first line came 10.1 s after the submission, 7.6 s after the first one's (one start after
another), over 25 connections.

A sweep of TRIALS trials, all at once (--parallel TRIALS), of a trial that prints the time and logs
one point: from the sweep's submission to the last trial's first line on the host (it includes the
controller's own start and Optuna's import), from the first trial's first line to the last's (what
starting them one after another costs: about TRIALS - 1 starts when they do not overlap), the
sweep's wall time, and the SSH connections sshd accepted (its log). Each way runs ROUNDS
times, alternating, each with a daemon of its own; medians are shown."""
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

from bench_common import print_table, write_result

TRIALS = int(os.environ.get("SWEEP_SSH_TRIALS", "4"))
ROUNDS = int(os.environ.get("SWEEP_SSH_ROUNDS", "3"))
ROOT = pathlib.Path(__file__).resolve().parents[2]
ENGINE = ROOT / "test" / "engines" / "ssh"
TRIAL_CODE = ("import time, sys; print('first', time.time(), flush=True); import runlane as rl; "
              "rl.log(loss=float(sys.argv[1]))")


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepted(sshd):
    log = sshd / "sshd.log"
    return log.read_text().count("Accepted publickey") if log.exists() else 0


def one_sweep(tmp, sshd, target, n):
    from runlane.notebook.job_cell import run_status
    from runlane.sweep.space import uniform
    from runlane.sweep.submit import read_result, submit_sweep

    runtime = tmp / f"runtime-{target}-{n}"
    os.environ["RUNLANE_RUNTIME_DIR"] = str(runtime)
    store = tmp / f"store-{target}-{n}"
    trial = {"command": [sys.executable, "-c", TRIAL_CODE, "{x}"], "fill_command": True, "workers": 1, "gpus": 0,
             "targetsFile": str(tmp / "runlane.toml")}
    settings = {"trials": TRIALS, "parallel": TRIALS, "metric": "loss", "mode": "min", "sampler": "random",
                "pruner": "none", "seed": n}
    try:
        from runlane.daemon_client import DaemonClient

        DaemonClient.connect(str(store))  # the daemon's own start is not the trials'
        before = accepted(sshd)
        start = time.time()
        _, sweep_id = submit_sweep(str(store), target, {"x": uniform(0, 1)}, trial, settings, "bench", "bench",
                                   str(tmp))
        while run_status(str(store / "runs" / sweep_id))[0] in ("queued", "running"):
            time.sleep(0.05)
        wall = time.time() - start
        result = read_result(str(store), sweep_id)
        firsts = []
        for r in result["trials"]:
            text = (store / "runs" / r["run_id"] / "logs" / "w0" / "stdout.log").read_text()
            firsts.append(float(text.split("first ", 1)[1].split()[0]) - start)
        states = sorted(r["state"] for r in result["trials"])
        return {"last_first_line_s": max(firsts), "first_lines_s": sorted(firsts), "wall_s": wall,
                "spread_s": max(firsts) - min(firsts),
                "connections": accepted(sshd) - before, "states": states}
    finally:
        info = runtime / "daemon.json"
        if info.exists():
            try:
                os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + 10
        while info.exists() and time.time() < deadline:
            time.sleep(0.05)


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="rl-ssh-bench-"))
    os.chmod(tmp, 0o755)  # sshd reads the authorized keys as the target user
    sshd = tmp / "sshd"
    port = free_port()
    subprocess.run(["bash", str(ENGINE / "start-sshd.sh"), str(sshd)], check=True, capture_output=True,
                   env=dict(os.environ, SSHD_PORT=str(port)), timeout=30)
    remote = tmp / "remote-jobs"
    common = (f'kind = "ssh"\nhost = "ci-target"\nssh_config = "{sshd / "ssh_config"}"\nworkdir = "{remote}"\n'
              f'python = "{sys.executable}"\n')
    (tmp / "runlane.toml").write_text("[targets.shared]\n" + common + "\n[targets.plain]\n" + common
                                      + "share_connection = false\n")
    runs = {"shared": [], "plain": []}
    try:
        for n in range(ROUNDS):
            for target in ("plain", "shared"):
                runs[target].append(one_sweep(tmp, sshd, target, n))
                print(target, n, runs[target][-1], flush=True)
        rows, summary = [], {}
        for target, label in (("plain", "a connection per ssh (share_connection = false)"),
                              ("shared", "one shared connection per host (ControlMaster, the default)")):
            last = statistics.median(r["last_first_line_s"] for r in runs[target])
            wall = statistics.median(r["wall_s"] for r in runs[target])
            spread = statistics.median(r["spread_s"] for r in runs[target])
            conns = statistics.median(r["connections"] for r in runs[target])
            ok = all(r["states"] == ["finished"] * TRIALS for r in runs[target])
            summary[target] = {"last_first_line_s": last, "spread_s": spread, "wall_s": wall, "connections": conns,
                               "all_finished": ok,
                               "rounds": runs[target]}
            rows.append([label, f"{last:.2f}", f"{spread:.2f}", f"{wall:.2f}", f"{conns:g}",
                         "yes" if ok else "NO"])
        print_table(f"{TRIALS} trials started at once on an SSH host (real sshd on loopback), median of {ROUNDS}",
                    ["", "last trial's first line s", "first to last trial's first line s", "sweep wall s",
                     "ssh connections",
                     "all finished"], rows)
        speedup = summary["plain"]["last_first_line_s"] / summary["shared"]["last_first_line_s"]
        print(f"\nstarts with a shared connection: {speedup:.1f}x faster")
        write_result("sweep_ssh_starts", {"trials": TRIALS, "rounds": ROUNDS, "speedup": speedup, **summary})
    finally:
        subprocess.run(["bash", str(ENGINE / "stop-sshd.sh"), str(sshd)], check=False, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
