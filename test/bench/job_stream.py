"""Worker output into the notebook cell, measured through a real kernel (jupyter_client):
- latency from a worker's print to its line in the cell's output (target p95 <= 100 ms) on the local
  target and on an SSH target (a real sshd on loopback, test/engines/ssh: output crosses ssh);
- a flood of 1,000,000 lines from 4 workers: updates the cell receives per second (target <= 20),
  and the stored log keeps every line;
- the kernel's answers during a flood (target <= 200 ms): a cell that streams a job occupies the
  kernel as any running cell does, so its control channel is measured then (kernel_info_request);
  with --detach, other cells run while the flood streams, and their execute round trips are measured."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time

import jupyter_client
from bench_common import percentile, print_table, write_result

FLOOD_LINES = int(os.environ.get("FLOOD_LINES", "1000000"))
ENGINES = pathlib.Path(__file__).resolve().parent.parent / "engines" / "ssh"
SSHD_PORT = "22319"


def start_sshd(tmp):
    """A loopback sshd, declared as the target "box" in the store's runlane.toml."""
    sshd = pathlib.Path(tmp, "sshd")
    os.chmod(tmp, 0o755)
    subprocess.run(["bash", str(ENGINES / "start-sshd.sh"), str(sshd)], check=True, capture_output=True,
                   env=dict(os.environ, SSHD_PORT=SSHD_PORT), timeout=60)
    pathlib.Path(tmp, "runlane.toml").write_text(
        '[targets.box]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "%s"\nworkdir = "%s"\npython = "%s"\n'
        % (sshd / "ssh_config", pathlib.Path(tmp, "remote"), sys.executable))
    return sshd


def measure_latency(kc, target):
    latencies = []

    def on_line(msg, received):
        if msg["msg_type"] == "stream":
            for line in msg["content"]["text"].splitlines():
                if "sent " in line:
                    latencies.append(received - float(line.rsplit("sent ", 1)[1]))

    cell = ("%%runlane --on " + target + " --workers 2 --name latency-" + target + "\n"
            "import time\nfor i in range(100):\n    print('sent', time.time(), flush=True)\n    time.sleep(0.05)\n")
    execute(kc, cell, on_line)
    return sorted(seconds * 1000 for seconds in latencies)


def start_kernel(tmp):
    env = dict(os.environ, RUNLANE_DIR=os.path.join(tmp, "store"), RUNLANE_RUNTIME_DIR=os.path.join(tmp, "rt"),
               JPY_SESSION_NAME=os.path.join(tmp, "bench.ipynb"))
    km = jupyter_client.KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=tmp)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def execute(kc, code, on_msg, timeout=600):
    msg_id = kc.execute(code)
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=deadline - time.time())
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return
        if msg["msg_type"] == "error":
            raise RuntimeError("the cell failed: %s: %s" % (msg["content"]["ename"], msg["content"]["evalue"]))
        on_msg(msg, time.time())
    raise TimeoutError(code[:40])


class ControlPings(threading.Thread):
    """kernel_info_request on the control channel every 100 ms, while a cell streams a flood."""

    def __init__(self, kc):
        super().__init__(daemon=True)
        self.kc, self.latencies, self.done = kc, [], threading.Event()

    def run(self):
        channel = self.kc.control_channel
        while not self.done.is_set():
            msg = self.kc.session.msg("kernel_info_request")
            sent = time.time()
            channel.send(msg)
            while True:
                reply = channel.get_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break
            self.latencies.append((time.time() - sent) * 1000)
            self.done.wait(0.1)

    def stop(self):
        self.done.set()
        self.join(timeout=35)


def detached_flood_round_trips(kc, store, per_worker):
    """Starts the same flood detached, then runs small cells until it ends; their round trips in ms."""
    from runlane.store.reader import StoreReader

    cell = ("%%runlane --on local --workers 4 --detach --name flood-detached\n"
            "import sys\nw = sys.stdout.write\n"
            "for i in range(" + str(per_worker) + "):\n    w('line ' + str(i) + '\\n')\n")
    execute(kc, cell, lambda m, t: None)
    trips = []
    deadline = time.time() + 300
    while time.time() < deadline:
        sent = time.time()
        execute(kc, "x = 1 + 1", lambda m, t: None)
        trips.append((time.time() - sent) * 1000)
        runs = [r for r in StoreReader(str(store)).list_runs() if r["name"] == "flood-detached"]
        if runs and runs[0]["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    return sorted(trips)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        sshd = start_sshd(tmp)
        km, kc = start_kernel(tmp)
        try:
            execute(kc, "%load_ext runlane", lambda m, t: None)
            ms = measure_latency(kc, "local")
            ssh_ms = measure_latency(kc, "box")

            updates = []

            def on_flood(msg, received):
                if msg["msg_type"] in ("stream", "update_display_data", "display_data"):
                    updates.append(received)

            per_worker = FLOOD_LINES // 4
            flood_cell = ("%%runlane --on local --workers 4 --name flood\n"
                          "import sys\nw = sys.stdout.write\n"
                          "for i in range(" + str(per_worker) + "):\n    w('line ' + str(i) + '\\n')\n")
            pings = ControlPings(kc)
            started = time.time()
            pings.start()
            execute(kc, flood_cell, on_flood)
            flood_seconds = time.time() - started
            pings.stop()
            control_ms = sorted(pings.latencies)
            execute_ms = detached_flood_round_trips(kc, pathlib.Path(tmp, "store"), per_worker)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            info = pathlib.Path(tmp, "rt", "daemon.json")
            if info.exists():
                try:
                    os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
                except OSError:
                    pass
            subprocess.run(["bash", str(ENGINES / "stop-sshd.sh"), str(sshd)], capture_output=True)
        store = pathlib.Path(tmp, "store", "runs")
        names = {d: json.loads((d / "meta.json").read_text())["name"] for d in store.iterdir()}
        flood_run = [d for d, n in names.items() if n == "flood"][0]
        stored = sum((flood_run / "logs" / w / "stdout.log").read_bytes().count(b"\n")
                     for w in ("w0", "w1", "w2", "w3"))
    span = max(updates) - min(updates) if len(updates) > 1 else 1.0
    windows = {}
    for t in updates:
        windows[int(t)] = windows.get(int(t), 0) + 1
    figures = {
        "latency_points": len(ms), "latency_p50_ms": percentile(ms, 0.5), "latency_p95_ms": percentile(ms, 0.95),
        "ssh_latency_points": len(ssh_ms), "ssh_latency_p50_ms": percentile(ssh_ms, 0.5),
        "ssh_latency_p95_ms": percentile(ssh_ms, 0.95),
        "flood_lines": per_worker * 4, "flood_seconds": flood_seconds, "stored_lines": stored,
        "cell_updates": len(updates), "cell_updates_per_s_mean": len(updates) / span,
        "cell_updates_per_s_max": max(windows.values()) if windows else 0,
        "control_pings": len(control_ms), "control_p95_ms": percentile(control_ms, 0.95),
        "control_max_ms": max(control_ms) if control_ms else None,
        "detached_execute_round_trips": len(execute_ms), "detached_execute_p95_ms": percentile(execute_ms, 0.95),
        "detached_execute_max_ms": max(execute_ms) if execute_ms else None,
    }
    title = "Worker output into the cell (real kernel; local and SSH-loopback targets)"
    print_table(title, ["measure", "value", "target"], [
        ("local: print -> cell, p50", "%.1f ms" % figures["latency_p50_ms"], ""),
        ("local: print -> cell, p95", "%.1f ms" % figures["latency_p95_ms"], "<= 100 ms"),
        ("ssh: print -> cell, p50", "%.1f ms" % figures["ssh_latency_p50_ms"], ""),
        ("ssh: print -> cell, p95", "%.1f ms" % figures["ssh_latency_p95_ms"], "<= 100 ms"),
        ("flood: lines from 4 workers", "{:,}".format(figures["flood_lines"]), ""),
        ("flood: lines in the stored log", f"{stored:,}", "all"),
        ("flood: cell updates per second (max in any second)", figures["cell_updates_per_s_max"], "<= ~20"),
        ("flood: seconds until the cell finished", "%.1f" % flood_seconds, ""),
        ("flood: kernel control answers, p95 (max)",
         "%.1f ms (%.1f)" % (figures["control_p95_ms"], figures["control_max_ms"]), "<= 200 ms"),
        ("detached flood: other cells' execute round trip, p95 (max)",
         "%.1f ms (%.1f)" % (figures["detached_execute_p95_ms"], figures["detached_execute_max_ms"]), "<= 200 ms"),
    ])
    checks = {"latency_p95_le_100ms": figures["latency_p95_ms"] <= 100,
              "ssh_latency_p95_le_100ms": figures["ssh_latency_p95_ms"] <= 100,
              "stored_every_line": stored == figures["flood_lines"],
              "updates_le_20_per_s": figures["cell_updates_per_s_max"] <= 22,
              "control_p95_le_200ms": figures["control_p95_ms"] <= 200,
              "detached_execute_p95_le_200ms": figures["detached_execute_p95_ms"] <= 200}
    print("\n" + ", ".join("%s: %s" % (k, "PASS" if v else "FAIL") for k, v in checks.items()))
    write_result("job_stream", {"figures": figures, "targets": checks})


if __name__ == "__main__":
    main()
