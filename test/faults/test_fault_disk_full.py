"""A full disk under a logging script: the store lives on a tmpfs of fixed size made here (root only),
a ballast file fills it while the script logs, and is removed again.

What must hold: one warning line in the script's output (the store, the error, the points held), no
traceback; logging goes on; the store stays readable (Python reader and `runlane ls`); once space
returns every point is written exactly once, and the final status is recorded then, also when the run
ended while the disk was full; past the bound, the oldest held points are dropped and counted."""
import json
import os
import subprocess
import sys
import time

import faultlib
import pytest
from faultlib import FULL, ROOT

from runlane.store.reader import StoreReader

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)

NODE_BIN = ROOT / "shared" / "core" / "bin" / "runlane.js"

SCRIPT = r"""
import os, sys, time
import runlane

ctl, before, during, after, finish_full = sys.argv[1], *map(int, sys.argv[2:6])
def mark(name, text=""):
    with open(os.path.join(ctl, name + ".tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(ctl, name + ".tmp"), os.path.join(ctl, name))
def wait_for(name):
    while not os.path.exists(os.path.join(ctl, name)):
        time.sleep(0.01)

step = 0
def log_steps(count):
    global step
    for _ in range(count):
        runlane.log(loss=step * 0.5, step=step)
        if step % 5000 == 0:
            print("line at step %d" % step)
            time.sleep(0.002)  # let the flusher run now and then, as a training loop would
        step += 1

with runlane.run(name="disk-full") as run:
    mark("run", run.id)
    log_steps(before)
    time.sleep(0.2)
    mark("before")
    wait_for("filled")
    log_steps(during)
    time.sleep(1.5)  # the flusher tries (and fails) at least once
    mark("during")
    if not finish_full:
        wait_for("freed")
        log_steps(after)
print("script done at step %d" % step)
"""


def _mount(folder, size):
    if os.geteuid() != 0:
        pytest.skip("a disk of fixed size needs root here (mount -t tmpfs); run the fault suite as root")
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs failed here ({done.stderr.strip()}): no small disk to fill")


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "disk"
    _mount(folder, "8m" if FULL else "3m")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder):
    """Writes a ballast file until the disk refuses more; returns its path."""
    ballast = folder / "ballast"
    chunk = b"\0" * 65536
    with open(ballast, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass
    return ballast


def _wait_file(path, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, "the script ended early:\n" + proc.communicate()[1]
        assert time.monotonic() < deadline, f"timed out waiting for {path.name}"
        time.sleep(0.02)


def _ls(store, tmp_path):
    env = dict(os.environ, RUNLANE_RUNTIME_DIR=str(tmp_path / "runtime"), RUNLANE_DIR="")
    done = subprocess.run(["node", str(NODE_BIN), "ls", "--json", "--dir", str(store)], check=False, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _start(tmp_path, store, counts, finish_full, env_extra=None):
    ctl = tmp_path / "ctl"
    ctl.mkdir()
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, RUNLANE_DIR=str(store), RUNLANE_EXIT_WAIT="120", **(env_extra or {}))
    env.pop("RUNLANE_RUN_ID", None)
    proc = subprocess.Popen([sys.executable, str(script), str(ctl), *map(str, counts), str(int(finish_full))],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, ctl


def _steps(store, run_id):
    points = StoreReader(str(store), warn=lambda message: None).read_points(run_id, "loss")
    return [p[0] if isinstance(p, (list, tuple)) else p["step"] for p in points]


@pytest.mark.parametrize("finish_full", [False, True], ids=["space-returns-mid-run", "run-ends-while-full"])
def test_a_full_disk_holds_points_and_writes_them_once_space_returns(small_disk, tmp_path, finish_full, fault_row):
    _outage(small_disk, tmp_path, finish_full, False, fault_row)


@pytest.mark.parametrize("finish_full", [False, True], ids=["space-returns-mid-run", "run-ends-while-full"])
def test_a_run_started_on_a_full_disk_is_held_and_written_once_space_returns(small_disk, tmp_path, finish_full,
                                                                             fault_row):
    """The disk is full before the script starts, and the store is new (not even its marker can be
    written): the run starts anyway, logs, and is written whole once there is space."""
    if finish_full and not FULL:
        pytest.skip("the run that also ends while full runs in npm run faults (the other case covers the start)")
    _outage(small_disk, tmp_path, finish_full, True, fault_row)


def _outage(small_disk, tmp_path, finish_full, start_full, fault_row):
    before, during, after = (1_000, 150_000, 1_000) if FULL else (1_000, 30_000, 1_000)
    total = before + during + (0 if finish_full else after)
    store = small_disk / "store"
    when = "the run ends while full" if finish_full else "space returns mid-run"
    fault_row.update(fault=f"disk full{' before the run starts' if start_full else ''} "
                           f"(tmpfs {'8m' if FULL else '3m'}), {when}",
                     load=f"{(before if start_full else 0) + during:,} points logged during the outage",
                     checked="one warning line, no traceback, store readable, every point once, env.json, final status")
    ballast = _fill(small_disk) if start_full else None
    proc, ctl = _start(tmp_path, store, (before, during, after), finish_full)
    try:
        _wait_file(ctl / "before", proc)
        run_id = (ctl / "run").read_text()
        if not start_full:
            ballast = _fill(small_disk)
        (ctl / "filled").touch()
        _wait_file(ctl / "during", proc)
        if start_full:
            # Nothing could be written, not even the store's marker; and no temp file of a failed
            # write is left behind to fill the disk for good.
            files = [p.name for p in small_disk.rglob("*") if p.is_file()]
            assert files == ["ballast"], files
        else:
            # Readable meanwhile: the reader and the CLI see the run, running, with the points before.
            assert _steps(store, run_id) == list(range(before))
            listed = {run["id"]: run for run in _ls(store, tmp_path)}
            assert listed[run_id]["status"] == "running"
        ballast.unlink()
        (ctl / "freed").touch()
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out, err
    warnings = [line for line in err.splitlines() if "cannot write to the store" in line]
    assert len(warnings) == 1, err
    assert str(store) in warnings[0] and "No space left on device" in warnings[0], warnings[0]
    assert "points are held in memory" in warnings[0]
    assert "takes writes again" in err, err
    steps = _steps(store, run_id)
    fault_row["lost"] = total - len(set(steps))
    assert steps == list(range(total)), f"{len(steps)} points stored of {total} ({len(set(steps))} distinct)"
    run = StoreReader(str(store), warn=lambda message: None).get_run(run_id)
    assert run["status"] == "finished", run
    # The environment snapshot, taken at the start, is held with the rest (it was lost on a full disk).
    env_json = store / "runs" / run_id / "env.json"
    assert env_json.exists(), "the run's env.json was not written"
    assert json.loads(env_json.read_text())["python"], env_json.read_text()
    log = StoreReader(str(store), warn=lambda message: None)
    stdout = b"".join(log.read_log(run_id, w, "stdout") for w in _writers(store, run_id))
    assert stdout.count(b"line at step") == len(range(0, total, 5000)), stdout[-400:]


def _writers(store, run_id):
    return sorted(os.listdir(store / "runs" / run_id / "logs"))


def test_past_the_bound_the_oldest_held_points_are_dropped_and_counted(small_disk, tmp_path, fault_row):
    before, during, after, bound = 1_000, 30_000, 0, 10_000  # nothing after: the bound is met exactly
    store = small_disk / "store"
    fault_row.update(fault=f"disk full past the memory bound ({bound:,} points held at most)",
                     load=f"{during:,} points logged during the outage",
                     checked="the oldest dropped, counted in the recovery line; the newest kept")
    proc, ctl = _start(tmp_path, store, (before, during, after), True, {"RUNLANE_MAX_HELD_POINTS": str(bound)})
    try:
        _wait_file(ctl / "before", proc)
        run_id = (ctl / "run").read_text()
        ballast = _fill(small_disk)
        (ctl / "filled").touch()
        _wait_file(ctl / "during", proc)
        ballast.unlink()
        (ctl / "freed").touch()
        _out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Traceback" not in err, err
    steps = _steps(store, run_id)
    dropped = before + during + after - len(steps)
    fault_row["lost"] = f"{dropped:,} dropped past the bound, as said"
    assert dropped == during - bound, (dropped, err)
    assert f"{dropped:,} points were dropped" in err, err
    # What is kept: everything before the outage, the newest `bound` points of it, everything after.
    assert steps == list(range(before)) + list(range(before + during - bound, before + during))
