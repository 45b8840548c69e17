"""8 writers at once (4 forked, 4 spawned, many_writers.py), each into one shared run and into a run
of its own, while readers (the CLI, the daemon's series API) read: every point stored exactly once,
and every read meanwhile a clean prefix (no duplicate, no gap, never shrinking)."""
import json
import os
import signal
import subprocess
import sys
import time

import faultlib
from faultlib import FULL, ROOT

from runlane.daemon_client import DaemonClient, DaemonError
from runlane.store.reader import StoreReader

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_BIN = ROOT / "shared" / "core" / "bin" / "runlane.js"
WORKERS = 8


def _cli_steps(store, env, run_id, key):
    done = subprocess.run(["node", str(NODE_BIN), "metrics", run_id, key, "--json", "--dir", str(store)], env=env,
                          check=False, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "No metric" in done.stderr + done.stdout:
        return []  # not logged yet
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    return body["steps"] if isinstance(body, dict) else [p["step"] for p in body]


def stop_daemon(runtime):
    """SIGTERM to the daemon this test's client started (its pid from the runtime file)."""
    try:
        os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass  # gone already


def _check_prefix(steps, seen, name):
    assert steps == list(range(len(steps))), f"{name}: a read saw a duplicate or a gap"
    assert len(steps) >= seen.get(name, 0), f"{name}: a read saw fewer points than the one before"
    seen[name] = len(steps)


def test_eight_writers_forked_and_spawned_every_point_once_and_readers_clean_meanwhile(tmp_path, fault_row):
    points = 1_000_000 if FULL else 20_000
    store = tmp_path / "store"
    runtime = tmp_path / "runtime"
    env = dict(os.environ, RUNLANE_DIR=str(store), RUNLANE_RUNTIME_DIR=str(runtime))
    env.pop("RUNLANE_RUN_ID", None)
    fault_row.update(fault="8 writers at once (4 forked, 4 spawned), one shared run + one run each",
                     load=f"{points:,} points per writer per run ({2 * WORKERS * points:,} in all)",
                     checked="every point once; CLI and daemon series reads meanwhile: clean prefixes")
    go = tmp_path / "go"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "many_writers.py"), str(points), str(go)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.environ["RUNLANE_RUNTIME_DIR"] = str(runtime)  # the daemon this test starts is its own
    daemon = None
    reads = cli_reads = 0
    try:
        shared_id = proc.stdout.readline().strip()
        assert shared_id, proc.communicate()[1]
        own = {}
        for _ in range(WORKERS):
            _, worker, run_id = proc.stdout.readline().split()
            own[int(worker)] = run_id
        daemon = DaemonClient.connect(str(store))
        go.touch()
        started = time.monotonic()
        seen = {}
        while proc.poll() is None:  # read while they write
            worker = reads % WORKERS
            if reads % 10 == 9:  # the CLI starts Node each time (~0.5 s here): one read in ten
                _check_prefix(_cli_steps(store, env, shared_id, f"w{worker}"), seen, f"cli w{worker}")
                cli_reads += 1
            try:
                series = daemon.request("GET", f"/runs/{shared_id}/metrics/w{worker}", query={"points": 10_000_000})
                _check_prefix(series["steps"], seen, f"daemon w{worker}")
            except DaemonError as err:  # a key not logged yet is a 404; anything else fails the test
                assert err.status == 404, err
            reads += 1
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        if daemon is not None:
            stop_daemon(runtime)
        os.environ.pop("RUNLANE_RUNTIME_DIR", None)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    reader = StoreReader(str(store), warn=lambda message: None)
    lost = 0
    for worker in range(WORKERS):
        for run_id, key in ((shared_id, f"w{worker}"), (own[worker], "x")):
            got = reader.read_points(run_id, key)
            lost += points - len(got)
            assert [p[0] for p in got] == list(range(points)), f"{run_id}/{key}: {len(got)} points of {points}"
            assert all(p[2] == worker * 1e9 + p[0] for p in got), f"{run_id}/{key}: a value is wrong"
    fault_row.update(lost=lost, daemon_reads_meanwhile=reads, cli_reads_meanwhile=cli_reads, seconds=round(elapsed, 1),
                     points_per_s=round(2 * WORKERS * points / elapsed))
    statuses = {run["id"]: run["status"] for run in reader.list_runs()}
    assert statuses[shared_id] == "finished" and all(statuses[r] == "finished" for r in own.values()), statuses
