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
exec bash scripts/pinned-venv.sh dvclive-venv "the DVCLive tests" "a minute the first time" \
  "dvclive==$DVCLIVE_VERSION" "pillow==$PILLOW_VERSION" "numpy==$NUMPY_VERSION"
