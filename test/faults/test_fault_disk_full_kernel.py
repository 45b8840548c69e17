"""A full disk under a notebook (a real ipykernel, driven as JupyterLab drives it): the warning is one
line in the output of the cell that is logging, not a traceback in some other cell's; the run goes on
and is whole once space returns. The store is a tmpfs of fixed size (root only; skipped otherwise)."""
import os
import pathlib
import subprocess
import sys

import faultlib
import pytest

from runlane.store.reader import StoreReader

fault_row = faultlib.fault_row  # the fixture (no conftest.py here: faultlib.py says why)
sys.path.insert(0, str(faultlib.ROOT / "shared" / "kernel-helper" / "tests"))


def test_a_full_disk_warns_once_in_the_logging_cell_and_the_run_is_whole_after(tmp_path, fault_row):
    pytest.importorskip("jupyter_client")
    # the kernel helper's test driver (on sys.path above)
    from kernels import Kernel, text_of

    if os.geteuid() != 0:
        pytest.skip("a disk of fixed size needs root here (mount -t tmpfs)")
    store = tmp_path / "store"
    store.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(store)], check=False,
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs failed here ({mounted.stderr.strip()})")
    fault_row.update(fault="disk full under a notebook (real kernel, tmpfs 3m)", load="30,000 points during the outage",
                     checked="one warning line in the logging cell's output, no traceback; every point once after")
    kernel = Kernel(tmp_path)
    try:
        first = kernel.run("import time, runlane as rl\nblock = rl.run(name='nb')\nrun = block.__enter__()\n"
                           "for i in range(1000):\n    run.log(x=i)\ntime.sleep(0.3)\nprint(run.id)", "c1")
        run_id = text_of(first).strip()
        ballast = pathlib.Path(store, "ballast")
        with open(ballast, "wb", buffering=0) as f:
            for size in (65536, 512, 1):
                try:
                    while True:
                        f.write(b"\0" * size)
                except OSError:
                    pass
        full = kernel.run("for i in range(1000, 31000):\n    run.log(x=i)\ntime.sleep(1.5)\nrun.log(x=31000)", "c2")
        ballast.unlink()
        after = kernel.run("time.sleep(1.5)\nrun.log(x=31001)\nblock.__exit__(None, None, None)", "c3")
        reader = StoreReader(str(store), warn=lambda message: None)
        steps = [p[0] for p in reader.read_points(run_id, "x")]
        status = reader.get_run(run_id)["status"]
    finally:
        kernel.stop()
        subprocess.run(["umount", "-l", str(store)], check=False)
    errors = [m for m in first + full + after if m["msg_type"] == "error"]
    assert errors == [], errors
    warned = [line for line in text_of(full, "stderr").splitlines() if "cannot write to the store" in line]
    assert len(warned) == 1, text_of(full, "stderr")
    assert "No space left on device" in warned[0] and str(store) in warned[0]
    everything = "".join(text_of(out, name) for out in (first, full, after) for name in ("stdout", "stderr"))
    assert "Traceback" not in everything
    assert "takes writes again" in text_of(full, "stderr") + text_of(after, "stderr")
    fault_row["lost"] = 31002 - len(set(steps))
    assert steps == list(range(31002))
    assert status == "finished"
