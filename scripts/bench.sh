#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing its table beside the anchors measured in the same
# run and writing JSON to test/bench/results/. The anchors (MLflow, tensorboardX, W&B) go into their
# own venv, .venv-bench, so the dev environment stays small.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The SHA-256 of stdin, as sha256sum prints it (GNU only: macOS has none).
sha256() { python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'; }
stamp=.venv-bench/.runlane-requirements
want=$(cat requirements-bench.txt shared/kernel-helper/pyproject.toml | sha256)
if [ ! -x .venv-bench/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[bench] creating .venv-bench with the anchors (MLflow, tensorboardX, W&B)"
  [ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
  .venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
  .venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -e shared/kernel-helper
  echo "$want" > "$stamp"
fi
[ -f .venv-bench/package.json ] || echo '{ "type": "commonjs" }' > .venv-bench/package.json  # as in setup.sh

# Each benchmark runs even when one before it died; the run fails at the end, saying which and why.
source scripts/bench-run.sh
bench_run "log call cost" test/bench --quiet ../../.venv-bench/bin/python log_call.py
bench_run "reading a 10-million-point run" . node --expose-gc test/bench/read_series.mjs
bench_run "TensorBoard event files: parsing beside EventAccumulator" . node test/bench/tfevents_parse.mjs
bench_run "TensorBoard event files beside TensorBoard's Rust data server" . node test/bench/tfevents_dataserver.mjs
bench_run "TensorBoard event files of images and histograms: parsing beside EventAccumulator" . node test/bench/tfevents_media.mjs
bench_run "polling a log directory of 1,000 TensorBoard runs and 10 DVCLive folders: one shared walk beside two" . node test/bench/logdir_poll.mjs
bench_run "rendering 10 runs x 1M points in Chromium" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/renderCharts.run.ts
bench_run "media cards in Chromium: 1,000 images, the step slider, 10 x 1,000 histograms" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/mediaCards.run.ts
bench_run "grouping 1,000 runs into 10 bands beside 1,000 plain lines, in Chromium" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/groups.run.ts
bench_run "the JupyterLab Runs sidebar with 10,000 runs (warm, and from a cold daemon)" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/sidebar.run.ts
bench_run "the JupyterLab Runs sidebar from a cold daemon, 100,000 runs" . env SIDEBAR_COLD_RUNS=100000 npx vitest run --config test/bench/vitest.bench.config.ts test/bench/sidebar.run.ts -t cold
bench_run "the runs table: 10,000 runs x 200 columns (open, scroll) beside a plain <table>" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/runsTable.run.ts
bench_run "the VS Code extension's activation" . node test/bench/vscode_activation.mjs
bench_run "cold open of 10,000 runs (daemon, runlane ls, memory) beside MLflow" . node test/bench/cold_open.mjs
bench_run "cold open of 100,000 runs (daemon, runlane ls, memory) beside MLflow" . node test/bench/cold_open.mjs --runs 100000
bench_run "watching 10,000 runs: inotify watches beside a recursive watcher, the idle daemon's CPU" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/watches.run.ts
bench_run "reading an MLflow server: 10,000 runs listed, 100 x 10,000 points charted, live lag" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/mlflowRead.run.ts
bench_run "push throughput into MLflow on PostgreSQL beside log_batch and log_metric" . npx vitest run --config test/bench/vitest.bench.config.ts test/bench/mlflowPush.run.ts
bench_run "live latency" test/bench ../../.venv/bin/python live_latency.py
bench_run "worker output into the notebook cell (latency, flood)" test/bench --quiet ../../.venv/bin/python job_stream.py
bench_run "worker output into the cell on a Ray target (latency beside ray job logs --follow, flood)" test/bench --quiet ../../.venv/bin/python ray_stream.py
bench_run "system metrics: the sampler's cost to a training loop" test/bench ../../.venv/bin/python system_metrics.py
bench_run "sweeps: overhead per trial and 200 trials 4 at once, beside Optuna's study.optimize" test/bench ../../.venv/bin/python sweep_overhead.py
bench_run "sweeps on an SSH host: 4 trials started at once, one shared connection beside a connection per ssh" test/bench ../../.venv/bin/python sweep_ssh_starts.py
bench_summary
