"""Per-call cost of logging one scalar: runlane's rl.log() beside what a user would pick instead,
all measured in this one run: MLflow (synchronous and asynchronous, local sqlite store),
tensorboardX's SummaryWriter.add_scalar, and wandb.log in offline mode.
Targets (issue 2): median <= 2 us per call, and >= 10x cheaper than the cheapest anchor."""
import os
import sys
import tempfile
import time
import traceback

from bench_common import print_table, summarize, write_result

BATCH = 1000


def measure(log_one, batches, batch=BATCH):
    """Mean per-call time of each batch of `batch` calls; the median over batches is reported."""
    per_call = []
    for b in range(batches):
        start = time.perf_counter_ns()
        for i in range(batch):
            log_one(b * batch + i)
        per_call.append((time.perf_counter_ns() - start) / batch)
    return per_call


def bench_runlane(tmp):
    os.environ["RUNLANE_DIR"] = os.path.join(tmp, "runlane")
    import runlane as rl

    with rl.run(name="bench", experiment="bench"):
        log = rl.log
        measure(lambda i: log(loss=0.5), 20)  # warm-up
        return measure(lambda i: log(loss=i * 1e-6), 300)


def bench_mlflow_sync(tmp):
    import mlflow

    mlflow.set_tracking_uri("sqlite:///%s" % os.path.join(tmp, "mlflow.db"))
    with mlflow.start_run():
        mlflow.log_metric("loss", 0.5, step=0)
        return measure(lambda i: mlflow.log_metric("loss", i * 1e-6, step=i), 10, batch=20)


def bench_mlflow_async(tmp):
    import mlflow

    mlflow.set_tracking_uri("sqlite:///%s" % os.path.join(tmp, "mlflow-async.db"))
    with mlflow.start_run():
        mlflow.log_metric("loss", 0.5, step=0, synchronous=False)
        result = measure(lambda i: mlflow.log_metric("loss", i * 1e-6, step=i, synchronous=False), 10, batch=100)
        mlflow.flush_async_logging()
        return result


def bench_tensorboardx(tmp):
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(os.path.join(tmp, "tbx"))
    writer.add_scalar("loss", 0.5, 0)
    result = measure(lambda i: writer.add_scalar("loss", i * 1e-6, i), 30, batch=1000)
    writer.close()
    return result


def bench_wandb(tmp):
    # Offline, and should it try the network anyway, its only host is a closed port on loopback.
    os.environ.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=tmp, WANDB_DISABLE_GIT="true",
                      WANDB_BASE_URL="http://127.0.0.1:9", WANDB_DISABLE_CODE="true")
    import wandb

    run = wandb.init(project="runlane-bench", mode="offline", dir=tmp)
    run.log({"loss": 0.5})
    result = measure(lambda i: run.log({"loss": i * 1e-6}), 10, batch=200)
    run.finish()
    return result


ANCHORS = [
    ("mlflow.log_metric (sync, sqlite)", bench_mlflow_sync),
    ("mlflow.log_metric (async, sqlite)", bench_mlflow_async),
    ("tensorboardX add_scalar", bench_tensorboardx),
    ("wandb.log (offline)", bench_wandb),
]


def main():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["runlane rl.log"] = summarize(bench_runlane(tmp))
        for name, fn in ANCHORS:
            try:
                results[name] = summarize(fn(tmp))
            except Exception as err:  # an anchor that cannot run here is reported, never faked
                traceback.print_exc(file=sys.stderr)
                results[name] = {"error": "%s: %s" % (type(err).__name__, err)}
    ours = results["runlane rl.log"]["median_ns"]
    rows = []
    for name, r in results.items():
        if "error" in r:
            rows.append((name, "-", "-", "could not run: %s" % r["error"][:60]))
        else:
            rows.append((name, "%.2f" % (r["median_ns"] / 1000), "%.2f" % (r["p90_ns"] / 1000),
                         "1x" if name.startswith("runlane") else "%.0fx slower" % (r["median_ns"] / ours)))
    print_table("Per-call cost of logging one scalar (median and p90 per call, µs)",
                ["logger", "median µs", "p90 µs", "vs runlane"], rows)
    measured = [r["median_ns"] for n, r in results.items() if not n.startswith("runlane") and "error" not in r]
    cheapest = min(measured) if measured else None
    checks = {
        "median_le_2us": ours <= 2000,
        "ge_10x_cheaper_than_cheapest_anchor": cheapest is not None and cheapest / ours >= 10,
    }
    print("\ntarget median <= 2 µs: %s (%.2f µs)" % ("PASS" if checks["median_le_2us"] else "FAIL", ours / 1000))
    if cheapest is not None:
        print("target >= 10x cheaper than the cheapest anchor: %s (%.0fx)" % (
            "PASS" if checks["ge_10x_cheaper_than_cheapest_anchor"] else "FAIL", cheapest / ours))
    write_result("log_call", {"results": results, "targets": checks})


if __name__ == "__main__":
    main()
