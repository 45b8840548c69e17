"""The magics and automatic tracking in an in-process IPython shell (fast; the real kernel over ZMQ
is in test_kernel.py). Cells carry a cell id and execute_request metadata as IPython 9 passes them."""
import inspect
import sys

import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

import runlane as rl  # noqa: E402
from runlane import active  # noqa: E402
from runlane.store.reader import StoreReader  # noqa: E402

NOTEBOOK = "/work/notebooks/train.ipynb"


@pytest.fixture
def shell(tmp_path, monkeypatch):
    saved = (sys.displayhook, sys.excepthook, sys.stdout, sys.stderr)
    monkeypatch.setenv("RUNLANE_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    sh = InteractiveShell.instance()
    sh.user_ns["__vsc_ipynb_file__"] = NOTEBOOK  # as VS Code's Jupyter extension sets it
    active.set_current(None)
    sh.run_line_magic("load_ext", "runlane")
    sh.store = tmp_path / "store"
    yield sh
    sh.run_line_magic("unload_ext", "runlane")
    active.set_current(None)
    InteractiveShell.clear_instance()
    sys.displayhook, sys.excepthook, sys.stdout, sys.stderr = saved


ACCEPTS_CELL_META = "cell_meta" in inspect.signature(InteractiveShell.run_cell).parameters  # IPython 9+


class RequestOnlyKernel:
    """What the helper reads from ipykernel before IPython 9: the execute_request as parent."""

    def __init__(self, parent):
        self.parent = parent

    def get_parent(self, channel="shell"):
        return self.parent


def cell(sh, code, cell_id="cell-1", **metadata):
    """Runs a cell as a notebook frontend would: a cell id and execute_request metadata."""
    metadata = dict(metadata, cellId=cell_id)
    if ACCEPTS_CELL_META:
        return sh.run_cell(code, store_history=True, cell_id=cell_id, cell_meta=metadata)
    sh.kernel = RequestOnlyKernel({"metadata": metadata, "content": {"code": code}})
    try:
        return sh.run_cell(code, store_history=True, cell_id=cell_id)
    finally:
        del sh.kernel


def runs(sh):
    return StoreReader(sh.store).list_runs() if sh.store.exists() else []


def stdout_log(sh, run):
    reader = StoreReader(sh.store)
    return b"".join(reader.read_log(run["id"], w, s) for w, s in reader.log_streams(run["id"]) if s == "stdout")


MAGIC_CELL = """%%runlane --name "first try" --experiment mnist
lr = 0.1
%env RUNLANE_TEST_FLAG=1
layers = [64, 64]
betas = (0.9, -0.999)
import runlane as rl
for i in range(3):
    rl.log(loss=1.0 / (i + 1))
print("trained")
6 * 7
"""


def test_the_magic_runs_the_cell_as_a_tracked_run(shell, capsys):
    result = cell(shell, MAGIC_CELL, "cell-train")
    assert result.success
    shown = capsys.readouterr().out
    assert "trained" in shown and "42" in shown  # printed and the last value displayed, as usual
    [run] = runs(shell)
    assert (run["name"], run["experiment"], run["kind"], run["status"]) == ("first try", "mnist", "cell", "finished")
    assert run["notebook"] == NOTEBOOK and run["cell_id"] == "cell-train"
    assert run["execution_count"] == result.execution_count
    assert run["params"] == {"lr": 0.1, "layers": [64, 64], "betas": [0.9, -0.999]}
    assert run["metrics"]["loss"]["count"] == 3
    assert b"trained\n" in stdout_log(shell, run)
    assert (shell.store / "runs" / run["id"] / "source.py").read_text() == MAGIC_CELL
    assert shell.user_ns["layers"] == [64, 64]  # the cell ran in the user's namespace


def test_a_failing_magic_cell_is_failed_and_the_error_still_shows(shell, capsys):
    result = cell(shell, "%%runlane\nx = 1\nraise ValueError('bad batch')\n")
    assert isinstance(result.error_in_exec, ValueError)
    assert "bad batch" in capsys.readouterr().out  # InteractiveShell prints tracebacks to stdout
    [run] = runs(shell)
    assert run["status"] == "failed" and "ValueError: bad batch" in run["error"]
    result = cell(shell, "%%runlane\nraise KeyboardInterrupt\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert runs(shell)[0]["status"] == "interrupted"


@pytest.mark.parametrize("line, message", [
    ("%%runlane --bogus", "unrecognized arguments: --bogus"),
    ("%%runlane --name", "expected one argument"),
    ("%%runlane --workers 2", "go with --on TARGET"),
    ("%%runlane --experiment a/b", 'Invalid experiment name "a/b"'),
    ('%%runlane --name "un closed', "No closing quotation"),
    ("%runlane auto sometimes", "invalid choice: 'sometimes'"),
    ("%runlane auto all --threshold -1", "seconds above 0"),
    ("%runlane auto all --threshold soon", "seconds above 0"),
    ("%runlane fly", "invalid choice: 'fly'"),
])
def test_bad_magic_lines_are_clear_usage_errors_and_nothing_runs(shell, capsys, line, message):
    result = cell(shell, line + "\nprint('body ran')\n" if line.startswith("%%") else line)
    err = capsys.readouterr()
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert message in str(result.error_in_exec) and "body ran" not in err.out
    assert runs(shell) == []


def test_help_shows_the_options_without_running_the_cell(shell, capsys):
    cell(shell, "%%runlane --help\nprint('body ran')\n")
    out = capsys.readouterr().out
    assert "--experiment" in out and "--on" in out and "body ran" not in out
    assert runs(shell) == []


def test_auto_off_tracks_only_cells_that_use_the_api(shell):
    cell(shell, "%runlane auto off")
    cell(shell, "a = 1\nprint('untracked')", "cell-plain")
    assert runs(shell) == []
    cell(shell, "import runlane as rl\nrl.log(acc=0.5)\nprint('tracked')", "cell-logs")
    [run] = runs(shell)
    assert run["cell_id"] == "cell-logs" and run["status"] == "finished" and run["kind"] == "cell"
    assert stdout_log(shell, run) == b"tracked\n"
    assert rl.active_run() is None  # the cell's run ended with the cell


def test_auto_tagged_tracks_cells_marked_in_the_request_metadata(shell):
    cell(shell, "%runlane auto tagged")
    cell(shell, "print('plain')", "cell-plain", tags=["other"])
    cell(shell, "lr = 0.5\nprint('tagged')", "cell-tag", tags=["experiment"])
    cell(shell, "print('marked')", "cell-marked", runlane={"track": True})
    got = {r["cell_id"]: r for r in runs(shell)}
    assert set(got) == {"cell-tag", "cell-marked"}
    assert got["cell-tag"]["params"] == {"lr": 0.5} and stdout_log(shell, got["cell-tag"]) == b"tagged\n"


def test_auto_all_tracks_cells_over_the_threshold(shell):
    cell(shell, "%runlane auto all --threshold 0.2")
    cell(shell, "x = 1", "cell-quick")
    cell(shell, "1 / 0", "cell-quick-fail")
    assert runs(shell) == []
    cell(shell, "import time\nwarmup = 3\ntime.sleep(0.3)", "cell-slow")
    cell(shell, "import time\ntime.sleep(0.3)\nraise RuntimeError('late')", "cell-slow-fail")
    got = {r["cell_id"]: r for r in runs(shell)}
    assert set(got) == {"cell-slow", "cell-slow-fail"}
    assert got["cell-slow"]["status"] == "finished" and got["cell-slow"]["params"] == {"warmup": 3}
    assert got["cell-slow-fail"]["status"] == "failed" and "RuntimeError: late" in got["cell-slow-fail"]["error"]


def test_rerunning_a_cell_makes_a_new_run_of_the_same_cell(shell):
    for _ in range(3):
        assert cell(shell, "%%runlane\nimport runlane as rl\nrl.log(v=1)", "cell-again").success
    history = rl.cell_history(NOTEBOOK, "cell-again")
    assert len(history) == 3 and all(r["status"] == "finished" for r in history)
    assert [r["created_at"] for r in history] == sorted((r["created_at"] for r in history), reverse=True)
    assert len({r["execution_count"] for r in history}) == 3


def test_a_run_block_in_a_cell_is_linked_to_the_cell(shell):
    code = ("import runlane as rl\nfor lr in (0.1, 0.01):\n"
            "    with rl.run(params={'lr': lr}) as r:\n        r.log(loss=lr)\n")
    cell(shell, code, "cell-sweep")
    got = runs(shell)
    assert len(got) == 2  # one per block; the cell itself logged nothing of its own
    assert {r["cell_id"] for r in got} == {"cell-sweep"} and {r["kind"] for r in got} == {"cell"}
    assert {r["experiment"] for r in got} == {"train"} and sorted(r["params"]["lr"] for r in got) == [0.01, 0.1]


def test_a_loss_the_loop_updates_is_a_metric_only_not_a_param(shell):
    # A new user's cell: `loss = 2.0` starts the value the loop logs; it is not a setting of the run.
    code = ("import runlane as rl\nlr = 0.001\nloss = 2.0\n"
            "for step in range(60):\n    loss = loss * 0.95\n    rl.log(loss=loss)\n")
    assert cell(shell, code, "cell-new-user").success
    [run] = runs(shell)
    assert run["params"] == {"lr": 0.001} and run["metrics"]["loss"]["count"] == 60
    # The same rule for rl.run() blocks: a decayed lr is a running value; `epochs` stays a param.
    block = ("import runlane as rl\nepochs = 3\nlr = 0.1\nwith rl.run(name='decay') as r:\n"
             "    for epoch in range(epochs):\n        lr = lr * 0.9\n        r.log(lr=lr)\n")
    assert cell(shell, block, "cell-decay").success
    [decay] = [r for r in runs(shell) if r["name"] == "decay"]
    assert decay["params"] == {"epochs": 3} and decay["metrics"]["lr"]["count"] == 3


def test_status_says_mode_store_and_notebook(shell, capsys):
    cell(shell, "%runlane auto tagged")
    cell(shell, "%runlane status")
    out = capsys.readouterr().out
    assert 'tagged: cells tagged "runlane" or "experiment" become runs' in out
    assert str(shell.store) in out and NOTEBOOK in out


def test_logging_before_load_ext_still_makes_one_run_per_cell(shell):
    shell.run_line_magic("unload_ext", "runlane")
    assert not hasattr(shell, "_runlane_tracker")
    # Terminal IPython has no execute_request, so the first cell's id is unknown (a kernel's
    # request carries it: test_kernel.py); its source comes from the input history.
    cell(shell, "import runlane as rl\nrl.log(a=1)\nprint('first')", "cell-a")
    assert "runlane" in shell.extension_manager.loaded
    cell(shell, "rl.log(a=2)", "cell-b")
    first, second = sorted(runs(shell), key=lambda r: r["created_at"])
    assert first["status"] == second["status"] == "finished" and second["cell_id"] == "cell-b"
    assert b"first\n" in stdout_log(shell, first)
    assert "rl.log(a=1)" in (shell.store / "runs" / first["id"] / "source.py").read_text()


def test_finish_inside_a_cell_then_logging_again_starts_another_run_of_the_cell(shell):
    cell(shell, "import runlane as rl\nrl.log(a=1)\nrl.finish()\nrl.log(a=2)\nrl.active_run().finish('failed')\n"
                "rl.log(a=3)", "cell-three")
    got = sorted(runs(shell), key=lambda r: r["created_at"])
    assert [r["status"] for r in got] == ["finished", "failed", "finished"]
    assert {r["cell_id"] for r in got} == {"cell-three"}
