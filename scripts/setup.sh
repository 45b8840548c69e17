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

# Real engines for the tests, from Debian: Chromium (the browser tests, driven by playwright-core; no
# browser download), a single-node Slurm (slurm-wlm, munge), an OpenSSH server, and the headers
# code-server's native modules build against (libkrb5-dev; code-server itself comes from npm).
if [ "$test_engines" = 1 ]; then
  missing=""
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  command -v sbatch >/dev/null || missing="$missing slurm-wlm"
  command -v munged >/dev/null || [ -x /usr/sbin/munged ] || missing="$missing munge"
  [ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
  command -v ssh >/dev/null || missing="$missing openssh-client"
  [ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || missing="$missing libkrb5-dev"  # code-server's native modules
  if [ -n "$missing" ] && [ "${RUNLANE_SKIP_SYSTEM_PACKAGES:-}" != 1 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian packages for the tests:$missing"
      # Package scripts must not start services here: the tests start their own, on their own ports.
      [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "setup: missing Debian packages for the tests:$missing (install them as root)." >&2
    fi
  fi
fi

# npm packages, exactly as locked: `npm ci` when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then
    if grep -q 'can only install packages when your package.json and package-lock.json' <<<"$out"; then
      # npm 11 with a registry mirror that lacks other platforms' optional packages (rollup's) writes
      # lockfiles without them, and `npm ci` then refuses them as out of sync. `npm install` installs
      # the same locked versions and leaves the lockfile as it is.
      say "npm ci refused the lockfile (other platforms' optional packages missing); installing with npm install"
      npm install --no-audit --no-fund --loglevel=error
    else
      printf '%s\n' "$out" >&2
      echo "setup: npm ci failed (above)." >&2
      exit 1
    fi
  fi
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

say "building TypeScript (tsc -b), the CLI bundle and the VS Code extension (esbuild, vsce)"
npm run -s build

stamp=.venv/.runlane-requirements
want=$(cat requirements-dev.txt shared/kernel-helper/pyproject.toml | sha256sum | cut -d' ' -f1)
pip() { .venv/bin/python -m pip --quiet --disable-pip-version-check "$@"; }
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if [ ! -x .venv/bin/python ]; then
    say "creating the Python environment .venv"
    python3 -m venv .venv || { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
    pip install --upgrade pip
  fi
  say "installing requirements-dev.txt into .venv (JupyterLab, ipykernel, nbclient, pytest, numpy)"
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
# A real VS Code for the VS Code extension's end-to-end test (not needed by `npm start`).
[ "$test_engines" = 0 ] || bash scripts/setup-code-server.sh

if ! .venv/bin/runlane --version >/dev/null 2>&1; then
  say "the runlane command in .venv does not run; reinstalling the kernel helper"
  pip install -e shared/kernel-helper
  .venv/bin/runlane --version >/dev/null || { echo "setup: the runlane command in .venv does not work (above)." >&2; exit 1; }
fi
say "ready: runlane $(.venv/bin/runlane --version 2>/dev/null) (.venv/bin/runlane, npx runlane)"
