#!/usr/bin/env bash
# Run every test of chekt_events on a throwaway PostgreSQL cluster.
#
#   test.sh                 against Debian 12's PostgreSQL 15
#   test.sh --pg N ...      against PostgreSQL N (15, 16, 17, 18; repeatable)
#   test.sh --all-pg        against every supported major: 15, 16, 17, 18
#
# Installs what is missing (Debian packages), builds with -Wall -Wextra
# -Werror, installs the extension, starts a private cluster under a temporary
# directory, runs the pg_regress suite (sql/, expected/) and every
# integration test (test/integration/*.sh), stops the cluster, and ends with
# the line "N passed, N failed" (", N skipped" after it when a test was
# skipped).  Exits non-zero if anything failed.  A major other than 15 is
# built from Debian's source once (scripts/pg-build.sh, cached outside the
# clone) and its tests are named pgN/...; a major whose source Debian's
# archive no longer carries (16) is reported as skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

majors=()
while [ $# -gt 0 ]; do
  case $1 in
    --pg) [ $# -ge 2 ] || { echo "test.sh: --pg needs a major version, e.g. --pg 17" >&2; exit 2; }
          majors+=("$2"); shift 2 ;;
    --all-pg) majors+=(15 16 17 18); shift ;;
    *) echo "usage: test.sh [--pg MAJOR ...] [--all-pg]" >&2; exit 2 ;;
  esac
done
[ ${#majors[@]} -gt 0 ] || majors=(15)

passed=0
failed=0
skipped=0
failures=()
log_dir=$(mktemp -d /tmp/chekt-test-logs.XXXXXX)
prefix=
trap 'rm -rf "$log_dir"' EXIT

# Record the outcome of one test from its exit status: 0 passed, 77 skipped,
# anything else failed (then show the end of its log).
record() {
  local name=$prefix$1 status=$2 log=$3
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

# Every test against one major: its server, its client programs first in
# PATH, the extension built and installed with its pg_config.
run_suite() {
  local major=$1 pg_prefix status t
  if [ "$major" = 15 ]; then
    export PG_CONFIG=pg_config PG_BINDIR=/usr/lib/postgresql/15/bin
  else
    prefix=pg$major/
    pg_prefix=$(bash scripts/pg-build.sh "$major" 2>"$log_dir/pg-build-$major.log")
    status=$?
    if [ "$status" -eq 77 ]; then
      prefix=
      record "pg$major" 77 "$log_dir/pg-build-$major.log"
      return
    fi
    record build-postgresql "$status" "$log_dir/pg-build-$major.log"
    [ "$status" -eq 0 ] || return
    export PG_CONFIG=$pg_prefix/bin/pg_config PG_BINDIR=$pg_prefix/bin PATH=$pg_prefix/bin:$PATH
  fi

  # The build is a test too: it must be warning-free under -Werror.
  { make clean && make && make install; } >"$log_dir/build.log" 2>&1
  status=$?
  record build "$status" "$log_dir/build.log"
  [ "$status" -eq 0 ] || return

  cluster=$(mktemp -d /tmp/chekt-test-cluster.XXXXXX)
  trap 'bash scripts/pg-cluster.sh stop "$cluster" immediate >/dev/null 2>&1; rm -rf "$cluster"' EXIT
  if ! bash scripts/pg-cluster.sh start "$cluster" fsync=off >"$log_dir/cluster.log" 2>&1; then
    record start-cluster 1 "$log_dir/cluster.log"
    return
  fi
  eval "$(bash scripts/pg-cluster.sh env "$cluster")"
  export CHEKT_TEST_CLUSTER=$cluster

  # pg_regress: one test per sql/*.sql (install scripts aside), then the
  # isolation tests (test/isolation/specs/*.spec).  pg_regress prints
  # "test NAME ... ok" (PostgreSQL 15) or "ok 1 - NAME" (16 and later).
  make installcheck >"$log_dir/regress.log" 2>&1
  status=$?
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
  if [ "$status" -ne 0 ]; then
    for diffs in regression.diffs output_iso/regression.diffs; do
      [ -f "$diffs" ] && sed 's/^/    | /' "$diffs" | head -200
    done
    grep -Eq '\.\.\. FAILED|^not ok' "$log_dir/regress.log" || record regress 1 "$log_dir/regress.log"
  fi

  # Integration tests: each script passes by exiting 0.
  shopt -s nullglob
  for t in test/integration/*.sh; do
    ( cd "$root" && bash "$t" ) >"$log_dir/$(basename "$t").log" 2>&1
    record "integration/$(basename "$t" .sh)" $? "$log_dir/$(basename "$t").log"
  done
}

for major in "${majors[@]}"; do
  # each major in a subshell: its PATH, PG* settings and cluster end with
  # it; the counts come back in a file, failures one per line, and a suite
  # that died before writing them is a failure of its own
  rm -f "$log_dir/counts"
  ( run_suite "$major"
    { echo "$passed $failed $skipped"
      for f in ${failures[@]+"${failures[@]}"}; do echo "$f"; done; } >"$log_dir/counts" )
  status=$?
  if [ "$status" -eq 0 ] && [ -s "$log_dir/counts" ]; then
    { read -r passed failed skipped; mapfile -t failures; } <"$log_dir/counts"
  else
    record "pg$major/suite" 1 /dev/null
  fi
done
finish
