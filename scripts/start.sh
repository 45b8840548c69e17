#!/usr/bin/env bash
# `npm start`: sets everything up on a fresh machine, then runs JupyterLab on the demo notebook,
# printing the URL to open. PORT=N picks the port (default: the first free one from 8888).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-test-engines
exec bash scripts/start-jupyter.sh "${PORT:-0}"
