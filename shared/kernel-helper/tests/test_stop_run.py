"""Contract C2 from the kernel's side: stopping a running tracked cell through the daemon
(POST /runs/:id/stop, what the editors' Stop buttons call) interrupts the cell, and its run ends
`interrupted`, as a kernel interrupt would."""
from kernels import text_of, wait_for

from runlane.daemon_client import DaemonClient


def test_stopping_a_running_tracked_cell_interrupts_it(job_kernel):
    msg_id = job_kernel.send("%%runlane --name sleeper\nimport time\nprint('sleeping', flush=True)\ntime.sleep(60)\n",
                             "cell-sleeper")
    run = wait_for(lambda: next((r for r in job_kernel.runs() if r["status"] == "running"), None), timeout=20)
    assert run is not None and run["name"] == "sleeper"
    DaemonClient.connect(str(job_kernel.store)).stop_run(run["id"])
    outputs = job_kernel.outputs(msg_id, timeout=30)
    assert any(m["msg_type"] == "error" and m["content"]["ename"] == "KeyboardInterrupt" for m in outputs)
    [after] = [r for r in job_kernel.runs() if r["id"] == run["id"]]
    assert after["status"] == "interrupted"
    assert text_of(job_kernel.run("print('still here')", "cell-after")) == "still here\n"  # the kernel lives on
