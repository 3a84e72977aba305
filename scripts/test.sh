#!/usr/bin/env bash
# Run every test of chekt_events on a throwaway PostgreSQL cluster.
#
# Installs what is missing (Debian packages), builds with -Wall -Wextra
# -Werror, installs the extension, starts a private cluster under a temporary
# directory, runs the pg_regress suite (sql/, expected/) and every
# integration test (test/integration/*.sh), stops the cluster, and ends with
# the line "N passed, N failed" (", N skipped" after it when a test was
# skipped).  Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

passed=0
failed=0
skipped=0
failures=()
log_dir=$(mktemp -d /tmp/chekt-test-logs.XXXXXX)
cluster=
cleanup() {
  [ -n "$cluster" ] && bash scripts/pg-cluster.sh stop "$cluster" immediate >/dev/null 2>&1
  rm -rf "$cluster" "$log_dir"
}
trap cleanup EXIT

# Record the outcome of one test from its exit status: 0 passed, 77 skipped,
# anything else failed (then show the end of its log).
record() {
  local name=$1 status=$2 log=$3
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'ok      %s\n' "$name"
  elif [ "$status" -eq 77 ]; then
    skipped=$((skipped + 1))
    printf 'skip    %s: %s\n' "$name" "$(tail -1 "$log")"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAILED  %s\n' "$name"
    [ -s "$log" ] && sed 's/^/    | /' "$log" | tail -60
  fi
}

# Print the summary line and exit: non-zero if any test failed.
finish() {
  [ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[*]}"
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
  exit
}

if ! bash scripts/install-deps.sh; then
  record install-deps 1 /dev/null
  finish
fi

# The build is a test too: it must be warning-free under -Werror.
{ make clean && make && make install; } >"$log_dir/build.log" 2>&1
record build $? "$log_dir/build.log"
[ "$failed" -eq 0 ] || finish

cluster=$(mktemp -d /tmp/chekt-test-cluster.XXXXXX)
if ! bash scripts/pg-cluster.sh start "$cluster" fsync=off >"$log_dir/cluster.log" 2>&1; then
  record start-cluster 1 "$log_dir/cluster.log"
  finish
fi
eval "$(bash scripts/pg-cluster.sh env "$cluster")"
export CHEKT_TEST_CLUSTER=$cluster

# pg_regress: one test per sql/*.sql (install scripts aside), then the
# isolation tests (test/isolation/specs/*.spec).  pg_regress prints
# "test NAME ... ok" (PostgreSQL 15) or "ok 1 - NAME" (16 and later).
make installcheck >"$log_dir/regress.log" 2>&1
regress_status=$?
while read -r suite name result; do
  if [ "$result" = ok ]; then
    record "$suite/$name" 0 /dev/null
  else
    record "$suite/$name" 1 /dev/null
  fi
done < <(awk '
  /isolation install-check|isolation_regress/ { suite = "isolation" }
  BEGIN { suite = "regress" }
  / \.\.\. / { for (i = 1; i < NF; i++) if ($(i + 1) == "...") print suite, $i, $(i + 2) }
  /^(not )?ok [0-9]+ +- / { n = $1 == "not" ? $5 : $4; print suite, n, ($1 == "ok" ? "ok" : "FAILED") }
  ' "$log_dir/regress.log")
if [ "$regress_status" -ne 0 ]; then
  for diffs in regression.diffs output_iso/regression.diffs; do
    [ -f "$diffs" ] && sed 's/^/    | /' "$diffs" | head -200
  done
  grep -Eq '\.\.\. FAILED|^not ok' "$log_dir/regress.log" || record regress 1 "$log_dir/regress.log"
fi

# Integration tests: each script passes by exiting 0.
shopt -s nullglob
for t in test/integration/*.sh; do
  name=integration/$(basename "$t" .sh)
  ( cd "$root" && bash "$t" ) >"$log_dir/$(basename "$t").log" 2>&1
  record "$name" $? "$log_dir/$(basename "$t").log"
done

finish
