"""A notebook cell run as a two-worker job on a real Ray head, through a real kernel and the real
daemon (its Ray launcher submits the driver, runlane.ray_driver, through the Jobs API): each worker's
lines come into the cell while it runs, with [w0]/[w1] prefixes and none of Ray's own, its rl.log
metrics reach the store per rank, and the cell's value comes back as its result."""
import re
import time

from kernels import text_of


def _declare(tmp_path, head):
    (tmp_path / "runlane.toml").write_text('[targets.ray]\nkind = "ray"\naddress = "%s"\npython = "%s"\n'
                                           % (head.address, head.python))


CELL = ("%%runlane --on ray --workers 2 --name on-ray\n"
        "import os, time, runlane as rl\n"
        "rank = int(os.environ['RANK'])\n"
        "for i in range(4):\n"
        "    rl.log(loss=1.0 / (i + 1) + rank, step=i)\n"
        "    print('tick', i, 'of rank', rank, 'in', os.environ['WORLD_SIZE'], flush=True)\n"
        "    time.sleep(0.6)\n"
        "6 * 7\n")


def test_a_cell_runs_on_ray_as_two_workers_streaming_into_the_cell(ray_head, job_kernel, tmp_path):
    _declare(tmp_path, ray_head)
    msg_id = job_kernel.send(CELL, "cell-ray")
    outputs, arrived = [], {}
    deadline = time.time() + 180
    while time.time() < deadline:
        msg = job_kernel.kc.get_iopub_msg(timeout=deadline - time.time())
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
        text = msg["content"].get("text") or str(msg["content"].get("data", {}).get("text/plain", ""))
        for rank in (0, 1):
            if "tick 0 of rank %d" % rank in text:
                arrived.setdefault(rank, time.time())
    ended = time.time()
    shown = text_of(outputs)
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert not errors, errors
    for rank in (0, 1):
        plain = re.sub("\x1b\\[[0-9;]*m", "", shown)  # the prefixes' colours
        lines = [line for line in plain.splitlines() if "of rank %d" % rank in line]
        assert lines == ["[w%d] tick %d of rank %d in 2" % (rank, i, rank) for i in range(4)], shown
        # Live: its first line was in the cell while the job still had two seconds of ticks to go.
        assert ended - arrived[rank] > 1.5, (arrived, ended)
    for noise in ("pid=", "repeated", "\x1eRL", "\x1bP", "RankWorker"):  # none of Ray's own, no frames, no records
        assert noise not in shown, shown
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    assert results == ["42"], outputs
    [run] = [r for r in job_kernel.runs() if r["kind"] == "job"]
    assert run["status"] == "finished" and run["ranks"] == [0, 1], run
    assert run["metrics"]["loss"]["count"] == 4 and run["metrics"]["loss"]["last"] == 0.25  # rank 0's series
