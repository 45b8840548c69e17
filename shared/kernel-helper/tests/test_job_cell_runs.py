"""Job cells as the VS Code "Runlane jobs" controller and the kernel's `%%runlane --on local` submit them:
real local jobs through a daemon of the test's own, each worker a real `python -m runlane.worker`.
What the runs record: a sweep loop's blocks as runs of their own, the cell's literals as params, a
NameError that says why, and the result as text for clients that cannot unpickle it."""
import json
import os
import sys
import time

import pytest
from daemons import NODE, ROOT, stop_daemon

from runlane.daemon_client import DaemonClient
from runlane.store.reader import StoreReader

pytestmark = pytest.mark.skipif(NODE is None or not (ROOT / "shared" / "core" / "dist").exists(),
                                reason="needs Node.js and the built core (npx tsc -b)")

FINAL = {"finished", "failed", "interrupted", "cancelled", "crashed"}

SWEEP = '''import runlane as rl
for lr in [0.01, 0.1, 1.0]:
    with rl.run(name=f"lr={lr}", experiment="lr-sweep"):
        w = 0.0
        for epoch in range(30):
            w += lr
            rl.log(loss=1.0 / (1.0 + w), val_loss=2.0 / (1.0 + w))
    print(lr, "->", w, flush=True)
'''


class Jobs:
    """Submits cells to the daemon as the editors do and waits for their runs to end."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.store = tmp_path / ".runlane"
        self.client = DaemonClient.connect(str(self.store))

    def run_cell(self, body, workers=1, kernel_source=None, name="nb.ipynb cell 3", env=None):
        """`kernel_source`: the cell as written with its %%runlane line, which the kernel's magic sends
        in cell.json (the VS Code controller sends the body alone)."""
        input_dir = self.tmp / ("input-%d" % time.monotonic_ns())
        input_dir.mkdir()
        (input_dir / "cell.py").write_text(body, encoding="utf-8")
        if kernel_source is not None:
            (input_dir / "cell.json").write_text(json.dumps(
                {"filename": "Cell In[3]", "first_line": 2, "source": kernel_source}), encoding="utf-8")
        spec = {"target": "local", "command": [sys.executable, "-m", "runlane.worker"], "workers": workers,
                "name": name, "experiment": "nb", "cwd": str(self.tmp), "input": str(input_dir),
                "cell": {"notebook": str(self.tmp / "nb.ipynb"), "cell_id": "cell-3",
                         "source": kernel_source or body, "execution_count": 3}}
        if env:
            spec["env"] = env
        run_id = self.client.submit_job(spec)["run_id"]
        deadline = time.time() + 90
        while time.time() < deadline:
            run = self.reader().get_run(run_id)
            if run and run["status"] in FINAL:
                return run
            time.sleep(0.1)
        raise AssertionError("the job %s did not end within 90 s" % run_id)

    def reader(self):
        return StoreReader(str(self.store), warn=lambda message: None)

    def stderr(self, run_id, rank=0):
        folder = self.store / "runs" / run_id / "logs" / ("w%d" % rank)
        path = folder / "stderr.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@pytest.fixture
def jobs(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNLANE_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.delenv("RUNLANE_RUN_ID", raising=False)
    monkeypatch.delenv("RUNLANE_DIR", raising=False)
    yield Jobs(tmp_path)
    stop_daemon(tmp_path / "runtime")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_loop_in_a_job_cell_makes_one_run_per_block(jobs, workers):
    # Two workers get the kernel's cell.json (the %%runlane line in the cached source), one the VS Code way.
    kernel_source = "%%%%runlane --on local --workers %d\n%s" % (workers, SWEEP) if workers == 2 else None
    job = jobs.run_cell(SWEEP, workers=workers, kernel_source=kernel_source)
    assert job["status"] == "finished", jobs.stderr(job["id"])
    reader = jobs.reader()
    runs = {r["id"]: r for r in reader.list_runs()}
    ids = [job["id"], job["id"] + "-b2", job["id"] + "-b3"]
    assert sorted(runs) == sorted(ids), sorted(runs)
    source = (jobs.store / "runs" / job["id"] / "source.py").read_text()
    for run_id, lr in zip(ids, [0.01, 0.1, 1.0]):
        run = runs[run_id]
        assert run["name"] == "lr=%s" % lr and run["experiment"] == "lr-sweep"
        assert run["params"]["lr"] == lr, run["params"]
        assert run["status"] == "finished"
        assert run["ranks"] == list(range(workers))
        for rank in range(workers):
            points = reader.read_points(run_id, "loss", rank=rank)
            assert [step for step, _, _ in points] == list(range(30)), (run_id, rank)
            assert points[-1][2] == pytest.approx(1.0 / (1.0 + 30 * lr))  # its own lr's curve, not a merge
        if run_id != job["id"]:
            assert run["kind"] == "script" and run["tags"] == {"job": job["id"]}
            assert (jobs.store / "runs" / run_id / "source.py").read_text() == source
            assert (run["notebook"], run["cell_id"]) == (job["notebook"], "cell-3")
    assert runs[job["id"]]["kind"] == "job"
    # Only rank 0's block sets a status: the other ranks' writers leave it.
    for run_id in ids[1:]:
        events = jobs.store / "runs" / run_id / "events"
        for name in os.listdir(events):
            statuses = [json.loads(line)["status"] for line in (events / name).read_text().splitlines()
                        if json.loads(line)["type"] == "status"]
            assert statuses == (["running", "finished"] if name.startswith("r0-") else []), (name, statuses)


def test_a_job_cell_records_its_top_level_literals_as_params(jobs):
    body = ("lr = 0.3\nepochs = 60\nlayers = [64, 64]\nname = 'sgd'\nsteps = epochs * 2\nloss = 2.0\n"
            "for step in range(3):\n    loss = loss / 2\nprint(lr, epochs, flush=True)\n")
    run = jobs.run_cell(body)
    assert run["status"] == "finished", jobs.stderr(run["id"])
    params = run["params"]
    assert (params["lr"], params["epochs"], params["layers"], params["name"]) == (0.3, 60, [64, 64], "sgd")
    assert "steps" not in params  # not a literal
    assert "loss" not in params and "step" not in params  # a running value, re-bound in the loop
    # A re-run with an edited value records the value it ran with (a float stays a float).
    rerun = jobs.client.request("POST", "/runs/%s/rerun" % run["id"], {"params": {"lr": 1, "epochs": 5}})
    deadline = time.time() + 90
    while time.time() < deadline:
        again = jobs.reader().get_run(rerun["run_id"])
        if again and again["status"] in {"finished", "failed", "cancelled"}:
            break
        time.sleep(0.1)
    assert again["status"] == "finished", jobs.stderr(rerun["run_id"])
    assert (again["params"]["lr"], again["params"]["epochs"]) == (1.0, 5)
    assert isinstance(again["params"]["lr"], float)
    assert "1.0 5" in (jobs.store / "runs" / rerun["run_id"] / "logs" / "w0" / "stdout.log").read_text()


def test_a_name_error_in_a_job_cell_says_cells_share_no_variables(jobs):
    run = jobs.run_cell("w = np.zeros(10)\n")
    assert run["status"] == "failed"
    shown = jobs.stderr(run["id"])
    assert shown.count("NameError: name 'np' is not defined") == 1, shown
    hint = ("Each job cell runs in a fresh process: names from other cells are not defined there. "
            "Import what the cell uses in the cell, or pass kernel variables with --with NAME.")
    assert shown.rstrip().endswith(hint), shown  # the one line right after the traceback
    other = jobs.run_cell("raise ValueError('bad value')\n")
    assert "fresh process" not in jobs.stderr(other["id"])  # only a NameError gets it


def test_rank_0_writes_the_result_as_text_for_clients_that_cannot_unpickle(jobs):
    run = jobs.run_cell("import os\nprint('working', flush=True)\n{'done': True, 'rank': os.environ['RANK']}\n",
                        workers=2)
    assert run["status"] == "finished", jobs.stderr(run["id"])
    job_dir = jobs.store / "runs" / run["id"] / "job"
    result = json.loads((job_dir / "result.json").read_text(encoding="utf-8"))
    assert result == {"text/plain": "{'done': True, 'rank': '0'}"}
    assert not [name for name in os.listdir(job_dir) if ".tmp" in name]
    long_run = jobs.run_cell("'x' * 300000\n")
    text = json.loads((jobs.store / "runs" / long_run["id"] / "job" / "result.json").read_text())["text/plain"]
    assert len(text) == 100000 and text.startswith("'xxx")
    quiet = jobs.run_cell("x = 1\n")  # no last expression: no result
    assert not (jobs.store / "runs" / quiet["id"] / "job" / "result.json").exists()


def test_a_sweep_in_a_script_launched_as_a_two_worker_job_makes_one_run_per_block(cli, tmp_path):
    # Run File as Experiment / `runlane launch`: the same rule for a script's loop (its file in linecache).
    (tmp_path / "sweep.py").write_text(SWEEP)
    cli("launch", "--on", "local", "--workers", "2", "--", sys.executable, "sweep.py")
    reader = StoreReader(str(cli.store), warn=lambda message: None)
    runs = {r["id"]: r for r in reader.list_runs()}
    [job] = [r for r in runs.values() if r["kind"] == "job"]
    assert sorted(runs) == sorted([job["id"], job["id"] + "-b2", job["id"] + "-b3"])
    for run_id, lr in zip(sorted(runs), [0.01, 0.1, 1.0]):
        run = runs[run_id]
        assert (run["name"], run["params"]["lr"], run["status"], run["ranks"]) == ("lr=%s" % lr, lr, "finished", [0, 1])
        assert [len(reader.read_points(run_id, "loss", rank=rank)) for rank in (0, 1)] == [30, 30]
    block = runs[job["id"] + "-b2"]
    assert block["kind"] == "script" and block["tags"] == {"job": job["id"]}
    meta = json.loads((cli.store / "runs" / block["id"] / "meta.json").read_text())
    assert meta["script"] == str(tmp_path / "sweep.py")  # the editors' Open Script, as for the job's run
