#!/usr/bin/env bash
# A pinned set of packages in a virtual environment of its own under .cache/, for an engine the tests
# start (MLflow, DVCLive): kept apart from .venv so their dependencies never constrain JupyterLab's.
# Idempotent: quick when the pins recorded in the venv are the ones asked for.
# Usage: scripts/pinned-venv.sh NAME FOR HOW_LONG SPEC...
#   NAME: the venv's folder under .cache/; FOR: what it is for ("the MLflow tests"); HOW_LONG: said
#   while installing ("a minute the first time"); SPEC: pip requirement specifiers (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 for=$2 how_long=$3
shift 3
V="$PWD/.cache/$name"
want="$*"
if [ -x "$V/bin/python" ] && [ "$(cat "$V/.runlane-pins" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "[setup] installing $want into .cache/$name for $for ($how_long)"
mkdir -p .cache
[ -x "$V/bin/python" ] || python3 -m venv "$V" ||
  { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
"$V/bin/python" -m pip install --quiet --disable-pip-version-check "$@" ||
  { echo "setup: pip could not install $want into .cache/$name (above); $for are skipped until it can." >&2; exit 1; }
echo "$want" > "$V/.runlane-pins"
