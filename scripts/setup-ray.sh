#!/usr/bin/env bash
# A real Ray for the tests and the benchmark (not needed by `npm start`): ray[default], pinned, in its
# own virtual environment .cache/ray-venv (about 400 MB, 25 s), so Ray's many dependencies never mix
# with .venv's JupyterLab. The tests start a head from it (test/helpers/rayHead.ts, the pytest fixture
# ray_head) and give its interpreter to the Ray target as the cluster's `python`. The kernel helper is
# not installed there: a job's package carries it, as on a real cluster. Idempotent: quick when there.
set -euo pipefail
cd "$(dirname "$0")/.."
RAY_VERSION=2.60.0
V="$PWD/.cache/ray-venv"
want=$RAY_VERSION  # reinstalled when the pin changes
if [ -x "$V/bin/ray" ] && [ "$(cat "$V/.version" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "[setup] installing ray[default]==$RAY_VERSION into .cache/ray-venv for the Ray tests (about 400 MB, under a minute)"
rm -rf "$V"
mkdir -p .cache
python3 -m venv "$V" || { echo "setup: python3 -m venv failed; on Debian/Ubuntu install python3-venv." >&2; exit 1; }
pip() { "$V/bin/python" -m pip --quiet --disable-pip-version-check "$@"; }
pip install "ray[default]==$RAY_VERSION" ||
  { echo "setup: pip could not install ray[default]==$RAY_VERSION (above); npm test skips the Ray suites." >&2; rm -rf "$V"; exit 1; }
echo "$want" > "$V/.version"
