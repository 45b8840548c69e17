"""The Ray job driver (runlane.ray_driver) on a real Ray head, submitted through the Jobs REST API as
the daemon's launcher submits it (a package of the helper, the input and spec.json): workers placed
with their resources and environment, output framed per rank, results and artifacts back, fail fast,
a stop killing every worker process, and placement waiting with a reason."""
import base64
import json
import os
import pickle
import signal
import time

import pytest
from ray_engine import alive, frames, job_info, job_logs, stop_job, submit, wait_job

from runlane.inband import Demux
from runlane.ray_worker import unescape

CELL = """import os, sys, time, runlane as rl
rank = int(os.environ["RANK"])
env = {k: os.environ.get(k) for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                                        "CUDA_VISIBLE_DEVICES", "RUNLANE_WORKER", "GREETING", "RUNLANE_DIR")}
print("env", json.dumps(env))
sys.stderr.write("warning from %d\\n" % rank)
sys.stdout.write("\\rstep 1/2")
sys.stdout.flush()
time.sleep(0.5)
sys.stdout.write("\\rstep 2/2\\n")
rl.log(score=10 + rank, step=0)
out = os.environ["RUNLANE_OUTPUT_DIR"]
open(os.path.join(out, "note %d.txt" % rank), "w").write("from rank %d" % rank)
if rank == 1:
    open(os.path.join(out, "big.bin"), "wb").write(b"x" * 300000)
sys.stdout.write("no newline at the end")
{"answer": 42, "rank": rank}
"""


def _input(cell):
    return {"input/cell.py": "import json\n" + cell,
            "input/cell.json": json.dumps({"filename": "Cell In[1]", "first_line": 1, "source": cell})}


def _stream(mine, kind):
    """(text, in-band records) of one rank's stream as the daemon writes it: a line frame's text and
    its newline, an open line's text as is, escapes undone, metric records taken out."""
    text = "".join(unescape(rest) + ("\n" if k == kind else "") for k, rest in mine if k in (kind, kind.upper()))
    demux = Demux()
    shown, records = demux.push(text)
    return shown + demux.end(), records


def _by_rank(fs, rank):
    return [(kind, rest) for r, kind, rest in fs if r == str(rank)]


def test_two_workers_get_their_env_gpus_output_result_and_artifacts(ray_head, jobs):
    job = jobs["main"]
    info = wait_job(ray_head, job)
    log = job_logs(ray_head, job)
    assert info["status"] == "SUCCEEDED", log
    fs = frames(log)
    envs = {}
    for rank in (0, 1):
        mine = _by_rank(fs, rank)
        assert mine[-1] == ("x", "0"), mine  # the exit frame is the rank's last
        stdout, records = _stream(mine, "o")
        assert stdout.startswith("env ")
        envs[rank] = json.loads(stdout.split("\n")[0][4:])
        # \r kept, and a last line without its newline not lost
        assert stdout.split("\n", 1)[1] == "\rstep 1/2\rstep 2/2\nno newline at the end"
        assert [r["k"] for r in records] == ["score"] and records[0]["p"][0][2] == 10 + rank  # in-band metric
        assert _stream(mine, "e")[0] == "warning from %d\n" % rank  # stderr apart
        # The progress line's open state came alone (O) while the worker slept, before the line ended.
        assert ("O", "\x10rstep 1/2") in mine, mine
    for rank, env in envs.items():
        assert env["RANK"] == str(rank) and env["WORLD_SIZE"] == "2" and env["LOCAL_RANK"] == str(rank)
        assert env["RUNLANE_WORKER"] == "w%d" % rank and env["GREETING"] == "hello there"
    assert envs[0]["MASTER_ADDR"] == envs[1]["MASTER_ADDR"] and envs[0]["MASTER_PORT"] == envs[1]["MASTER_PORT"]
    assert int(envs[0]["MASTER_PORT"]) > 0
    assert not any(os.path.exists(env["RUNLANE_DIR"]) for env in envs.values())  # the ranks' temp stores are gone
    assert sorted([envs[0]["CUDA_VISIBLE_DEVICES"], envs[1]["CUDA_VISIBLE_DEVICES"]]) == ["0", "1"]  # Ray's GPUs
    files = {}
    for rank, kind, rest in fs:
        if kind in ("f", "a"):
            rel, chunk = rest.split(" ", 1)
            files.setdefault((rank, kind, rel), b"")
            files[(rank, kind, rel)] += base64.b64decode(chunk)
    assert pickle.loads(files[("0", "f", "job/result.pkl")]) == {"answer": 42, "rank": 0}
    assert files[("0", "a", "note%200.txt")] == b"from rank 0"  # a relpath has no space
    assert files[("1", "a", "note%201.txt")] == b"from rank 1"
    assert not any(rel == "big.bin" for _, _, rel in files)  # beyond the limit: a note says so
    notes = [rest for rank, kind, rest in fs if rank == "-" and kind == "n"]
    assert any("artifact limit" in n and "big.bin" in n for n in notes), notes
    assert any(n.startswith("started: 2 workers") for n in notes)


def _pids(log, word):
    return [int(rest.split()[1]) for _, kind, rest in frames(log) if kind == "o" and rest.startswith(word + " ")]


def _wait_for_lines(head, job, word, count, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = job_logs(head, job)
        if len(_pids(log, word)) >= count:
            return log
        time.sleep(0.2)
    raise AssertionError("no %d %r lines in %d s:\n%s" % (count, word, timeout, job_logs(head, job)))


SLEEPER = ("import os, subprocess, sys, time\n"
           "child = subprocess.Popen(['sleep', '300'])\n"
           "print('pid', os.getpid(), flush=True)\n"
           "print('child', child.pid, flush=True)\n"
           "print('store', os.environ['RUNLANE_DIR'], flush=True)\n"
           "if os.environ['RANK'] == '1' and len(sys.argv) > 1:\n"
           "    time.sleep(0.5)\n"
           "    sys.exit(int(sys.argv[1]))\n"
           "time.sleep(300)\n")


@pytest.fixture(scope="module")
def jobs(ray_head):
    """Every job of this module, submitted at once (each takes seconds to start: they start together).
    The head's 4 CPUs hold the 4 placeable jobs of 2 workers of 1 CPU; the GPU job never places."""
    sleeper = {"sleeper.py": SLEEPER}
    return {
        "main": submit(ray_head, {"run_id": "20260101-000000-aaaaaa", "workers": 2, "gpus_per_worker": 1,
                                  "cpus_per_worker": 0.5, "env": {"GREETING": "hello there"},
                                  "cell": {"input": "input"}, "output_limit_bytes": 100000}, _input(CELL)),
        "failing": submit(ray_head, {"run_id": "20260101-000000-bbbbbb", "workers": 2, "cpus_per_worker": 0.5,
                                     "command": ["python", "sleeper.py", "3"]}, sleeper),
        "stopped": submit(ray_head, {"run_id": "20260101-000000-cccccc", "workers": 2, "cpus_per_worker": 0.5,
                                     "command": ["python", "sleeper.py"]}, sleeper),
        "killed": submit(ray_head, {"run_id": "20260101-000000-eeeeee", "workers": 2, "cpus_per_worker": 0.5,
                                    "command": ["python", "sleeper.py"]}, sleeper),
        "gpus": submit(ray_head, {"run_id": "20260101-000000-dddddd", "workers": 2, "gpus_per_worker": 4,
                                  "command": ["python", "-V"]}),
    }


def test_a_failing_worker_stops_the_others_and_fails_the_job(ray_head, jobs):
    job = jobs["failing"]
    info = wait_job(ray_head, job)
    log = job_logs(ray_head, job)
    assert info["status"] == "FAILED", log
    fs = frames(log)
    assert _by_rank(fs, 1)[-1] == ("x", "3")
    assert _by_rank(fs, 0)[-1] == ("x", "-15")  # stopped by SIGTERM to its group
    assert any("w1 failed (exit code 3)" in rest for r, _, rest in fs if r == "-")
    # Rank 0 of a Python script recorded the run's env.json beside it, and it came back.
    [env] = [rest.split(" ", 1)[1] for r, k, rest in fs if r == "0" and k == "f" and rest.startswith("env.json ")]
    assert json.loads(base64.b64decode(env))["workers"] == 2
    info = job_info(ray_head, job)
    assert (info["end_time"] - info["start_time"]) / 1000.0 < 200  # rank 0 did not sleep its 300 s out
    time.sleep(0.5)
    assert [p for p in _pids(log, "pid") + _pids(log, "child") if alive(p)] == []  # the grandchildren too


def test_stopping_the_job_kills_every_worker_process(ray_head, jobs):
    job = jobs["stopped"]
    log = _wait_for_lines(ray_head, job, "child", 2)
    pids = _pids(log, "pid") + _pids(log, "child")
    assert len(pids) == 4 and all(alive(p) for p in pids)
    assert set(pids) <= set(ray_head.pids())  # they run on the head's node, under its processes
    stop_job(ray_head, job)
    info = wait_job(ray_head, job)
    assert info["status"] == "STOPPED"
    deadline = time.time() + 10
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    assert [p for p in pids if alive(p)] == []


def test_a_gpu_request_no_node_can_meet_waits_with_the_reason(ray_head, jobs):
    job = jobs["gpus"]
    deadline = time.time() + 60
    notes = []
    while time.time() < deadline and not notes:
        notes = [rest for r, kind, rest in frames(job_logs(ray_head, job)) if r == "-" and rest.startswith("waiting")]
        time.sleep(0.3)
    assert notes, job_logs(ray_head, job)
    assert "2 workers of 1 CPU and 4 GPU each" in notes[0] and "No node has 1 CPU and 4 GPU" in notes[0], notes
    assert job_info(ray_head, job)["status"] == "RUNNING"
    stop_job(ray_head, job)
    assert wait_job(ray_head, job)["status"] == "STOPPED"


def test_a_driver_killed_outright_leaves_no_worker_process(ray_head, jobs):
    job = jobs["killed"]
    pids = _pids(_wait_for_lines(ray_head, job, "child", 2), "pid") + _pids(job_logs(ray_head, job), "child")
    entry = b"%s\0-m\0runlane.ray_driver" % ray_head.python.encode()
    [driver] = [p for p in ray_head.pids() if _cmdline(p).startswith(entry)]
    os.kill(driver, signal.SIGKILL)  # no handler runs: Ray ends the actors, their guards end the workers
    deadline = time.time() + 20
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    assert [p for p in pids if alive(p)] == []
    assert wait_job(ray_head, job)["status"] == "FAILED"
    stores = [rest.split(" ", 1)[1] for _, kind, rest in frames(job_logs(ray_head, job)) if rest.startswith("store ")]
    assert len(stores) == 2
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(s) for s in stores):
        time.sleep(0.1)
    assert [s for s in stores if os.path.exists(s)] == []  # the guards removed the ranks' temp stores


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""
