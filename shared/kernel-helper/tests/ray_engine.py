"""A real Ray head for the Python tests (the twin of test/helpers/rayHead.ts): ray[default] from
.cache/ray-venv (scripts/setup-ray.sh), its temp folder of its own, every port picked free, and
stopped by its own processes only (`ray stop` would stop every head on the machine, other people's
tests included). The fixture `ray_head` (module scope: a head takes 7-20 s to start) is registered
in conftest.py; test/suites/engines.json names it, so machines without Ray skip its tests."""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
RAY_VENV = ROOT / ".cache" / "ray-venv"
RAY_PYTHON = RAY_VENV / "bin" / "python"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_table():
    """pid -> (ppid, pgid) of every live process (zombies have ended)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            table[int(name)] = (int(fields[1]), int(fields[2]))
    return table


def _cmdline_has(pid, needle):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False


def alive(pid):
    return pid in _proc_table()


class RayHead:
    def __init__(self, folder, num_cpus=2, num_gpus=0, timeout=120):
        temp = os.path.join(str(folder), "ray")
        # Ray's unix sockets (<temp>/session_<...>/sockets/...) may not pass 107 bytes.
        self._own_temp = len(temp) > 40
        self.temp_dir = tempfile.mkdtemp(prefix="rlray-") if self._own_temp else temp
        os.makedirs(self.temp_dir, exist_ok=True)
        gcs, dashboard = free_port(), free_port()
        self.address = "http://127.0.0.1:%d" % dashboard
        self.gcs_address = "127.0.0.1:%d" % gcs
        self.python = str(RAY_PYTHON)
        ports = ["--ray-client-server-port", "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
                 "--runtime-env-agent-port", "--metrics-export-port", "--node-manager-port", "--object-manager-port"]
        args = [str(RAY_VENV / "bin" / "ray"), "start", "--head", "--block", "--temp-dir=" + self.temp_dir,
                "--node-ip-address=127.0.0.1", "--port=%d" % gcs, "--dashboard-host=127.0.0.1",
                "--dashboard-port=%d" % dashboard, "--include-dashboard=true",
                # 0: ports the OS picks (the default range is shared by every head on the machine)
                "--min-worker-port=0", "--max-worker-port=0", "--num-cpus=%d" % num_cpus,
                "--num-gpus=%d" % num_gpus, "--disable-usage-stats", "--log-color=false"]
        args += ["%s=%d" % (flag, free_port()) for flag in ports]
        self.log_file = os.path.join(str(folder), "ray-head.log")
        env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_DEDUP_LOGS="0")
        env.pop("RAY_ADDRESS", None)
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                            start_new_session=True)
        self._wait_up(timeout)

    def _answers(self, path, needle=None):
        try:
            with urllib.request.urlopen(self.address + path, timeout=2) as res:
                return res.status == 200 and (needle is None or needle in res.read().decode("utf-8", "replace"))
        except OSError:
            return False

    def _usable(self):
        """The Jobs API answers and the node is registered with its resources (the dashboard lists it
        7-15 s after the Jobs API first answers on a busy machine)."""
        return (self._answers("/api/version") and self._answers("/api/jobs/")
                and self._answers("/api/v0/nodes?limit=100", '"ALIVE"')
                and self._answers("/api/cluster_status", '"CPU"'))

    def _wait_up(self, timeout):
        deadline = time.time() + timeout
        while True:
            with open(self.log_file, encoding="utf-8", errors="replace") as f:
                started = "Ray runtime started" in f.read()
            if started and self._usable():
                return
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                with open(self.log_file, encoding="utf-8", errors="replace") as f:
                    tail = "".join(f.readlines()[-30:])
                raise RuntimeError("the Ray head did not come up; its log %s ends:\n%s" % (self.log_file, tail))
            time.sleep(0.2)

    def pids(self):
        """Every process of this head: the group of `ray start`, all their descendants (job drivers
        and their workers start sessions of their own), and any naming the head's temp folder."""
        table = _proc_table()
        leader = self.process.pid
        found = {pid for pid, (_, pgid) in table.items() if pgid == leader or pid == leader}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _) in table.items():
                if pid not in found and ppid in found:
                    found.add(pid)
                    grew = True
        found.update(pid for pid in table if pid not in found and _cmdline_has(pid, self.temp_dir))
        return sorted(found)

    def stop(self):
        if self.process is None:
            return
        pids = self.pids()
        try:
            self.process.send_signal(signal.SIGTERM)  # `ray start --block` shuts its processes down in order
        except OSError:
            pass
        deadline = time.time() + 15
        while time.time() < deadline and any(alive(p) for p in set(pids) | set(self.pids())):
            time.sleep(0.1)
        for pid in set(pids) | set(self.pids()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        self.process.wait(timeout=10)
        self.process = None
        if self._own_temp:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory):
    """A real Ray head with 4 CPUs and 2 logical GPUs, one for the session: a head takes 10-40 s to
    come up, and no test restarts or stops it (each job a test submits ends or is stopped by it)."""
    if not RAY_PYTHON.exists():
        pytest.skip("Ray is not installed in %s: run scripts/setup-ray.sh" % RAY_VENV)
    head = RayHead(tmp_path_factory.mktemp("ray-head"), num_cpus=4, num_gpus=2)
    try:
        yield head
    finally:
        head.stop()


# Submitting a job by hand through the Jobs REST API, as the daemon's launcher does: the runlane
# helper and the job's files zipped into a package, uploaded, then the driver as the entrypoint.
HELPER = ROOT / "shared" / "kernel-helper" / "src" / "runlane"


def _request(method, url, body=None, content_type="application/json"):
    import json

    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=30) as res:
        text = res.read().decode()
    return json.loads(text) if text.strip().startswith(("{", "[")) else text


def package(files):
    """A zip (bytes) of the runlane helper and `files` ({relpath: bytes or str})."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(HELPER.rglob("*.py")):
            if "__pycache__" not in path.parts:
                z.write(path, "runlane/" + path.relative_to(HELPER).as_posix())
        for rel, content in files.items():
            z.writestr(rel, content)
    return buf.getvalue()


def submit(head, spec, files=None, submission_id=None):
    """Submits `spec` (spec.json) with `files` as a Ray job of the driver; returns its submission id."""
    import hashlib
    import json
    import uuid

    zipped = package(dict(files or {}, **{"spec.json": json.dumps(spec)}))
    name = "_ray_pkg_%s.zip" % hashlib.sha1(zipped).hexdigest()[:16]
    _request("PUT", "%s/api/packages/gcs/%s" % (head.address, name), zipped, "application/zip")
    submission_id = submission_id or "runlane-test-%s" % uuid.uuid4().hex[:8]
    _request("POST", head.address + "/api/jobs/", {
        "entrypoint": "%s -m runlane.ray_driver spec.json" % head.python,
        "submission_id": submission_id,
        "runtime_env": {"working_dir": "gcs://" + name,
                        "env_vars": {"RAY_DEDUP_LOGS": "0", "RAY_COLOR_PREFIX": "0", "PYTHONUNBUFFERED": "1"}},
    })
    return submission_id


def job_info(head, job):
    return _request("GET", "%s/api/jobs/%s" % (head.address, job))


def job_logs(head, job):
    return _request("GET", "%s/api/jobs/%s/logs" % (head.address, job))["logs"]


def stop_job(head, job):
    return _request("POST", "%s/api/jobs/%s/stop" % (head.address, job))


def wait_job(head, job, timeout=90):
    """The job's info once it has ended (SUCCEEDED, FAILED, STOPPED)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = job_info(head, job)
        if info["status"] in ("SUCCEEDED", "FAILED", "STOPPED"):
            return info
        time.sleep(0.2)
    raise AssertionError("job %s did not end in %d s; its log:\n%s" % (job, timeout, job_logs(head, job)))


def frames(log):
    """[(rank, kind, rest)] of the driver's framed lines in a job log (Ray's own lines left out)."""
    out = []
    for line in log.split("\n"):
        if line.startswith("\x1eRL "):
            rank, kind, rest = (line[4:].split(" ", 2) + [""])[:3]
            out.append((rank, kind, rest))
    return out
