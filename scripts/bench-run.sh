# Sourced by scripts/bench.sh: runs the benchmarks one by one, so that one that dies neither stops
# the others nor dies unexplained.
# bench_run TITLE DIR [--quiet] CMD...: runs CMD in DIR under "== TITLE". With --quiet its stderr (the
# anchors' warnings and banners) is not shown while it works, but kept: if CMD fails, its last 60
# lines are printed with the exit status. bench_summary prints what failed and returns non-zero then.
bench_failed=()

bench_run() {
  local title=$1 dir=$2
  shift 2
  local quiet=0
  [ "${1:-}" != --quiet ] || { quiet=1; shift; }
  echo "== $title"
  local err status=0
  err=$(mktemp)
  if [ "$quiet" = 1 ]; then
    (cd "$dir" && "$@") 2>"$err" || status=$?
  else
    (cd "$dir" && "$@") || status=$?
  fi
  if [ "$status" != 0 ]; then
    echo "bench: \"$title\" failed (exit status $status)." >&2
    if [ "$quiet" = 1 ]; then
      echo "bench: its stderr (the last 60 lines):" >&2
      tail -n 60 "$err" >&2
    fi
    bench_failed+=("$title (exit status $status)")
  fi
  rm -f "$err"
}

bench_summary() {
  [ "${#bench_failed[@]}" -gt 0 ] || return 0
  echo
  for f in "${bench_failed[@]}"; do echo "FAILED: $f"; done
  return 1
}
