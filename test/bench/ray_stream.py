"""Worker output into the notebook cell on a Ray target, measured through a real kernel and a real Ray
head (.cache/ray-venv, scripts/setup-ray.sh), beside Ray's own follower on the same job:
- latency from a worker's print to its line in the cell (target p95 <= 1.5 s), and to the same line
  in `ray job logs --follow` started on the same job in the same run (Runlane must not be slower);
- a flood of 200,000 lines from 2 workers: every line in the stored log, the cell at most ~20
  updates a second, and the kernel answering on its control channel meanwhile (p95 <= 200 ms)."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from bench_common import percentile, print_table, write_result
from job_stream import ControlPings, execute, start_kernel

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "shared" / "kernel-helper" / "tests"))
from ray_engine import RAY_VENV, RayHead  # noqa: E402 (the tests' Ray head helper)

FLOOD_LINES = int(os.environ.get("RAY_FLOOD_LINES", "200000"))
LATENCY_LINES = 100  # per worker, 50 ms apart


class RayFollower(threading.Thread):
    """Ray's own follower (`ray job logs --follow`) on the first runlane job the head gets: the time
    each "sent <t>" line reaches it."""

    def __init__(self, head):
        super().__init__(daemon=True)
        self.head, self.latencies, self.process, self.attached = head, [], None, None

    def run(self):
        job = None
        while job is None:
            with urllib.request.urlopen(self.head.address + "/api/jobs/", timeout=10) as res:
                jobs = [j for j in json.load(res) if (j.get("submission_id") or "").startswith("runlane-")]
            job = jobs[0]["submission_id"] if jobs else None
            time.sleep(0.05)
        self.process = subprocess.Popen([str(RAY_VENV / "bin" / "ray"), "job", "logs", "--follow", "--address",
                                         self.head.address, job], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.attached = time.time()
        for raw in self.process.stdout:
            received = time.time()
            line = raw.decode("utf-8", "replace")
            if "sent " in line:
                self.latencies.append((received - float(line.rsplit("sent ", 1)[1])) * 1000)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def measure_latency(kc, head):
    follower = RayFollower(head)
    follower.start()
    cell_ms = []

    def on_line(msg, received):
        if msg["msg_type"] == "stream":
            for line in msg["content"]["text"].splitlines():
                if "sent " in line:
                    cell_ms.append((received - float(line.rsplit("sent ", 1)[1])) * 1000)

    # The first seconds let both followers attach before the measured lines are printed.
    cell = ("%%runlane --on ray --workers 2 --name latency-ray\n"
            "import time\ntime.sleep(6)\nfor i in range(" + str(LATENCY_LINES) + "):\n"
            "    print('sent', time.time(), flush=True)\n    time.sleep(0.05)\n")
    execute(kc, cell, on_line)
    deadline = time.time() + 10
    while len(follower.latencies) < len(cell_ms) and time.time() < deadline:
        time.sleep(0.1)  # Ray's follower may still be catching up
    follower.stop()
    return sorted(cell_ms), sorted(follower.latencies)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        head = RayHead(tmp, num_cpus=4)
        pathlib.Path(tmp, "runlane.toml").write_text('[targets.ray]\nkind = "ray"\naddress = "%s"\npython = "%s"\n'
                                                     % (head.address, head.python))
        km, kc = start_kernel(tmp)
        try:
            execute(kc, "%load_ext runlane", lambda m, t: None)
            cell_ms, ray_ms = measure_latency(kc, head)
            updates = []

            def on_flood(msg, received):
                if msg["msg_type"] in ("stream", "update_display_data", "display_data"):
                    updates.append(received)

            per_worker = FLOOD_LINES // 2
            flood_cell = ("%%runlane --on ray --workers 2 --name flood-ray\n"
                          "import sys\nw = sys.stdout.write\n"
                          "for i in range(" + str(per_worker) + "):\n    w('line ' + str(i) + '\\n')\n")
            pings = ControlPings(kc)
            started = time.time()
            pings.start()
            execute(kc, flood_cell, on_flood)
            flood_seconds = time.time() - started
            pings.stop()
            control_ms = sorted(pings.latencies)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            info = pathlib.Path(tmp, "rt", "daemon.json")
            if info.exists():
                try:
                    os.kill(json.loads(info.read_text())["pid"], 15)
                except OSError:
                    pass
            head.stop()
        store = pathlib.Path(tmp, "store", "runs")
        names = {d: json.loads((d / "meta.json").read_text())["name"] for d in store.iterdir() if d.is_dir()}
        flood_run = [d for d, n in names.items() if n == "flood-ray"][0]
        stored = sum((flood_run / "logs" / w / "stdout.log").read_bytes().count(b"\n") for w in ("w0", "w1"))
    windows = {}
    for t in updates:
        windows[int(t)] = windows.get(int(t), 0) + 1
    figures = {
        "latency_points": len(cell_ms), "latency_p50_ms": percentile(cell_ms, 0.5),
        "latency_p95_ms": percentile(cell_ms, 0.95),
        "ray_follower_points": len(ray_ms), "ray_follower_p50_ms": percentile(ray_ms, 0.5) if ray_ms else None,
        "ray_follower_p95_ms": percentile(ray_ms, 0.95) if ray_ms else None,
        "flood_lines": per_worker * 2, "flood_seconds": flood_seconds, "stored_lines": stored,
        "cell_updates": len(updates), "cell_updates_per_s_max": max(windows.values()) if windows else 0,
        "control_pings": len(control_ms), "control_p95_ms": percentile(control_ms, 0.95),
        "control_max_ms": max(control_ms) if control_ms else None,
    }
    ms = lambda v: "n/a" if v is None else "%.0f ms" % v  # noqa: E731
    print_table("Worker output into the cell on a Ray target (real kernel, real Ray head, same jobs)",
                ["measure", "Runlane", "ray job logs --follow", "target"], [
        ("print -> line, p50", ms(figures["latency_p50_ms"]), ms(figures["ray_follower_p50_ms"]), ""),
        ("print -> line, p95", ms(figures["latency_p95_ms"]), ms(figures["ray_follower_p95_ms"]),
         "<= 1.5 s, not worse than Ray"),
        ("flood: lines from 2 workers", "{:,}".format(figures["flood_lines"]), "", ""),
        ("flood: lines in the stored log", f"{stored:,}", "", "all"),
        ("flood: cell updates per second (max in any second)", figures["cell_updates_per_s_max"], "", "<= ~20"),
        ("flood: seconds until the cell finished", "%.1f" % flood_seconds, "", ""),
        ("flood: kernel control answers, p95 (max)",
         "%.1f ms (%.1f)" % (figures["control_p95_ms"], figures["control_max_ms"]), "", "<= 200 ms"),
    ])
    ray_p95 = figures["ray_follower_p95_ms"]
    checks = {"latency_p95_le_1500ms": figures["latency_p95_ms"] <= 1500,
              "latency_p95_not_worse_than_ray": ray_p95 is not None and figures["latency_p95_ms"] <= ray_p95 * 1.05,
              "stored_every_line": stored == figures["flood_lines"],
              "updates_le_20_per_s": figures["cell_updates_per_s_max"] <= 22,
              "control_p95_le_200ms": figures["control_p95_ms"] <= 200}
    print("\n" + ", ".join("%s: %s" % (k, "PASS" if v else "FAIL") for k, v in checks.items()))
    write_result("ray_stream", {"figures": figures, "targets": checks})


if __name__ == "__main__":
    main()
