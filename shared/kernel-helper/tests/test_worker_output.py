"""A job's worker output as the cell shows it, from real log files: head lines printed, each worker's
live line and the tail in displays updated in place (IPython.display is the seam, recorded here).
What the cell shows is decided by CellLines, checked by the shared vectors in test_inband.py."""
from runlane.notebook import worker_output
from runlane.notebook.worker_output import WorkerOutput


class Display:
    """IPython.display as WorkerOutput uses it: each display's current text, in creation order."""

    def __init__(self):
        self.shown = []

    @staticmethod
    def Pretty(text):  # noqa: N802 - IPython's name
        return text

    def display(self, obj, display_id=False):
        assert display_id is True
        self.shown.append(obj)
        index = len(self.shown) - 1
        outer = self

        class Handle:
            def update(self, new):
                outer.shown[index] = new

        return Handle()


def append(run_dir, writer, stream, data):
    path = run_dir / "logs" / writer / (stream + ".log")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as f:
        f.write(data)


def test_a_progress_value_printed_with_end_r_is_live_then_a_line(tmp_path, capsys):
    run_dir = tmp_path / "runs" / "abc123"
    display = Display()
    out = WorkerOutput(str(run_dir), display)
    append(run_dir, "w0", "stdout", b"epoch 1\n10%\r")
    out.poll()
    out.flush()
    assert display.shown == ["[w0] 10%"]
    append(run_dir, "w0", "stdout", "20%\r100%\r\nd\xc3".encode("latin-1"))
    append(run_dir, "w0", "stdout", b"\xa9j\xc3\xa0 vu\n")  # UTF-8 cut between two reads
    append(run_dir, "w1", "stderr", b"warn\r\n")
    out.finish()
    printed = capsys.readouterr()
    assert printed.out == "\x1b[36m[w0]\x1b[0m epoch 1\n\x1b[36m[w0]\x1b[0m 100%\n\x1b[36m[w0]\x1b[0m déjà vu\n"
    assert printed.err == "\x1b[33m[w1 err]\x1b[0m warn\n"
    assert display.shown == [""]  # the live line closed when its line ended


def test_a_flood_keeps_the_head_and_a_tail_that_counts_only_the_lines_not_shown(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(worker_output, "HEAD_LINES", 5)
    monkeypatch.setattr(worker_output, "TAIL_LINES", 2)
    run_dir = tmp_path / "runs" / "abc123"
    display = Display()
    out = WorkerOutput(str(run_dir), display)
    append(run_dir, "w0", "stdout", b"".join(b"line %d\n" % i for i in range(6)))
    out.poll()
    out.flush()
    assert display.shown == ["[w0] line 5\n"]  # just past the head: shown, nothing hidden
    append(run_dir, "w0", "stdout", b"".join(b"line %d\n" % i for i in range(6, 10)))
    out.finish()
    assert capsys.readouterr().out.count("\n") == 5
    assert display.shown == ["… 3 more lines are in the stored log (runlane logs abc123); the last ones:\n"
                             "[w0] line 8\n[w0] line 9\n"]


def test_a_one_worker_job_followed_unlabelled_shows_its_lines_bare(tmp_path, capsys):
    """The sweep controller's lines (a one-worker job) read as docs/sweeps.md shows them: no `[w0] `."""
    run_dir = tmp_path / "runs" / "sweep1"
    display = Display()
    out = WorkerOutput(str(run_dir), display, labelled=False)
    append(run_dir, "w0", "stdout", b"Trial 0 started: lr=0.01\n50%\r")
    out.poll()
    out.flush()
    assert display.shown == ["50%"]
    append(run_dir, "w0", "stderr", b"a warning\n")
    out.finish()
    printed = capsys.readouterr()
    assert printed.out == "Trial 0 started: lr=0.01\n50%\n"
    assert printed.err == "a warning\n"

