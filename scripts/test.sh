#!/usr/bin/env bash
# `npm test`: sets everything up, then runs every test: TypeScript (vitest) and Python (pytest),
# ending with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || exit 1

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

echo "== TypeScript tests (vitest)"
npx vitest run 2>&1 | tee "$logs/vitest.txt"
ts_status=${PIPESTATUS[0]}

echo "== Python tests (pytest)"
.venv/bin/python -m pytest -q -p no:cacheprovider shared/kernel-helper/tests test/e2e 2>&1 | tee "$logs/pytest.txt"
py_status=${PIPESTATUS[0]}

# Counts from each runner's own summary line.
count() { grep -Eo "[0-9]+ $2" "$1" | tail -n 1 | grep -Eo '^[0-9]+' || echo 0; }
ts_line=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/vitest.txt" | grep -E '^ +Tests ' | tail -n 1)
passed=$(( $(echo "$ts_line" | grep -Eo '[0-9]+ passed' | grep -Eo '^[0-9]+' || echo 0) + $(count "$logs/pytest.txt" passed) ))
failed=$(( $(echo "$ts_line" | grep -Eo '[0-9]+ failed' | grep -Eo '^[0-9]+' || echo 0) + $(count "$logs/pytest.txt" failed) ))

if [ "$ts_status" -ne 0 ] || [ "$py_status" -ne 0 ]; then
  [ "$failed" -gt 0 ] || failed=1  # a runner that crashed without counting still fails the run
  echo "$passed passed, $failed failed"
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran: that is a failure."
  exit 1
fi
echo "$passed passed, $failed failed"
