"""System metrics (system.py): the process tree's CPU and memory and the run's GPUs, read from a fake
`nvidia-smi` placed on PATH (it prints fixed figures for four GPUs, as the real one prints every GPU
of the host), into `system/*` metrics of real runs of real scripts."""
import os
import subprocess
import sys
import time
import types

import pytest
from conftest import FIXTURES

from runlane import system, system_gpu, system_procs
from runlane.store.reader import StoreReader

# index, uuid, utilization.gpu, memory.used, power.draw: GPU n is busy 10*(n+1) %, uses 1000*(n+1) MiB.
FAKE_CSV = "\n".join("%d, GPU-%d000aaaa-0000-0000-0000-000000000000, %d, %d, %s" % (
    n, n, 10 * (n + 1), 1000 * (n + 1), "[N/A]" if n == 3 else "%.2f" % (100.5 + n)) for n in range(4))


@pytest.fixture
def fake_smi(tmp_path, monkeypatch):
    """A fake nvidia-smi on PATH that checks it is asked for the query the sampler needs, and a log of
    its calls (one line per call)."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    calls = tmp_path / "smi-calls.log"
    script = folder / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'echo "$*" >> %s\n'
        'case "$*" in *"--query-gpu=%s --format=csv,noheader,nounits"*) ;; *) exit 9;; esac\n'
        "cat <<'EOF'\n%s\nEOF\n" % (calls, system_gpu.QUERY, FAKE_CSV))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (folder, os.pathsep, os.environ["PATH"]))
    return calls


def gpu_values(environ):
    return dict(system.take_sample(None, system_gpu.GpuQuery(environ)))


def test_real_nvidia_smi_samples_of_an_idle_and_a_busy_h200():
    """What nvidia-smi printed for the sampler's query on an H200, idle and during a matmul loop."""
    fixtures = FIXTURES / "nvidia-smi"
    uuid = "GPU-fdc2d98b-de71-88e4-997b-126180aa8544"
    assert system_gpu.parse_query((fixtures / "h200-sample-idle.csv").read_text()) == [
        {"index": 0, "uuid": uuid, "util": 0.0, "memory_mb": 0.0, "power_w": 77.37}]
    assert system_gpu.parse_query((fixtures / "h200-sample-busy.csv").read_text()) == [
        {"index": 0, "uuid": uuid, "util": 100.0, "memory_mb": 1487.0, "power_w": 655.54}]


def test_only_the_gpus_the_process_was_given_numbered_as_cuda_numbers_them(fake_smi):
    # CUDA_VISIBLE_DEVICES="2,0": cuda:0 is GPU 2, cuda:1 is GPU 0.
    values = gpu_values({"CUDA_VISIBLE_DEVICES": "2,0"})
    assert values == {"system/gpu0/util": 30.0, "system/gpu0/memory_mb": 3000.0, "system/gpu0/power_w": 102.5,
                      "system/gpu1/util": 10.0, "system/gpu1/memory_mb": 1000.0, "system/gpu1/power_w": 100.5}
    # By UUID (or its prefix, as CUDA accepts); GPU 3 reports no power ([N/A]): that figure is left out.
    assert gpu_values({"CUDA_VISIBLE_DEVICES": "GPU-3000aaaa"}) == {
        "system/gpu0/util": 40.0, "system/gpu0/memory_mb": 4000.0}
    assert sorted(k for k in gpu_values({}) if k.endswith("/util")) == [
        "system/gpu%d/util" % n for n in range(4)]  # unset: every GPU, by its index
    calls = len(fake_smi.read_text().splitlines())
    assert gpu_values({"CUDA_VISIBLE_DEVICES": ""}) == {} and gpu_values({"CUDA_VISIBLE_DEVICES": "-1"}) == {}
    assert len(fake_smi.read_text().splitlines()) == calls  # no GPU given: nvidia-smi is not even asked


def test_a_failing_nvidia_smi_is_given_up_after_three_tries(fake_smi, tmp_path, monkeypatch):
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "nvidia-smi").write_text("#!/bin/sh\necho x >> %s\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n" % fake_smi)
    (broken / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (broken, os.pathsep, os.environ["PATH"]))
    query = system_gpu.GpuQuery({})
    assert [query.sample() for _ in range(5)] == [[]] * 5
    assert len(fake_smi.read_text().splitlines()) == system_gpu.GIVE_UP_AFTER


def test_nvml_through_pynvml_when_nvidia_smi_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    handles = [types.SimpleNamespace(util=55, used=3 << 20, mw=71500)]
    fake = types.SimpleNamespace(
        nvmlInit=lambda: None, nvmlDeviceGetCount=lambda: 1, nvmlDeviceGetHandleByIndex=lambda i: handles[i],
        nvmlDeviceGetUUID=lambda h: b"GPU-abc",
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=h.util),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=h.used), nvmlDeviceGetPowerUsage=lambda h: h.mw)
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    assert gpu_values({"CUDA_VISIBLE_DEVICES": "0"}) == {
        "system/gpu0/util": 55.0, "system/gpu0/memory_mb": 3.0, "system/gpu0/power_w": 71.5}


BUSY_CHILD = "import time\nblock = bytearray(200 << 20)\nend = time.time() + 30\nwhile time.time() < end:\n    pass\n"


@pytest.mark.parametrize("kind", ["proc children files", "proc scan", "psutil"])
def test_the_process_tree_counts_a_busy_child_cpu_and_memory(kind):
    if kind == "psutil":
        psutil = pytest.importorskip("psutil")
        tree = system_procs.PsutilTreeSampler(os.getpid(), psutil)
    else:
        if not os.path.isdir("/proc/self/task"):
            pytest.skip("no /proc on this system")
        tree = system_procs.ProcTreeSampler(os.getpid())
        tree.children_files = tree.children_files and kind == "proc children files"
    before = tree.sample()
    assert "cpu_percent" not in before  # no interval yet
    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD])
    try:
        time.sleep(1.0)
        values = tree.sample()
        # The child burns a core (on a loaded 2-core machine, less: 10% is still far above an idle
        # tree) and holds 200 MiB.
        assert values["cpu_percent"] > 10
        assert values["memory_mb"] - before["memory_mb"] > 150
    finally:
        child.kill()
        child.wait()


TRAIN = '''import os
import time
import runlane as rl

STEPS = int(os.environ["STEPS"])
with rl.run(name="sys") as r:
    for step in range(STEPS):
        rl.log(loss=1.0 / (step + 1))
        end = time.time() + 0.1
        while time.time() < end:
            pass
print(r.id)
'''


def run_script(tmp_path, steps, **env):
    """A script logging `steps` points, 0.1 s of busy work apart, with samples every second."""
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    full = dict(os.environ, RUNLANE_DIR=str(tmp_path / "store"), RUNLANE_SYSTEM_INTERVAL="1", STEPS=str(steps), **env)
    full.pop("RUNLANE_RUN_ID", None)
    done = subprocess.run([sys.executable, str(script)], env=full, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    return StoreReader(str(tmp_path / "store")), run_id


def test_a_script_run_records_system_metrics_beside_its_own_steps(tmp_path, fake_smi):
    reader, run_id = run_script(tmp_path, 30, RUNLANE_SYSTEM_METRICS="1", CUDA_VISIBLE_DEVICES="1")
    metrics = reader.get_run(run_id)["metrics"]
    assert {"system/cpu_percent", "system/memory_mb", "system/gpu0/util", "system/gpu0/memory_mb",
            "system/gpu0/power_w"} <= set(metrics)
    assert not [k for k in metrics if k.startswith("system/gpu1")]  # only the GPU it was given
    assert metrics["system/gpu0/util"]["max"] == 20.0 and metrics["system/gpu0/memory_mb"]["max"] == 2000.0
    assert metrics["system/cpu_percent"]["max"] > 1 and metrics["system/memory_mb"]["min"] > 5
    points = reader.read_points(run_id, "system/memory_mb")
    steps = [s for s, _, _ in points]
    # Steps are whole seconds since the run began, one sample a second; the user's steps are untouched.
    assert len(points) >= 2 and steps == sorted(set(steps)) and steps[0] >= 1
    assert [s for s, _, _ in reader.read_points(run_id, "loss")] == list(range(30))


def test_system_metrics_off_with_the_environment_variable(tmp_path, fake_smi):
    reader, run_id = run_script(tmp_path, 15, RUNLANE_SYSTEM_METRICS="0")  # 1.5 s: a sample would be due
    assert sorted(reader.get_run(run_id)["metrics"]) == ["loss"]
    # (env.json's capture asks nvidia-smi for the GPUs' names once; the sampler never asked.)
    assert "utilization.gpu" not in (fake_smi.read_text() if fake_smi.exists() else "")


def test_settings_read_from_the_environment(capsys):
    assert system.enabled({}) and not system.enabled({"RUNLANE_SYSTEM_METRICS": "off"})
    assert system.interval({}) == 5.0 and system.interval({"RUNLANE_SYSTEM_INTERVAL": "0.1"}) == 1.0
    assert system.interval({"RUNLANE_SYSTEM_INTERVAL": "2.5"}) == 2.5
    assert system.interval({"RUNLANE_SYSTEM_INTERVAL": "1e400"}) == 3600.0  # never an endless sleep
    assert capsys.readouterr().err == ""
    # A bad value: the default, and one sentence saying what to set, once.
    assert system.interval({"RUNLANE_SYSTEM_INTERVAL": "fast"}) == 5.0
    assert system.interval({"RUNLANE_SYSTEM_INTERVAL": "fast"}) == 5.0
    assert system.enabled({"RUNLANE_SYSTEM_METRICS": "maybe"})
    assert capsys.readouterr().err.splitlines() == [
        "runlane: RUNLANE_SYSTEM_INTERVAL=fast is not a number of seconds; sampling every 5 s. Set it to 2 for "
        "every 2 s.",
        "runlane: RUNLANE_SYSTEM_METRICS=maybe is neither on (1) nor off (0); system metrics are sampled. Set it "
        "to 0 to turn them off."]


def test_a_worker_without_the_store_sends_its_samples_in_band(tmp_path, fake_smi):
    """SSH, Slurm and Ray workers whose hosts do not share the store (RUNLANE_METRICS=stdout): the
    samples travel as in-band records on stdout, which the daemon's demux files under the rank."""
    from runlane.inband import Demux

    cell = tmp_path / "input"
    cell.mkdir()
    (cell / "cell.py").write_text("import time\nend = time.time() + 2.5\nwhile time.time() < end:\n    pass\n")
    env = dict(os.environ, RUNLANE_DIR=str(tmp_path / "host-store"), RUNLANE_RUN_ID="20261130-000000-abcdef",
               RANK="1", RUNLANE_METRICS="stdout", RUNLANE_SYSTEM_METRICS="1", RUNLANE_SYSTEM_INTERVAL="1",
               CUDA_VISIBLE_DEVICES="1")
    done = subprocess.run([sys.executable, "-m", "runlane.worker", str(cell)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    demux = Demux()
    shown, records = demux.push(done.stdout)
    by_key = {}
    for record in records:
        by_key.setdefault(record["k"], []).extend(v for _, _, v in record["p"])
    assert shown + demux.end() == ""  # the records never reach the worker's visible output
    assert set(by_key["system/gpu0/util"]) == {20.0} and set(by_key["system/gpu0/memory_mb"]) == {2000.0}
    assert by_key["system/memory_mb"] and by_key["system/cpu_percent"]


def test_a_notebooks_setting_reaches_its_job_cells_workers(job_kernel):
    """The daemon (and so its local workers' environment) starts with sampling off (the tests'
    default); the notebook then turns it on with %env, and its next job cell's worker samples."""
    job_kernel.run("%%runlane --on local --name first\npass\n", "cell-first")  # the daemon starts now
    job_kernel.run("%env RUNLANE_SYSTEM_METRICS=1\n%env RUNLANE_SYSTEM_INTERVAL=1\n", "cell-env")
    job_kernel.run("%%runlane --on local --name sampled\nimport time\nend = time.time() + 2.5\n"
                   "while time.time() < end:\n    pass\n", "cell-job")
    [run] = [r for r in job_kernel.runs() if r["name"] == "sampled"]
    assert run["status"] == "finished" and "system/memory_mb" in run["metrics"], run


def test_a_job_cells_headline_metric_is_never_a_system_sample(tmp_path):
    from runlane.notebook.detached import main_metric
    from runlane.store.writer import StoreWriter

    writer = StoreWriter(str(tmp_path / "store"))
    run_id = writer.create_run("job", "Default", "job")
    writer.append_metric(run_id, "system/cpu_percent", [(1, 1.0, 150.0)])
    run_dir = str(tmp_path / "store" / "runs" / run_id)
    assert main_metric(run_dir) is None  # only the machine's samples: no headline metric
    writer.append_metric(run_id, "throughput", [(0, 1.0, 900.0)])
    assert main_metric(run_dir) == ("throughput", 0, 900.0)
