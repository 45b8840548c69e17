#!/usr/bin/env bash
# Installs everything Runlane needs on a fresh machine (Node 20+, npm and python3 3.9+ present):
# npm packages, the TypeScript build and CLI bundle, and the Python venv `.venv` with JupyterLab,
# ipykernel and the kernel helper. Idempotent and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required but not installed. $2" >&2; exit 1; }
}
need node "Install Node.js 20 or newer."
need npm "Install npm (it comes with Node.js)."
need python3 "Install Python 3.9 or newer."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { echo "setup: Node.js 20 or newer is required (found $(node --version))." >&2; exit 1; }

# Real engines for the tests, from Debian: Chromium (the charts' browser tests, driven by
# playwright-core; no browser download), a single-node Slurm (slurm-wlm, munge) and an OpenSSH server.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v sbatch >/dev/null || missing="$missing slurm-wlm"
command -v munged >/dev/null || [ -x /usr/sbin/munged ] || missing="$missing munge"
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ssh >/dev/null || missing="$missing openssh-client"
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

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # `npm install` honours the committed lockfile's versions. Not `npm ci`: npm 11 as configured on
  # these machines writes lockfiles without other platforms' optional packages, and `npm ci` then
  # refuses them as out of sync.
  npm install --no-audit --no-fund --loglevel=error
fi

say "building TypeScript and the CLI bundle"
npm run -s build

stamp=.venv/.runlane-requirements
want=$(cat requirements-dev.txt shared/kernel-helper/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating the Python environment .venv (JupyterLab, ipykernel, the kernel helper)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e shared/kernel-helper
  echo "$want" > "$stamp"
fi

.venv/bin/runlane --version >/dev/null || { echo "setup: the runlane command in .venv does not work." >&2; exit 1; }
say "ready"
