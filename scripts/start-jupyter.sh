#!/usr/bin/env bash
# Starts JupyterLab from .venv on 127.0.0.1 in examples/, printing the URL to open.
# Usage: scripts/start-jupyter.sh [PORT]   (PORT 0 or absent: the first free port from 8888)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:-0}"
if [ "$port" = "0" ]; then
  port=$("$root/.venv/bin/python" - <<'PY'
import socket
for p in range(8888, 8999):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
            print(p)
            break
        except OSError:
            pass
PY
)
fi
token="${RUNLANE_JUPYTER_TOKEN:-$("$root/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')}"
export PATH="$root/.venv/bin:$PATH"  # so `!runlane ...` in notebooks finds the CLI
unset RUNLANE_DIR                      # the demo's store is examples/.runlane
cd "$root/examples"
echo "Runlane demo: open http://127.0.0.1:$port/lab/tree/demo.ipynb?token=$token"
echo "Then run the notebook's cells. In a terminal: cd examples && ../.venv/bin/runlane ls"
exec jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --allow-root \
  --ServerApp.token="$token" --ServerApp.open_browser=False --ServerApp.root_dir="$root/examples"
