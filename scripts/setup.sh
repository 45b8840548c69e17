#!/usr/bin/env bash
# Installs everything Runlane needs on a fresh machine (Node.js 20+, npm and python3 3.9+ present):
# npm packages, the TypeScript build and CLI bundle, and the Python venv `.venv` with JupyterLab,
# ipykernel and the kernel helper. Idempotent, and quick (about a second) when everything is in place.
# Usage: scripts/setup.sh [--no-test-engines] [--engines-later]
#   --no-test-engines  skip the engines only the tests use: the Debian packages (Chromium, Slurm,
#                      OpenSSH) and those in .cache/ (scripts/setup-cache-engines.sh); `npm start`
#                      passes it, `npm test` and `npm run bench` do not.
#   --engines-later    install the Debian ones but leave those in .cache/ to the caller: `npm test`
#                      runs scripts/setup-cache-engines.sh beside its first tests.
set -euo pipefail
cd "$(dirname "$0")/.."

test_engines=1
cache_engines=1
for arg in "$@"; do
  case "$arg" in
    --no-test-engines) test_engines=0 ;;
    --engines-later) cache_engines=0 ;;
    *) echo "setup: unknown option $arg (known: --no-test-engines, --engines-later)." >&2; exit 2 ;;
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

# The test engines that install into .cache/ (scripts/setup-cache-engines.sh: side by side, mostly
# download and unpack), while the build and .venv go on; their output is printed when they end.
# --engines-later leaves them to the caller (npm test runs them beside its first tests).
engines_pid=
if [ "$test_engines" = 1 ] && [ "$cache_engines" = 1 ]; then
  engines_log=$(mktemp)
  bash scripts/setup-cache-engines.sh >"$engines_log" 2>&1 &
  engines_pid=$!
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
if [ -n "$engines_pid" ]; then
  engines_status=0
  wait "$engines_pid" || engines_status=$?
  cat "$engines_log"
  rm -f "$engines_log"
  [ "$engines_status" = 0 ] || exit 1
fi

if ! .venv/bin/runlane --version >/dev/null 2>&1; then
  say "the runlane command in .venv does not run; reinstalling the kernel helper"
  pip install -e shared/kernel-helper
  .venv/bin/runlane --version >/dev/null || { echo "setup: the runlane command in .venv does not work (above)." >&2; exit 1; }
fi
say "ready: runlane $(.venv/bin/runlane --version 2>/dev/null) (.venv/bin/runlane, npx runlane)"
