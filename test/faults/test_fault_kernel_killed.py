"""The kernel killed (kill -9) while one of its job cells runs. A job cell's workers are the daemon's
processes, not the kernel's: the kernel only follows their output and status. So the job goes on to
its end (it is not cancelled: a dead kernel is no decision to stop hours of training), the run ends
`finished`, and `%runlane attach RUN` in a new kernel shows every line once, in order, and the cell's
value. A real ipykernel driven as JupyterLab drives it, a real daemon, a real local job."""
import os
import re
import signal
import sys
import time

import faultlib
import pytest
from faultlib import FULL

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)
sys.path.insert(0, str(faultlib.ROOT / "shared" / "kernel-helper" / "tests"))

CELL = """%%runlane --on local --name survivor
import os, time
for i in range({before}):
    print("line %d" % i, flush=True)
open({ready!r}, "w").close()
while not os.path.exists({go!r}):
    time.sleep(0.02)
for i in range({before}, {total}):
    print("line %d" % i, flush=True)
sum(range(10))
"""


def _wait(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def test_a_job_cell_outlives_its_killed_kernel_and_a_new_kernel_reattaches(tmp_path, monkeypatch, fault_row):
    pytest.importorskip("jupyter_client")
    from daemons import stop_daemon
    from kernels import Kernel, text_of

    # Under 500 lines: past that a cell shows a head and a live tail (the stored log keeps every line).
    before, total = (240, 480) if FULL else (200, 400)
    fault_row.update(fault="the kernel killed (kill -9) during a job cell",
                     load=f"a local job printing {total:,} lines",
                     checked="the job runs on and finishes; a new kernel's %runlane attach: every line once, the value")
    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    ready, go = tmp_path / "ready", tmp_path / "go"
    kernels = []
    try:
        first = Kernel(tmp_path)
        kernels.append(first)
        first.run("%load_ext runlane", "setup")
        first.send(CELL.format(before=before, total=total, ready=str(ready), go=str(go)), "cell-job")
        _wait(ready.exists, "the job to print its first lines")
        [run] = [r for r in first.runs() if r["kind"] == "job"]
        os.kill(first.km.provisioner.process.pid, signal.SIGKILL)
        _wait(lambda: not first.km.is_alive(), "the kernel to die")
        [run] = [r for r in first.runs() if r["id"] == run["id"]]
        assert run["status"] == "running", run  # not cancelled with the kernel

        second = Kernel(tmp_path)
        kernels.append(second)
        second.run("%load_ext runlane", "setup")
        msg_id = second.send("%runlane attach " + run["id"], "cell-attach")
        go.touch()
        outputs = second.outputs(msg_id, timeout=120)
        shown = [int(m.group(1)) for m in re.finditer(r"line (\d+)\n", text_of(outputs))]
        stored = (second.store / "runs" / run["id"] / "logs" / "w0" / "stdout.log").read_text()
        fault_row["lost"] = total - len(set(shown))
        assert shown == list(range(total)), f"{len(shown)} lines shown of {total}"
        assert [int(n) for n in re.findall(r"^line (\d+)$", stored, re.M)] == list(range(total))
        results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
        assert results == ["45"], outputs
        [run] = [r for r in second.runs() if r["id"] == run["id"]]
        assert run["status"] == "finished", run
    finally:
        go.touch()  # a job left waiting would run on after the test
        for kernel in kernels:
            try:
                kernel.stop()
            except Exception:  # the killed one is gone already
                pass
        stop_daemon(tmp_path / "runtime")
