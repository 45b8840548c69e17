#!/usr/bin/env bash
# `npm start` as a person runs it, until JupyterLab answers on the URL it prints; then stopped (its
# whole process group). Fails, with npm start's output, if JupyterLab does not come up in 15 minutes
# (a fresh machine sets everything up first). Run by .ci/run.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
set -m # job control: npm start gets a process group of its own, which is stopped as a whole
npm start >"$log" 2>&1 &
start=$!
set +m # and no job notices ("Terminated") in this script's output
up=0
url=""
for _ in $(seq 1 900); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -1 || true)
  if [ -n "$url" ] && .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "api", timeout=2)' "$url" 2>/dev/null; then
    up=1
    break
  fi
  kill -0 "$start" 2>/dev/null || break
  sleep 1
done
# JupyterLab takes a few seconds to shut down: wait for the whole group, then make sure.
kill -TERM -- "-$start" 2>/dev/null
for _ in $(seq 1 60); do
  kill -0 -- "-$start" 2>/dev/null || break
  sleep 0.5
done
kill -KILL -- "-$start" 2>/dev/null
wait "$start" 2>/dev/null
if [ "$up" = 1 ]; then
  echo "npm start: JupyterLab answered at $url"
else
  echo "FAILED: npm start did not bring JupyterLab up; its output:"
  cat "$log"
fi
rm -f "$log"
[ "$up" = 1 ]
