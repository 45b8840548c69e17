#!/usr/bin/env bash
# Starts JupyterLab from .venv on 127.0.0.1 with examples/ as its folder and prints the URL to open
# and the next steps. The store is examples/.runlane (RUNLANE_DIR is unset). Runs in the foreground
# (Ctrl-C stops it); the e2e test runs it in its own process group and stops the group.
# Usage: scripts/start-jupyter.sh [PORT]   (PORT 0 or absent: the first free port from 8888)
#        RUNLANE_JUPYTER_TOKEN=... fixes the token (default: a random one)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$root/.venv/bin/jupyter" ] || { echo "start: .venv has no JupyterLab; run scripts/setup.sh (or npm start) first." >&2; exit 1; }
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
  [ -n "$port" ] || { echo "start: no free port between 8888 and 8998; pass one: PORT=N npm start" >&2; exit 1; }
fi
token="${RUNLANE_JUPYTER_TOKEN:-$("$root/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')}"
export PATH="$root/.venv/bin:$PATH"  # so `!runlane ...` in notebooks finds the CLI
unset RUNLANE_DIR                      # the demo's store is examples/.runlane
cd "$root/examples"
cat <<MSG
Runlane demo: open http://127.0.0.1:$port/lab/tree/demo.ipynb?token=$token
  (JupyterLab on 127.0.0.1:$port, token $token; Ctrl-C here stops it)
Next:
  1. In the notebook, run all cells (Run > Run All Cells): it trains a small MLP with numpy for a
     few seconds, tracked by %%runlane, and lists the run with !runlane ls.
  2. In a terminal, from the repo root:  npx runlane ls --dir examples/.runlane
     or in examples/:                   ../.venv/bin/runlane ls   (then: runlane show RUN_ID)
MSG
exec jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --allow-root \
  --IdentityProvider.token="$token" --ServerApp.open_browser=False --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$root/examples"
