"""A local job's worker prints while the disk is full. The launcher points a worker's stdout and
stderr straight at the run's log files in the store (so its output outlives the daemon); on a full
disk a plain `print` in the job cell raised OSError and failed the job. Now the worker holds what the
OS refuses (runlane/job_output.py) and writes it, in order, once there is space, with one line saying
so; the job ends `finished`. Real daemon, real `runlane launch --on local`, a real tmpfs of fixed
size (root only; skipped otherwise)."""
import json
import os
import shlex
import signal
import subprocess
import sys
import time

import faultlib
import pytest
from faultlib import FULL, ROOT

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)
sys.path.insert(0, os.path.dirname(__file__))
from test_fault_disk_full import _fill, _mount  # noqa: E402  (the same small disk)

NODE_BIN = ROOT / "shared" / "core" / "bin" / "runlane.js"

CELL = """import os, sys, time
ctl = {ctl!r}
def wait_for(name):
    while not os.path.exists(os.path.join(ctl, name)):
        time.sleep(0.01)
print("before the outage")
open(os.path.join(ctl, "before"), "w").close()
wait_for("filled")
for i in range({lines}):
    print("during line %d" % i)
    if i % 1000 == 0:
        print("err line %d" % i, file=sys.stderr)
open(os.path.join(ctl, "during"), "w").close()
wait_for("freed")
print("after the outage")
"""


def _wait(predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def _status(store, run_id):
    from runlane.notebook.job_cell import run_status

    return run_status(os.path.join(store, "runs", run_id))[0]


def test_a_job_worker_printing_on_a_full_disk_holds_its_output_and_finishes(tmp_path, fault_row):
    lines = 50_000 if FULL else 10_000
    disk = tmp_path / "disk"
    _mount(disk, "3m")
    fault_row.update(fault="disk full under a local job's output (tmpfs 3m)",
                     load=f"{lines:,} stdout lines printed during the outage",
                     checked="no OSError in the cell, every line once and in order, one line saying so, finished")
    ctl, cell_dir, runtime = tmp_path / "ctl", tmp_path / "cell", tmp_path / "runtime"
    ctl.mkdir()
    cell_dir.mkdir()
    (cell_dir / "cell.py").write_text(CELL.format(ctl=str(ctl), lines=lines))
    store = disk / "store"
    env = dict(os.environ, RUNLANE_RUNTIME_DIR=str(runtime), RUNLANE_DIR=str(store))
    env.pop("RUNLANE_RUN_ID", None)
    try:
        launched = subprocess.run(["node", str(NODE_BIN), "launch", "--on", "local", "--detach", "--name", "full",
                                   "--", sys.executable, "-m", "runlane.worker", str(cell_dir)],
                                  cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
        assert launched.returncode == 0, launched.stderr
        run_id = launched.stdout.strip().split()[-1]
        _wait(lambda: (ctl / "before").exists() or _status(str(store), run_id) not in ("queued", "running"),
              "the job to start")
        ballast = _fill(disk)
        (ctl / "filled").touch()
        _wait(lambda: (ctl / "during").exists() or _status(str(store), run_id) not in ("queued", "running"),
              "the job to print through the outage")
        ballast.unlink()
        (ctl / "freed").touch()
        _wait(lambda: _status(str(store), run_id) not in ("queued", "running"), "the job to end")
        logs = store / "runs" / run_id / "logs" / "w0"
        out = (logs / "stdout.log").read_text()
        err = (logs / "stderr.log").read_text()
        printed = [line for line in out.splitlines() if line.startswith("during line ")]
        fault_row["lost"] = lines - len(set(printed))
        assert "Traceback" not in err and "OSError" not in err, err[-2000:]
        assert _status(str(store), run_id) == "finished", err[-2000:]
        assert printed == ["during line %d" % i for i in range(lines)], f"{len(printed)} of {lines} lines"
        notes = [line for line in out.splitlines() if line.startswith("runlane: the disk was full")]
        assert len(notes) == 1 and "bytes of this output were held" in notes[0], notes
        # The note is a line of its own, after the held lines (the next print may come before it).
        rest = [line for line in out.splitlines() if line != notes[0]]
        assert rest == ["before the outage", *printed, "after the outage"], out[-300:]
        assert out.index(notes[0]) > out.index("during line %d\n" % (lines - 1))
        assert [line for line in err.splitlines() if line.startswith("err line")] == \
            ["err line %d" % i for i in range(0, lines, 1000)]
    finally:
        try:
            os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            pass
        subprocess.run(["umount", "-l", str(disk)], check=False)


# A script job, not a cell: its own program prints (a shell loop, or Python and a subprocess it starts),
# so only the holder in front of the log files (shared/core/src/jobs/heldOutput.ts) can hold it.
SH_JOB = """#!/bin/sh
ctl={ctl}
echo "before the outage"
touch "$ctl/before"
while [ ! -e "$ctl/filled" ]; do sleep 0.01; done
i=0
while [ $i -lt {lines} ]; do
  echo "during line $i"
  [ $((i % 1000)) -eq 0 ] && echo "err line $i" >&2
  i=$((i + 1))
done
touch "$ctl/during"
while [ ! -e "$ctl/freed" ]; do sleep 0.01; done
echo "after the outage"
"""

PY_JOB = """import os, subprocess, sys, time
ctl = {ctl!r}
def wait_for(name):
    while not os.path.exists(os.path.join(ctl, name)):
        time.sleep(0.01)
print("before the outage")
open(os.path.join(ctl, "before"), "w").close()
wait_for("filled")
half = {lines} // 2
for i in range(half):
    print("during line %d" % i)
    if i % 1000 == 0:
        print("err line %d" % i, file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
# A subprocess writes to the same output itself, as a data tool or a shell step of a training script does.
child = "import sys\\nfor i in range(int(sys.argv[1]), int(sys.argv[2])):\\n    print('during line %d' % i)\\n" \\
        "    if i % 1000 == 0: print('err line %d' % i, file=sys.stderr)\\n"
subprocess.run([sys.executable, "-c", child, str(half), str({lines})], check=True)
open(os.path.join(ctl, "during"), "w").close()
wait_for("freed")
print("after the outage")
"""


@pytest.mark.parametrize("kind", ["sh", "python"])
def test_a_script_job_printing_on_a_full_disk_loses_nothing_and_finishes(tmp_path, fault_row, kind):
    lines = 50_000 if FULL else 10_000
    disk = tmp_path / "disk"
    _mount(disk, "3m")
    what = "./train.sh (a shell loop)" if kind == "sh" else "python train.py and a subprocess it starts"
    fault_row.update(fault=f"disk full under a script job's output: {what} (tmpfs 3m)",
                     load=f"{lines:,} stdout lines printed during the outage",
                     checked="every line once and in order, one line saying so, finished")
    ctl, job_dir, runtime = tmp_path / "ctl", tmp_path / "job", tmp_path / "runtime"
    ctl.mkdir()
    job_dir.mkdir()
    if kind == "sh":
        script = job_dir / "train.sh"
        script.write_text(SH_JOB.format(ctl=shlex.quote(str(ctl)), lines=lines))
        script.chmod(0o755)
        command = ["./train.sh"]
    else:
        (job_dir / "train.py").write_text(PY_JOB.format(ctl=str(ctl), lines=lines))
        command = [sys.executable, "train.py"]
    store = disk / "store"
    env = dict(os.environ, RUNLANE_RUNTIME_DIR=str(runtime), RUNLANE_DIR=str(store))
    env.pop("RUNLANE_RUN_ID", None)
    try:
        launched = subprocess.run(["node", str(NODE_BIN), "launch", "--on", "local", "--detach", "--name", "full",
                                   "--", *command], cwd=str(job_dir), env=env, capture_output=True, text=True,
                                  timeout=120, check=False)
        assert launched.returncode == 0, launched.stderr
        run_id = launched.stdout.strip().split()[-1]
        ended = lambda: _status(str(store), run_id) not in ("queued", "running")  # noqa: E731
        _wait(lambda: (ctl / "before").exists() or ended(), "the job to start")
        ballast = _fill(disk)
        (ctl / "filled").touch()
        _wait(lambda: (ctl / "during").exists() or ended(), "the job to print through the outage")
        ballast.unlink()
        (ctl / "freed").touch()
        _wait(ended, "the job to end")
        logs = store / "runs" / run_id / "logs" / "w0"
        out = (logs / "stdout.log").read_text()
        err = (logs / "stderr.log").read_text()
        printed = [line for line in out.splitlines() if line.startswith("during line ")]
        fault_row["lost"] = lines - len(set(printed))
        from runlane.notebook.job_cell import run_status

        assert _status(str(store), run_id) == "finished", run_status(str(store / "runs" / run_id))
        assert printed == ["during line %d" % i for i in range(lines)], f"{len(printed)} of {lines} lines"
        notes = [line for line in out.splitlines() if line.startswith("runlane: the disk was full")]
        assert len(notes) == 1 and "bytes of this output were held" in notes[0], notes
        fault_row["held_bytes"] = int(notes[0].split(": ")[2].split()[0].replace(",", ""))
        rest = [line for line in out.splitlines() if line != notes[0]]
        assert rest == ["before the outage", *printed, "after the outage"], out[-300:]
        assert out.index(notes[0]) > out.index("during line %d\n" % (lines - 1))
        assert [line for line in err.splitlines() if line.startswith("err line")] == \
            ["err line %d" % i for i in range(0, lines, 1000)], err[-2000:]
    finally:
        try:
            os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            pass
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_script_job_that_ends_while_the_disk_is_full_keeps_its_exit_code(tmp_path, fault_row):
    """The job's command ends (exit 3) while the disk is full and nothing of its output is held: its
    exit code waits for space with the holder (the wrapper's one try failed, and the run read as
    failed without an exit code)."""
    disk = tmp_path / "disk"
    _mount(disk, "3m")
    fault_row.update(fault="a script job ends (exit 3) while the disk is full (tmpfs 3m)",
                     load="its exit code, nothing else to write", lost=0,
                     checked="failed with exit code 3 once space returns, not 'without an exit code'")
    ctl, job_dir, runtime = tmp_path / "ctl", tmp_path / "job", tmp_path / "runtime"
    ctl.mkdir()
    job_dir.mkdir()
    q = shlex.quote(str(ctl))
    script = ("touch %s/before; while [ ! -e %s/filled ]; do sleep 0.01; done; touch %s/ending; exit 3"
              % (q, q, q))
    store = disk / "store"
    env = dict(os.environ, RUNLANE_RUNTIME_DIR=str(runtime), RUNLANE_DIR=str(store))
    env.pop("RUNLANE_RUN_ID", None)
    try:
        launched = subprocess.run(["node", str(NODE_BIN), "launch", "--on", "local", "--detach", "--name", "ends full",
                                   "--", "sh", "-c", script], cwd=str(job_dir), env=env, capture_output=True,
                                  text=True, timeout=120, check=False)
        assert launched.returncode == 0, launched.stderr
        run_id = launched.stdout.strip().split()[-1]
        _wait(lambda: (ctl / "before").exists(), "the job to start")
        ballast = _fill(disk)
        (ctl / "filled").touch()
        _wait(lambda: (ctl / "ending").exists(), "the job's command to end")
        # Long enough for the wrapper's own write to fail and the daemon to notice, before the fix; the
        # pass does not depend on it (the holder waits for space however long this takes).
        time.sleep(1.5)
        ballast.unlink()
        _wait(lambda: _status(str(store), run_id) not in ("queued", "running"), "the job to end")
        from runlane.notebook.job_cell import run_status

        status, error, exit_code = run_status(str(store / "runs" / run_id))
        assert (status, exit_code) == ("failed", 3), (status, error, exit_code)
    finally:
        try:
            os.kill(json.loads((runtime / "daemon.json").read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            pass
        subprocess.run(["umount", "-l", str(disk)], check=False)
