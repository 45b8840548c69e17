"""Job cells in a real kernel (as test_kernel.py drives one): the run link at the start (contract C3),
tracebacks with the user's frames only and the editor's line numbers, once, and a one-line stop."""
import pytest
from kernels import text_of, wait_for

RUN_MIME = "application/vnd.runlane.run+json"


def errors_of(outputs):
    return [m["content"] for m in outputs if m["msg_type"] == "error"]


def execution_count(outputs):
    return next(m["content"]["execution_count"] for m in outputs if m["msg_type"] == "execute_input")


def test_a_job_cell_starts_with_a_link_to_its_run(job_kernel):
    outputs = job_kernel.run("%%runlane --on local --name 'linked <b>'\nprint('hi', flush=True)\n", "cell-link")
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    displays = [m["content"]["data"] for m in outputs if m["msg_type"] == "display_data"]
    assert displays, outputs
    first = displays[0]
    assert first[RUN_MIME] == {"id": run["id"], "name": "linked <b>", "experiment": "train",
                               "store": str(job_kernel.store), "kind": "job"}
    assert first["text/plain"] == 'Runlane run "linked <b>" (%s): runlane show %s' % (run["id"], run["id"])
    assert "text/html" not in first  # the name is rendered as text by the editors, never as HTML


def test_a_failing_job_cell_shows_the_users_frames_once_with_the_editors_line_numbers(job_kernel):
    cell = ("%%runlane --on local\n"        # line 1
            "def divide(x):\n"             # line 2
            "    return 1 / x\n"           # line 3
            "print('before', flush=True)\n"
            "divide(0)\n")                 # line 5
    outputs = job_kernel.run(cell, "cell-tb")
    count = execution_count(outputs)
    shown = text_of(outputs, "stderr")
    assert 'File "Cell In[%d]", line 5, in <module>' % count in shown, shown
    assert 'File "Cell In[%d]", line 3, in divide' % count in shown, shown
    assert "    return 1 / x" in shown and "    divide(0)" in shown  # the cell's own lines, as written
    assert shown.count("ZeroDivisionError: division by zero") == 1
    assert shown.count("Traceback (most recent call last)") == 1
    for internal in ("runpy", "worker.py", "job_cell.py", "<cell>", "Cell In[0]", "run_cell_magic"):
        assert internal not in shown, (internal, shown)
    [error] = errors_of(outputs)
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert error["ename"] == "JobFailed"
    text = "\n".join(error["traceback"])
    assert "Job %s failed: Worker w0 exited with code 1." % run["id"] in text
    assert "ZeroDivisionError" not in text and "job_cell.py" not in text  # not a second traceback
    assert len(error["traceback"]) == 1


def test_a_syntax_error_points_at_the_editors_line(job_kernel):
    outputs = job_kernel.run("%%runlane --on local\nx = 1\ny = (\n", "cell-syntax")
    shown = text_of(outputs, "stderr")
    assert 'line 3' in shown and "SyntaxError" in shown, shown
    assert "worker.py" not in shown and "runpy" not in shown


def test_a_job_cell_that_cannot_start_says_why_in_one_line(job_kernel):
    outputs = job_kernel.run("%%runlane --on gpu-box\nprint(1)\n", "cell-no-target")
    [error] = errors_of(outputs)
    assert error["ename"] == "RunlaneError" and len(error["traceback"]) == 1
    assert 'No target "gpu-box". Targets: local' in error["traceback"][0]
    assert "job_cell.py" not in error["traceback"][0] and "run_cell_magic" not in error["traceback"][0]


def test_stopping_a_job_cell_is_one_line(job_kernel):
    msg_id = job_kernel.send("%%runlane --on local --workers 2\nimport time\n"
                             "print('started', flush=True)\ntime.sleep(60)\n", "cell-stop")
    assert wait_for(lambda: any(r["kind"] == "job" and r["status"] == "running" for r in job_kernel.runs()), timeout=20)
    wait_for(lambda: False, timeout=1.0)
    job_kernel.km.interrupt_kernel()
    outputs = job_kernel.outputs(msg_id, timeout=60)
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["status"] == "cancelled"
    [error] = errors_of(outputs)
    assert error["ename"] == "JobStopped"
    assert error["traceback"] == ["Stopped: job %s cancelled." % run["id"]]
    assert "KeyboardInterrupt" not in text_of(outputs, "stderr") and "Traceback" not in text_of(outputs, "stderr")


@pytest.mark.parametrize("workers", [2])
def test_a_job_cells_params_and_environment_are_what_the_user_ran(job_kernel, workers):
    job_kernel.run("lr = 0.25\nname = 'wide'", "cell-vars")
    cell = "%%%%runlane --on local --workers %d --with lr,name\nimport json\nprint(lr, flush=True)\nlr * 2\n" % workers
    outputs = job_kernel.run(cell, "cell-params")
    assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ["0.5"]
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["params"] == {"target": "local", "workers": workers, "lr": 0.25, "name": "wide"}
    run_dir = job_kernel.store / "runs" / run["id"]
    import json

    env = json.loads((run_dir / "env.json").read_text())
    assert env["python"] and env["host"] and "packages" in env and env["workers"] == workers
    assert not (run_dir / "artifacts" / "result.pkl").exists()
    assert (run_dir / "job" / "result.pkl").exists()
