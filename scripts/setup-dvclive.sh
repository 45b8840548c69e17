#!/usr/bin/env bash
# The real DVCLive logger for the tests of Runlane's DVCLive reader (docs/dvclive.md): a pinned dvclive
# (with numpy and pillow, so its tests log images too) in its own virtual environment .cache/dvclive-venv,
# kept apart from .venv because dvclive pulls in dvc and its many dependencies. Idempotent: quick when
# the pins are in place.
set -euo pipefail
cd "$(dirname "$0")/.."
DVCLIVE_VERSION=3.49.1
PILLOW_VERSION=12.0.0
NUMPY_VERSION=2.4.6
V="$PWD/.cache/dvclive-venv"
want="dvclive==$DVCLIVE_VERSION pillow==$PILLOW_VERSION numpy==$NUMPY_VERSION"
if [ -x "$V/bin/python" ] && [ "$(cat "$V/.runlane-pins" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "[setup] installing $want into .cache/dvclive-venv for the DVCLive tests (a minute the first time)"
mkdir -p .cache
[ -x "$V/bin/python" ] || python3 -m venv "$V" ||
  { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
# $want is split on purpose: three requirement specifiers, none of them user input.
# shellcheck disable=SC2086
"$V/bin/python" -m pip install --quiet --disable-pip-version-check $want ||
  { echo "setup: pip could not install $want into .cache/dvclive-venv (above); the DVCLive tests are skipped until it can." >&2; exit 1; }
echo "$want" > "$V/.runlane-pins"
