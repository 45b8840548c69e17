#!/usr/bin/env bash
# `npm test`: sets everything up, type-checks, then runs every test: TypeScript (vitest) and Python
# (pytest). Ends with one line "N passed, N failed" (the sum of both runners, from their JSON and
# JUnit XML reports) and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/setup.sh; then
  echo "setup failed (above): no test ran."
  echo "0 passed, 1 failed"
  exit 1
fi

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

echo "== Type check (tsc -b)"
npx tsc -b
tsc_status=$?

echo "== TypeScript tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"
ts_status=$?

echo "== Python tests (pytest)"
.venv/bin/python -m pytest -q -p no:cacheprovider --junitxml="$reports/pytest.xml" \
  shared/kernel-helper/tests test/e2e
py_status=$?

# passed/failed per runner; a missing report counts nothing (the exit status still fails the run).
read -r ts_passed ts_failed < <(node -e '
  let r = {};
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}
  console.log((r.numPassedTests ?? 0) + " " + (r.numFailedTests ?? 0));
' "$reports/vitest.json")
read -r py_passed py_failed < <(.venv/bin/python - "$reports/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - failed - skipped, failed)
PY
)
passed=$((ts_passed + py_passed))
failed=$((ts_failed + py_failed))

problems=()
[ "$tsc_status" -eq 0 ] || { problems+=("the type check (tsc -b) failed"); failed=$((failed + 1)); }
if [ "$ts_status" -ne 0 ]; then
  problems+=("vitest exited with status $ts_status")
  # A runner that failed without counting a failed test (a file that does not load, an unhandled
  # error) still fails the run, and counts as one failure.
  [ "$ts_failed" -gt 0 ] || failed=$((failed + 1))
fi
# pytest's 5 means "no tests collected": a failure only when nothing at all ran.
if [ "$py_status" -eq 5 ] && [ "$passed" -gt 0 ]; then
  echo "(pytest collected no tests)"
elif [ "$py_status" -ne 0 ]; then
  problems+=("pytest exited with status $py_status")
  [ "$py_failed" -gt 0 ] || failed=$((failed + 1))
fi
[ "$passed" -gt 0 ] || { problems+=("no test ran"); [ "$failed" -gt 0 ] || failed=1; }

echo
echo "TypeScript: $ts_passed passed, $ts_failed failed; Python: $py_passed passed, $py_failed failed"
for p in "${problems[@]}"; do echo "FAILED: $p"; done
echo "$passed passed, $failed failed"
[ "${#problems[@]}" -eq 0 ]
