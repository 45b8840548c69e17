"""The magic and automatic tracking in a REAL ipykernel, driven over ZMQ as JupyterLab drives it
(execute_request with the cell id in its metadata, JPY_SESSION_NAME in the kernel's environment)."""
import json
import os
import sys
import time

import pytest

pytest.importorskip("jupyter_client")

from kernels import Kernel, text_of, wait_for  # noqa: E402

from runlane.store.reader import StoreReader  # noqa: E402


@pytest.fixture
def kernel(tmp_path):
    k = Kernel(tmp_path)
    k.run("%load_ext runlane", "setup")
    yield k
    k.stop()


TRAIN_CELL = """%%runlane --name mlp --experiment demo
lr = 0.1
epochs = 3
layers = [64, 64]
import runlane as rl
for epoch in range(epochs):
    rl.log(loss=1.0 / (epoch + 1))
    print("epoch", epoch)
"""


def test_magic_cell_becomes_a_run_with_everything_captured(kernel):
    outputs = kernel.run(TRAIN_CELL, "cell-train")
    assert "epoch 2" in text_of(outputs)  # still shown in the cell
    [run] = kernel.runs()
    assert run["name"] == "mlp" and run["experiment"] == "demo" and run["status"] == "finished"
    assert run["kind"] == "cell" and run["cell_id"] == "cell-train" and run["notebook"] == kernel.notebook
    assert run["params"] == {"lr": 0.1, "epochs": 3, "layers": [64, 64]}
    assert run["metrics"]["loss"] == {"count": 3, "last": 1 / 3, "min": 1 / 3, "max": 1.0}
    [shown_count] = [m["content"]["execution_count"] for m in outputs if m["msg_type"] == "execute_input"]
    assert run["execution_count"] == shown_count and run["duration"] >= 0
    run_dir = kernel.store / "runs" / run["id"]
    assert (run_dir / "source.py").read_text() == TRAIN_CELL
    reader = StoreReader(kernel.store)
    [(writer, _)] = [s for s in reader.log_streams(run["id"]) if s[1] == "stdout"]
    assert "epoch 0\n" in reader.read_log(run["id"], writer, "stdout").decode()
    env = wait_for(lambda: (run_dir / "env.json").exists() and json.loads((run_dir / "env.json").read_text()))
    assert env["python"].count(".") == 2 and "packages" in env and "gpus" in env


def test_rerunning_a_cell_makes_a_new_run_of_the_same_cell(kernel):
    kernel.run(TRAIN_CELL, "cell-train")
    kernel.run(TRAIN_CELL, "cell-train")
    runs = kernel.runs()
    assert len(runs) == 2 and {r["cell_id"] for r in runs} == {"cell-train"}
    assert all(r["status"] == "finished" for r in runs)
    out = kernel.run("import runlane, json\n"
                     "print(json.dumps([r['id'] for r in runlane.cell_history(%r, 'cell-train')]))"
                     % kernel.notebook, "cell-history")
    assert json.loads(text_of(out)) == [r["id"] for r in runs]


def test_a_failing_cell_is_failed_with_its_traceback_shown_and_stored(kernel):
    outputs = kernel.run("%%runlane --name broken\nx = 1\n1 / 0\n", "cell-broken")
    assert any(m["msg_type"] == "error" and m["content"]["ename"] == "ZeroDivisionError" for m in outputs)
    [run] = kernel.runs()
    assert run["status"] == "failed" and "ZeroDivisionError" in run["error"]


def test_interrupting_a_cell_marks_its_run_interrupted(kernel):
    msg_id = kernel.send("%%runlane --name sleepy\nimport time\nprint('start', flush=True)\ntime.sleep(30)\n",
                         "cell-sleep")
    assert wait_for(lambda: kernel.runs() and kernel.runs()[0]["status"] == "running")
    time.sleep(0.3)
    kernel.km.interrupt_kernel()
    outputs = kernel.outputs(msg_id)
    assert any(m["msg_type"] == "error" and m["content"]["ename"] == "KeyboardInterrupt" for m in outputs)
    [run] = kernel.runs()
    assert run["status"] == "interrupted"


def test_auto_all_tracks_long_cells_and_cells_that_log(kernel):
    kernel.run("%runlane auto all --threshold 0.5", "cell-auto")
    kernel.run("x = 1 + 1", "cell-quick")
    assert kernel.runs() == []
    kernel.run("import time\nbatch = 32\ntime.sleep(0.8)\n", "cell-slow")
    kernel.run("import runlane as rl\nrl.log(acc=0.5)\n", "cell-logs")
    runs = {r["cell_id"]: r for r in kernel.runs()}
    assert set(runs) == {"cell-slow", "cell-logs"}
    assert runs["cell-slow"]["params"] == {"batch": 32} and runs["cell-slow"]["status"] == "finished"
    assert runs["cell-logs"]["metrics"]["acc"]["last"] == 0.5


def test_auto_tagged_tracks_only_cells_marked_as_experiments(kernel):
    kernel.run("%runlane auto tagged", "cell-auto")
    kernel.run("print('plain')", "cell-plain")
    kernel.run("print('tagged')", "cell-tagged", metadata={"runlane": {"track": True}})
    kernel.run("print('tag list')", "cell-tags", metadata={"tags": ["experiment"]})
    assert sorted(r["cell_id"] for r in kernel.runs()) == ["cell-tagged", "cell-tags"]


def test_auto_all_shows_a_long_cell_live_and_an_interrupt_marks_it_interrupted(kernel):
    kernel.run("%runlane auto all --threshold 0.5", "cell-auto")
    msg_id = kernel.send("import time\nepochs = 100\nprint('begin', flush=True)\ntime.sleep(30)\n", "cell-long")
    # The params follow the run's creation by a moment: wait for both (two cores, seven suites).
    live = wait_for(lambda: [r for r in kernel.runs() if r["status"] == "running" and r["params"]], timeout=10)
    assert live and live[0]["cell_id"] == "cell-long" and live[0]["params"] == {"epochs": 100}
    kernel.km.interrupt_kernel()
    outputs = kernel.outputs(msg_id)
    assert "begin" in text_of(outputs)  # still shown in the cell
    [run] = kernel.runs()
    assert run["status"] == "interrupted" and 0.4 < run["duration"] < 20  # from the cell's start
    reader = StoreReader(kernel.store)
    [(writer, _)] = [s for s in reader.log_streams(run["id"]) if s[1] == "stdout"]
    assert reader.read_log(run["id"], writer, "stdout") == b"begin\n"


def test_logging_without_load_ext_makes_a_run_of_the_cell(tmp_path):
    k = Kernel(tmp_path)
    try:
        k.run("import runlane as rl\nrl.log(loss=0.5)\nprint('one')", "cell-one")
        k.run("rl.log(loss=0.25)", "cell-two")
        got = {r["cell_id"]: r for r in k.runs()}
        assert set(got) == {"cell-one", "cell-two"}
        assert all(r["status"] == "finished" and r["notebook"] == k.notebook for r in got.values())
    finally:
        k.stop()


def test_unknown_options_get_a_clear_message(job_kernel):
    out = job_kernel.run("%%runlane --bogus\nprint(1)\n", "cell-bad")
    assert "unrecognized arguments: --bogus" in text_of(out, "stderr")
    out = job_kernel.run("%%runlane --workers 2\nprint(1)\n", "cell-workers")
    assert "go with --on TARGET" in text_of(out, "stderr")
    out = job_kernel.run("%%runlane --on gpu-box\nprint(1)\n", "cell-on")
    [error] = [m["content"] for m in out if m["msg_type"] == "error"]
    assert error["ename"] == "RunlaneError" and 'No target "gpu-box". Targets: local' in error["evalue"]
    out = job_kernel.run("%%runlane --on local --with nope\nprint(1)\n", "cell-with")
    [error] = [m["content"] for m in out if m["msg_type"] == "error"]
    assert "no variable named 'nope'" in error["evalue"]
    assert job_kernel.runs() == []


@pytest.mark.skipif(sys.version_info < (3, 8), reason="ipykernel")
def test_importing_runlane_stays_light():
    import subprocess

    code = "import sys, runlane; print('IPython' in sys.modules)"
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "False"


def test_a_cell_runs_as_a_two_worker_job_with_output_and_result_in_the_cell(job_kernel):
    job_kernel.run("scale = 10", "cell-vars")
    cell = ("%%runlane --on local --workers 2 --with scale --name two-workers\n"
            "import os, runlane as rl\n"
            "rank = int(os.environ['RANK'])\n"
            "for i in range(3):\n"
            "    rl.log(loss=1.0 / (i + 1), step=i)\n"
            "    print('rank', rank, 'step', i, flush=True)\n"
            "{'world': os.environ['WORLD_SIZE'], 'scaled': scale * 2}\n")
    outputs = job_kernel.run(cell, "cell-job")
    shown = text_of(outputs)
    for rank in (0, 1):
        assert shown.count("[w%d]\x1b[0m rank %d step" % (rank, rank)) == 3, shown
    assert "Warning" not in text_of(outputs, "stderr")  # `python -m runlane.worker` starts clean
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ["{'world': '2', 'scaled': 20}"]
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["name"] == "two-workers" and run["status"] == "finished" and run["metrics"]["loss"]["count"] == 3
    assert run["ranks"] == [0, 1]  # each worker's loss is its own series; the summary is rank 0's
    # The job's run is linked to its cell as a kernel's runs are (badges, "this notebook", diffs).
    assert run["notebook"] == job_kernel.notebook and run["cell_id"] == "cell-job"
    assert (job_kernel.store / "runs" / run["id"] / "source.py").read_text().startswith("%%runlane --on local")
    out = job_kernel.run("print(_['scaled'])", "cell-after")
    assert text_of(out).strip() == "20"


def test_a_failing_job_fails_the_cell_with_the_worker_exit_code(job_kernel):
    outputs = job_kernel.run("%%runlane --on local\nimport sys\nprint('about to fail', flush=True)\nsys.exit(3)\n",
                             "cell-fail")
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert errors and errors[0]["ename"] == "JobFailed" and "exited with code 3" in errors[0]["evalue"]
    assert "about to fail" in text_of(outputs)


def test_interrupting_a_job_cell_cancels_the_job(job_kernel):
    msg_id = job_kernel.send("%%runlane --on local --workers 2\nimport time\n"
                             "print('started', flush=True)\ntime.sleep(60)\n", "cell-long")
    assert wait_for(lambda: any(r["kind"] == "job" and r["status"] == "running" for r in job_kernel.runs()), timeout=20)
    time.sleep(1.0)
    job_kernel.km.interrupt_kernel()
    outputs = job_kernel.outputs(msg_id, timeout=60)
    assert any(m["msg_type"] == "error" and m["content"]["ename"] == "JobStopped" for m in outputs)
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["status"] == "cancelled"


def test_a_detached_job_is_reattached_after_a_kernel_restart(job_kernel):
    cell = ("%%runlane --on local --workers 2 --detach --name long\n"
            "import os, time\n"
            "for i in range(8):\n"
            "    print('w', os.environ['RANK'], 'tick', i, flush=True)\n"
            "    time.sleep(0.25)\n"
            "'done'\n")
    out = job_kernel.run(cell, "cell-detached")
    assert any("Running detached" in m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "display_data")
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    job_kernel.km.restart_kernel(now=True)
    job_kernel.kc.wait_for_ready(timeout=60)
    job_kernel.run("%load_ext runlane", "setup-again")
    outputs = job_kernel.run("%runlane attach " + run["id"], "cell-attach")
    shown = text_of(outputs)
    assert shown.count("tick 7") == 2  # both workers, up to the end, nothing repeated
    for rank in (0, 1):
        ticks = [line for line in shown.splitlines() if "w %d tick" % rank in line]
        assert len(ticks) == 8, shown
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ["'done'"]


@pytest.fixture
def ssh_host(tmp_path):
    """A real OpenSSH server on loopback (test/engines/ssh), declared as the target "box"."""
    import subprocess

    engines = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "engines", "ssh")
    sshd = tmp_path / "sshd"
    os.chmod(tmp_path, 0o755)  # sshd reads the authorized keys as the target user
    subprocess.run(["bash", os.path.join(engines, "start-sshd.sh"), str(sshd)], check=True, capture_output=True,
                   env=dict(os.environ, SSHD_PORT="22318"), timeout=30)
    remote = tmp_path / "remote-jobs"
    (tmp_path / "runlane.toml").write_text(
        '[targets.box]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "%s"\nworkdir = "%s"\npython = "%s"\n'
        % (sshd / "ssh_config", remote, sys.executable))
    yield remote
    subprocess.run(["bash", os.path.join(engines, "stop-sshd.sh"), str(sshd)], capture_output=True)


def test_a_cell_runs_on_an_ssh_host_with_its_variables_and_result(ssh_host, job_kernel):
    job_kernel.run("base = 5", "cell-vars")
    cell = ("%%runlane --on box --workers 2 --with base\n"
            "import os, runlane as rl\n"
            "rl.log(score=base + int(os.environ['RANK']))\n"
            "print('on host, rank', os.environ['RANK'], 'cwd', os.getcwd(), flush=True)\n"
            "open(os.path.join(os.environ['RUNLANE_OUTPUT_DIR'], 'note.txt'), 'w').write('from the host')\n"
            "base * 10\n")
    outputs = job_kernel.run(cell, "cell-ssh")
    shown = text_of(outputs)
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    for rank in (0, 1):  # workers start in the run's input folder on the host
        cwd = ssh_host / "runs" / run["id"] / "input"
        assert "[w%d]\x1b[0m on host, rank %d cwd %s" % (rank, rank, cwd) in shown, shown
    assert "\x1bP" not in shown  # the in-band metric records were taken out
    assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ["50"]
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    # Each worker's series stays apart: the summary is rank 0's (score = base), rank 1 logged its own.
    assert run["status"] == "finished" and run["ranks"] == [0, 1]
    assert run["metrics"]["score"]["count"] == 1 and run["metrics"]["score"]["last"] == 5
    artifacts = job_kernel.store / "runs" / run["id"] / "artifacts"
    assert (artifacts / "note.txt").read_text() == "from the host"
    assert (ssh_host / "runs" / run["id"] / "input" / "cell.py").exists()  # the body went to the host


def test_a_detached_job_keeps_a_live_display_in_its_cell_while_other_cells_run(job_kernel):
    cell = ("%%runlane --on local --detach --name live\n"
            "import time, runlane as rl\n"
            "for i in range(6):\n"
            "    rl.log(loss=1.0 / (i + 1), step=i)\n"
            "    print('tick <b>%d</b>' % i, flush=True)\n"
            "    time.sleep(0.3)\n")
    detached_id = job_kernel.send(cell, "cell-detached-live")
    first = job_kernel.outputs(detached_id, timeout=30)
    [shown] = [m["content"] for m in first if m["msg_type"] == "display_data"
               and "application/vnd.runlane.run+json" not in m["content"]["data"]]  # not the run link (C3)
    display_id = shown["transient"]["display_id"]
    other = job_kernel.run("print('another cell')", "cell-other")  # the kernel is free meanwhile
    assert text_of(other) == "another cell\n"
    updates = []
    deadline = time.time() + 30
    while time.time() < deadline:
        msg = job_kernel.kc.get_iopub_msg(timeout=deadline - time.time())
        if msg["msg_type"] != "update_display_data":
            continue
        assert msg["parent_header"].get("msg_id") == detached_id  # its cell, not the one that ran since
        assert msg["content"]["transient"]["display_id"] == display_id
        updates.append(msg["content"]["data"])
        if ": finished" in updates[-1]["text/plain"]:
            break
    final = updates[-1]
    assert ": finished" in final["text/plain"] and "loss 0.1667 at step 5" in final["text/plain"]
    assert "[w0] tick <b>5</b>" in final["text/plain"]
    assert "tick &lt;b&gt;5&lt;/b&gt;" in final["text/html"] and "<b>5</b>" not in final["text/html"]
    assert len(updates) >= 3  # it moved while the job ran


@pytest.fixture
def slurm_cluster(tmp_path, monkeypatch):
    """A real single-node Slurm with 2 fake GPUs (test/engines/slurm), declared as the target "cluster".
    Its folder is outside pytest's 0700 temp tree: munged runs as its own user and must reach it."""
    import shutil
    import subprocess
    import tempfile

    engines = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "engines", "slurm")
    base = tempfile.mkdtemp(prefix="runlane-slurm-")
    os.chmod(base, 0o755)
    slurm = os.path.join(base, "slurm")
    subprocess.run(["bash", os.path.join(engines, "start-slurm.sh"), slurm], check=True, capture_output=True,
                   env=dict(os.environ, SLURM_FAKE_GPUS="2"), timeout=90)
    monkeypatch.setenv("SLURM_CONF", os.path.join(slurm, "etc", "slurm.conf"))  # before the kernel starts
    (tmp_path / "runlane.toml").write_text('[targets.cluster]\nkind = "slurm"\npartition = "debug"\n')
    yield
    subprocess.run(["bash", os.path.join(engines, "stop-slurm.sh"), slurm], capture_output=True, timeout=90)
    shutil.rmtree(base, ignore_errors=True)


def test_a_cell_runs_on_slurm_as_two_tasks_with_a_gpu_each(slurm_cluster, job_kernel):
    cell = ("%%runlane --on cluster --workers 2 --gpus 1 --name on-slurm\n"
            "import os, runlane as rl\n"
            "rl.log(acc=0.5 + int(os.environ['RANK']) / 10)\n"
            "print('task', os.environ['RANK'], 'of', os.environ['WORLD_SIZE'],\n"
            "      'gpu', os.environ.get('CUDA_VISIBLE_DEVICES'), flush=True)\n"
            "os.environ['SLURM_JOB_ID']\n")
    outputs = job_kernel.run(cell, "cell-slurm")
    shown = text_of(outputs)
    for rank in (0, 1):
        assert "[w%d]\x1b[0m task %d of 2 gpu " % (rank, rank) in shown, shown
    [result] = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["status"] == "finished" and run["ranks"] == [0, 1]
    assert run["metrics"]["acc"]["count"] == 1 and run["metrics"]["acc"]["last"] == 0.5  # rank 0's series
    assert result.strip("'") == str(run["params"]["slurm_job"])


# -- Tracebacks and interrupts of tracked cells (issue 10) ----------------------------------------

def plain(text):
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def error_of(outputs):
    [error] = [m["content"] for m in outputs if m["msg_type"] == "error"]
    return error["ename"], plain("\n".join(error["traceback"]))


def count_of(outputs):
    [count] = [m["content"]["execution_count"] for m in outputs if m["msg_type"] == "execute_input"]
    return count


FAILING_CELL = "%%runlane --name broken\n\nscale = 2\n\ndef step(x):\n    return x / 0\nstep(scale)\n"


def test_a_magic_cell_traceback_shows_the_users_frames_once_with_the_editors_line_numbers(kernel):
    outputs = kernel.run(FAILING_CELL, "cell-broken")
    n = count_of(outputs)
    ename, shown = error_of(outputs)
    assert ename == "ZeroDivisionError"
    # The editor's numbering: the magic line is line 1, the blank line after it line 2.
    assert "Cell In[%d], line 7\n" % n in shown and "Cell In[%d], line 6, in step(x)" % n in shown, shown
    assert "----> 7 step(scale)" in shown and "----> 6     return x / 0" in shown
    for internal in ("run_cell_magic", "Cell In[0]", "magic.py", "skipping hidden", "'\\nscale = 2"):
        assert internal not in shown, shown
    assert shown.count("ZeroDivisionError: division by zero") == 1
    [run] = kernel.runs()
    assert run["status"] == "failed"
    assert run["error"] == ('Traceback (most recent call last):\n'
                            '  File "Cell In[%d]", line 7, in <module>\n    step(scale)\n'
                            '  File "Cell In[%d]", line 6, in step\n    return x / 0\n'
                            'ZeroDivisionError: division by zero\n' % (n, n))


def test_an_auto_tracked_cell_stores_the_traceback_it_shows(kernel):
    kernel.run("%runlane auto all", "cell-auto")
    outputs = kernel.run("import runlane as rl\nrl.log(acc=0.5)\nraise ValueError('bad batch')\n", "cell-logs")
    n = count_of(outputs)
    assert "Cell In[%d], line 3" % n in error_of(outputs)[1]
    [run] = kernel.runs()
    assert run["status"] == "failed"
    assert run["error"] == ('Traceback (most recent call last):\n  File "Cell In[%d]", line 3, in <module>\n'
                            "    raise ValueError('bad batch')\nValueError: bad batch\n" % n)


def test_a_magic_cell_that_does_not_parse_shows_the_syntax_error_alone_and_makes_no_run(kernel):
    outputs = kernel.run("%%runlane --name typo\nx = 1\ny = (\n", "cell-typo")
    ename, shown = error_of(outputs)
    assert ename == "SyntaxError" and "Cell In[%d], line 3" % count_of(outputs) in shown, shown
    assert "magic.py" not in shown and "run_cell_magic" not in shown
    assert kernel.runs() == []


def interrupt(kernel, code, cell_id):
    msg_id = kernel.send(code, cell_id)
    assert wait_for(lambda: any(r["status"] == "running" for r in kernel.runs()), timeout=20)
    time.sleep(0.3)
    kernel.km.interrupt_kernel()
    return kernel.outputs(msg_id)


def test_interrupting_a_tracked_cell_shows_one_line(kernel):
    outputs = interrupt(kernel, "%%runlane --name sleepy\nimport time\ntime.sleep(30)\n", "cell-magic")
    assert error_of(outputs) == ("KeyboardInterrupt", "Interrupted")
    kernel.run("%runlane auto all --threshold 0.3", "cell-auto")
    outputs = interrupt(kernel, "import time\nfor i in range(300):\n    time.sleep(0.1)\n", "cell-long")
    assert error_of(outputs) == ("KeyboardInterrupt", "Interrupted")
    assert sorted(r["status"] for r in kernel.runs()) == ["interrupted", "interrupted"]
    # A cell that made no run is shown as IPython shows it.
    kernel.run("%runlane auto off", "cell-off")
    msg_id = kernel.send("import time\ntime.sleep(30)\n", "cell-plain")
    time.sleep(1.0)
    kernel.km.interrupt_kernel()
    ename, shown = error_of(kernel.outputs(msg_id))
    assert ename == "KeyboardInterrupt" and "time.sleep(30)" in shown


# -- The run's link in the cell (contract C3) ------------------------------------------------------

RUN_MIME = "application/vnd.runlane.run+json"


def links_in(outputs):
    return [m["content"]["data"] for m in outputs
            if m["msg_type"] == "display_data" and RUN_MIME in m["content"]["data"]]


def test_a_tracked_cell_shows_its_run_link_when_the_run_starts(kernel):
    outputs = kernel.run(TRAIN_CELL, "cell-train")
    [run] = kernel.runs()
    [link] = links_in(outputs)
    assert link[RUN_MIME] == {"id": run["id"], "name": "mlp", "experiment": "demo", "store": str(kernel.store),
                              "kind": "cell"}
    assert link["text/plain"] == 'Runlane run "mlp" (%s): runlane show %s' % (run["id"], run["id"])
    first_print = next(i for i, m in enumerate(outputs) if m["msg_type"] == "stream")
    assert outputs.index(next(m for m in outputs if m["msg_type"] == "display_data")) < first_print
    # Auto-tracked: the link comes when the cell becomes a run (at the threshold), not before.
    kernel.run("%runlane auto all --threshold 0.5", "cell-auto")
    assert links_in(kernel.run("x = 1", "cell-quick")) == []
    outputs = kernel.run("import time\nprint('before', flush=True)\ntime.sleep(1)\n", "cell-slow")
    [slow] = [r for r in kernel.runs() if r["cell_id"] == "cell-slow"]
    assert [link[RUN_MIME]["id"] for link in links_in(outputs)] == [slow["id"]]


# -- Params of runs started in a cell (issue 10) ---------------------------------------------------

SWEEP_CELL = """import runlane as rl
epochs = 2
for cfg in [{"depth": 2}]:
    for seed in (1, 2):
        for lr, wd in [(0.1, 0.0), (0.01, 1e-4)]:
            with rl.run(name=f"lr={lr} seed={seed}", params={"seed": seed * 10}):
                rl.log(loss=lr)
"""


def test_runs_started_in_a_loop_record_the_loop_variables_and_the_cells_literals(kernel):
    outputs = kernel.run(SWEEP_CELL, "cell-sweep")
    assert not [m for m in outputs if m["msg_type"] == "error"]
    got = {r["name"]: r["params"] for r in kernel.runs()}
    # The loop's values at each rl.run() call; `cfg` (a dict: data, not a setting) is left out; the
    # explicit params= wins over the loop's `seed`.
    assert got == {"lr=%s seed=%d" % (lr, seed): {"epochs": 2, "seed": seed * 10, "lr": lr, "wd": wd}
                   for seed in (1, 2) for lr, wd in [(0.1, 0.0), (0.01, 1e-4)]}
    assert len(links_in(outputs)) == 4  # each run's link in the cell (C3)
