#!/usr/bin/env bash
# `npm run faults`: the fault and load suite at full load (test/faults/): a full disk (under a run, at
# its start, under a job's output, under the daemon), many writers, bad input in bulk, a busy daemon,
# a killed daemon (local, SSH and Slurm jobs), a killed kernel, the clock set back. Each test adds one row (fault, load, what was
# checked, lost, result) to a JSON-lines file; the table is printed at the end, like the
# benchmarks', and written to test/bench/results/faults.json. The same tests at a small load run in
# `npm test` (the unit suite). Some faults need root (a tmpfs of fixed size): without it they are
# skipped, and the table says so.
set -uo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --no-setup ] || bash scripts/setup.sh --no-test-engines || exit 1

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
export RUNLANE_FAULTS=full RUNLANE_FAULTS_ROWS=$rows
status=0
echo "== fault suite, Python (pytest)"
.venv/bin/python -m pytest -q -p no:cacheprovider -rs test/faults || status=1
echo "== fault suite, TypeScript (vitest)"
npx vitest run --config test/faults/vitest.faults.config.ts || status=1
node test/faults/table.mjs "$rows" || status=1
exit "$status"
