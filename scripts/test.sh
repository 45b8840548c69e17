#!/usr/bin/env bash
# `npm test`: sets everything up, type-checks and lints, then runs the three test suites, each with
# vitest (TypeScript) and pytest (Python):
#   unit     no engines: vitest units and integration tests, the kernel helper's tests
#   engines  on real engines the tests start themselves: an OpenSSH server, a Slurm cluster
#   e2e      the editors in Chromium (JupyterLab, VS Code in code-server) and the demo flow
# Usage: scripts/test.sh [--no-setup] [unit] [engines] [e2e]   (no suite: all, with the checks)
# `npm run test:unit` / `test:engines` / `test:e2e` run one suite. test/suites/ says which test is in
# which suite. An engine this machine lacks (scripts/check-engines.mjs) skips its suite with a
# "SKIPPED: ..." line, or fails the run under CI=true or RUNLANE_REQUIRE_ENGINES=1. Ends with one line
# "N passed, N failed" (both runners, from their JSON and JUnit XML reports), and exits non-zero if
# anything failed.
set -uo pipefail  # and bash 3.2 (macOS): empty arrays are expanded as ${a[@]+"${a[@]}"}
cd "$(dirname "$0")/.."

setup=1
suites=()
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    unit | engines | e2e) suites+=("$arg") ;;
    *) echo "test: unknown argument $arg (known: --no-setup, unit, engines, e2e)." >&2; exit 2 ;;
  esac
done
checks=0
[ "${#suites[@]}" -gt 0 ] || { suites=(unit engines e2e); checks=1; }
wants() { [[ " ${suites[*]} " == *" $1 "* ]]; }

cache_engines=
if [ "$setup" = 1 ]; then
  # The unit suite needs no engines: skip installing them (Debian packages, code-server). The engine
  # and e2e suites need them: the Debian ones now, those in .cache/ (Ray, MLflow, code-server, ...:
  # mostly download and unpack, minutes on a fresh clone) in the background, beside the checks and
  # the unit suite's TypeScript tests, which use none of them (engines_ready waits for them).
  setup_args=(--no-test-engines)
  if wants engines || wants e2e; then setup_args=(--engines-later); fi
  if ! bash scripts/setup.sh "${setup_args[@]}"; then
    echo "setup failed (above): no test ran."
    echo "0 passed, 1 failed"
    exit 1
  fi
  if wants engines || wants e2e; then
    cache_engines_log=$(mktemp)
    bash scripts/setup-cache-engines.sh >"$cache_engines_log" 2>&1 &
    cache_engines=$!
  fi
fi

# The runners' reports, copied to .cache/test-reports/ (ignored) at the end for a closer look at what
# failed; scripts/test-report.mjs names each failed and flaky test at the end of the output.
reports=$(mktemp -d)
trap 'rm -rf .cache/test-reports; mkdir -p .cache; cp -r "$reports" .cache/test-reports; rm -rf "$reports"' EXIT
# One retry per test, in both runners: on a loaded machine a real editor or engine can miss a deadline
# once. A test that passes only on its retry is named FLAKY at the end; one that fails twice fails.
retries=${RUNLANE_TEST_RETRIES:-1}
# The e2e suites' screenshots go to .cache/screenshots/ (ignored), so that a run leaves the clone as it
# was; RUNLANE_SCREENSHOTS="$PWD/test/e2e/screenshots" refreshes the committed ones instead.
RUNLANE_SCREENSHOTS=${RUNLANE_SCREENSHOTS:-$PWD/.cache/screenshots}
export RUNLANE_SCREENSHOTS
problems=()
failed=0
ts_passed=0 ts_failed=0 py_passed=0 py_failed=0

# A check that passes or fails as a whole (the type check, a linter): a failure counts as one.
step() {
  local name=$1
  shift
  echo "== $name"
  "$@" || { problems+=("$name failed"); failed=$((failed + 1)); }
}

if [ "$checks" = 1 ]; then
  step "Type check (tsc -b)" npx tsc -b
  # The tests, type-checked apart from the build (tsconfig.test.json; its configs never emit), in the
  # background beside the lint: each is one thread, busy all along, and neither writes what the other
  # reads (the build above is done). Its output is printed whole when it ends.
  tests_log=$(mktemp)
  npx tsc -b tsconfig.test.json >"$tests_log" 2>&1 &
  tests_check=$!
  # TypeScript lint (eslint.config.mjs, type-aware): any finding, warnings included, fails the run.
  step "TypeScript lint (npm run lint)" npm run -s lint
  wait "$tests_check"
  tests_status=$?
  step "Type check of the tests (tsc -b tsconfig.test.json, beside the lint)" bash -c 'cat "$1"; exit "$2"' _ "$tests_log" "$tests_status"
  rm -f "$tests_log"
fi

# == Python lint (ruff): the kernel helper and the Python of test/, with the one config in
# shared/kernel-helper/pyproject.toml; any finding fails the run.
if [ "$checks" = 1 ]; then
  step "Python lint (ruff)" .venv/bin/ruff check --config shared/kernel-helper/pyproject.toml shared/kernel-helper test
fi

# The engines in .cache/ installed (their set-up's output printed), then the engines this machine
# lacks: their suites are left out (RUNLANE_SKIP_ENGINES, read by test/suites/), and reported at the
# end; under CI each one is a failure instead. Once, before the first test that may use an engine
# (the unit suite's Python tests use the dvclive and MLflow venvs where they are).
notes=()
engines_checked=0
engines_ready() {
  [ "$engines_checked" = 0 ] || return 0
  engines_checked=1
  if [ -n "$cache_engines" ]; then
    local status=0
    echo "== set-up of the test engines in .cache/ (ran beside the above)"
    wait "$cache_engines" || status=$?
    cat "$cache_engines_log"
    rm -f "$cache_engines_log"
    if [ "$status" -ne 0 ]; then
      problems+=("the set-up of the test engines (scripts/setup-cache-engines.sh) failed")
      failed=$((failed + 1))
    fi
  fi
  local skip=() engine_suites=() missing engines_status name line
  wants engines && engine_suites+=(engines)
  wants e2e && engine_suites+=(e2e)
  if [ "${#engine_suites[@]}" -gt 0 ]; then
    missing=$(node scripts/check-engines.mjs --tsv "${engine_suites[@]}")
    engines_status=$?
    while IFS=$'\t' read -r name line; do
      [ -n "$name" ] || continue
      skip+=("$name")
      notes+=("$line")
    done <<<"$missing"
    if [ "$engines_status" -ne 0 ]; then
      failed=$((failed + ${#skip[@]}))
      [ "${#skip[@]}" -gt 0 ] || { notes+=("FAILED: the engine check (scripts/check-engines.mjs) failed"); failed=$((failed + 1)); }
    fi
  fi
  RUNLANE_SKIP_ENGINES=$(IFS=,; echo "${skip[*]+${skip[*]}}")
  export RUNLANE_SKIP_ENGINES
}

# "passed failed" from a vitest JSON report; a missing report counts nothing.
vitest_counts() {
  node -e '
    let r = {};
    try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}
    console.log((r.numPassedTests ?? 0) + " " + (r.numFailedTests ?? 0));
  ' "$1"
}

# "passed failed" from a pytest JUnit XML report (skipped tests are neither).
pytest_counts() {
  .venv/bin/python - "$1" <<'PY'
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
}

# One vitest run of a suite (NAME: the suite, or the suite and its lane), its counts added up.
vitest_run() {
  local suite=$1 name=$2
  npx vitest run -c "test/suites/$suite.config.ts" --retry="$retries" --reporter=default --reporter=json \
    --outputFile.json="$reports/vitest-$name.json"
}
vitest_tally() {
  local name=$1 status=$2 p f
  read -r p f < <(vitest_counts "$reports/vitest-$name.json")
  ts_passed=$((ts_passed + p)) ts_failed=$((ts_failed + f)) failed=$((failed + f))
  if [ "$status" -ne 0 ]; then
    problems+=("vitest ($name) exited with status $status")
    # A runner that failed without counting a failed test (a file that does not load, an unhandled
    # error) still fails the run, and counts as one failure.
    [ "$f" -gt 0 ] || failed=$((failed + 1))
  fi
}

# One pytest run of a suite, then its counts added up.
pytest_run() {
  local suite=$1 paths xdist=()
  paths=(shared/kernel-helper/tests test/faults)  # test/faults: the fast cases of npm run faults
  [ "$suite" != e2e ] || paths=(test/e2e)
  # The unit tests in two pytest-xdist workers, each taking the next test when it is free (worksteal):
  # most of a test's time is spent waiting on a kernel, a daemon or a job. The engine and e2e suites
  # stay in one process (fixed ports, one Ray head, an editor each: runlane_test_suites.py says more).
  [ "$suite" != unit ] || xdist=(-n 2 --dist worksteal)
  PYTHONPATH="$PWD/test/suites${PYTHONPATH:+:$PYTHONPATH}" .venv/bin/python -m pytest -q -p no:cacheprovider \
    -p runlane_test_suites --runlane-suite="$suite" --junitxml="$reports/pytest-$suite.xml" \
    --reruns "$retries" --runlane-flaky-file="$reports/pytest-$suite.flaky" ${xdist[@]+"${xdist[@]}"} "${paths[@]}"
}
pytest_tally() {
  local suite=$1 status=$2 p f
  read -r p f < <(pytest_counts "$reports/pytest-$suite.xml")
  py_passed=$((py_passed + p)) py_failed=$((py_failed + f)) failed=$((failed + f))
  # pytest's 5 means "no tests collected": right when this machine skips every engine of the suite.
  if [ "$status" -eq 5 ] && [ "$suite" != unit ]; then
    echo "(pytest: no $suite tests here)"
  elif [ "$status" -ne 0 ]; then
    problems+=("pytest ($suite) exited with status $status")
    [ "$f" -gt 0 ] || failed=$((failed + 1))
  fi
}

for suite in "${suites[@]}"; do
  [ "$suite" = unit ] || engines_ready
  if [ "$suite" = engines ]; then
    # Two lanes at once (engines.json's "lane", test/suites/suiteConfig.ts), so that one engine's
    # waits overlap another's: lane 2 (MLflow, Ray; vitest) in the background, its output printed
    # whole at the end so that lines do not interleave; here lane 1 (SSH, Slurm, DVCLive; vitest),
    # then the Python engine tests (SSH and Slurm again: after lane 1, as the Slurm cluster's ports
    # are fixed; their Ray head is one of their own, with ports of its own).
    lane2_log=$(mktemp)
    RUNLANE_ENGINE_LANE=2 vitest_run engines engines-2 >"$lane2_log" 2>&1 &
    lane2=$!
    echo "== engines tests, TypeScript (vitest), lane 1 (lane 2 runs beside it, printed below)"
    RUNLANE_ENGINE_LANE=1 vitest_run engines engines-1
    lane1_status=$?
    echo "== engines tests, Python (pytest), beside lane 2"
    pytest_run engines
    py_status=$?
    wait "$lane2"
    lane2_status=$?
    echo "== engines tests, TypeScript (vitest), lane 2"
    cat "$lane2_log"
    rm -f "$lane2_log"
    vitest_tally engines-1 "$lane1_status"
    vitest_tally engines-2 "$lane2_status"
    pytest_tally engines "$py_status"
    continue
  fi
  echo "== $suite tests, TypeScript (vitest)"
  vitest_run "$suite" "$suite"
  vitest_tally "$suite" $?
  engines_ready
  echo "== $suite tests, Python (pytest)"
  pytest_run "$suite"
  pytest_tally "$suite" $?
done

passed=$((ts_passed + py_passed))
if [ "$passed" -eq 0 ] && [ "${#notes[@]}" -eq 0 ]; then
  problems+=("no test ran")
  [ "$failed" -gt 0 ] || failed=1
fi

echo
node scripts/test-report.mjs "$reports"
echo "TypeScript: $ts_passed passed, $ts_failed failed; Python: $py_passed passed, $py_failed failed"
for p in ${problems[@]+"${problems[@]}"}; do echo "FAILED: $p"; done
for n in ${notes[@]+"${notes[@]}"}; do echo "$n"; done
echo "$passed passed, $failed failed"
[ "${#problems[@]}" -eq 0 ] && [ "$failed" -eq 0 ]
