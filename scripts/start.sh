#!/usr/bin/env bash
# `npm start`: sets everything up on a fresh machine, then runs JupyterLab with the demo notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash scripts/start-jupyter.sh "${PORT:-0}"
