#!/usr/bin/env bash
# Real engines for the tests, from Debian (run by scripts/setup.sh unless --no-test-engines):
# Chromium (the browser tests, driven by playwright-core; no browser download), a single-node Slurm
# (slurm-wlm, munge), an OpenSSH server, and the headers code-server's native modules build against
# (libkrb5-dev; code-server itself comes from npm). Installs only what is missing, as root with
# apt-get; elsewhere (a Mac, no root) it says what is missing, and npm test skips those suites.
# RUNLANE_SKIP_SYSTEM_PACKAGES=1 installs nothing. Leaves nothing behind it did not need.
set -euo pipefail
# The file that keeps package scripts from starting services (a variable so a test can use its own).
policy_rc_d=${RUNLANE_POLICY_RC_D:-/usr/sbin/policy-rc.d}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v sbatch >/dev/null || missing="$missing slurm-wlm"
command -v munged >/dev/null || [ -x /usr/sbin/munged ] || missing="$missing munge"
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
[ -d /usr/lib/postgresql ] || missing="$missing postgresql"  # the MLflow tests' server on Postgres
command -v ssh >/dev/null || missing="$missing openssh-client"
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || missing="$missing libkrb5-dev"  # code-server's native modules
[ -n "$missing" ] && [ "${RUNLANE_SKIP_SYSTEM_PACKAGES:-}" != 1 ] || exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup: missing packages for the engine tests:$missing (on Debian, run this as root to install them); npm test skips the suites that need them." >&2
  exit 0
fi

say "installing Debian packages for the tests:$missing"
# Package scripts must not start services here: the tests start their own, on their own ports. A
# policy-rc.d says so during the install, and goes away after it unless it was there before.
created=""
if [ ! -e "$policy_rc_d" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy_rc_d"
  chmod +x "$policy_rc_d"
  created=$policy_rc_d
fi
status=0
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } || status=$?
[ -z "$created" ] || rm -f "$created"
[ "$status" = 0 ] || { echo "setup: apt-get could not install:$missing (above)." >&2; exit 1; }
