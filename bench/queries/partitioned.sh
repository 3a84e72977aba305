#!/usr/bin/env bash
# Partitioned against unpartitioned (issue 13, contract 4): the questions of
# bench/queries/questions/ over years of history, asked of the current
# version (monthly partitions) and of the last unpartitioned release
# (FLAT_VERSION, default 0.8.0, installed with CREATE EXTENSION ... VERSION in
# a second database of the same cluster), both loaded with the same
# deliveries through chekt_private.inbox.
#
#   bash bench/queries/partitioned.sh [EVENTS [MONTHS [SITES]]]
#
# Defaults: about 1,000,000 events over 24 months on 400 sites; the figures
# in docs/performance.md come from EVENTS=11000000.  Each question runs for
# DURATION seconds (default 10) in ROUNDS interleaved rounds (default 3),
# reported as the median of its average latencies; the goal is a ratio of at
# most 1.2.  With UPGRADE=1 a third database, a copy of the unpartitioned
# one, is brought to the current version by ALTER EXTENSION UPDATE, timed,
# and must then hold the same counts.
n=${1:-1000000}
months=${2:-24}
sites=${3:-400}
duration=${DURATION:-10}
flat=${FLAT_VERSION:-0.8.0}
# SETTINGS: more server settings, e.g. SETTINGS=max_locks_per_transaction=128
# (PostgreSQL 18 sizes each backend's fast-path lock slots by it)
# shellcheck disable=SC2086 # one word per setting
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=2GB max_wal_size=16GB checkpoint_timeout=60min work_mem=64MB ${SETTINGS:-}
. bench/lib/questions.sh

createdb bench_flat
q -d bench_flat -c "CREATE EXTENSION chekt_events VERSION '$flat'" -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null
current=$(q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")

echo "generating about $n events over $months months on $sites sites..."
q -v n="$n" -v months="$months" -v sites="$sites" -v out="$work/deliveries.csv" -v out_bodies=/dev/null \
  -f bench/ingest/generate.sql
rows=$(wc -l <"$work/deliveries.csv")

# Seconds a COPY of the deliveries into database $1 takes
load() {
  local t0 t1
  t0=$(date +%s.%N)
  q -d "$1" -c "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)"
  t1=$(date +%s.%N)
  q -d "$1" -c 'VACUUM ANALYZE'
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
# What database $1 stored: every table's rows and the refusals by reason
counts() {
  q -d "$1" -At -c "SELECT string_agg(n, ' ' ORDER BY n) FROM (
      SELECT 'events=' || count(*) AS n FROM chekt_private.events
      UNION ALL SELECT 'deliveries=' || sum(delivery_count) FROM chekt_private.events
      UNION ALL SELECT 'alarm=' || count(*) FROM chekt.alarm_events
      UNION ALL SELECT 'device=' || count(*) FROM chekt.device_events
      UNION ALL SELECT 'snapshot=' || count(*) FROM chekt.snapshot_events
      UNION ALL SELECT 'verification=' || count(*) FROM chekt.verification_events
      UNION ALL SELECT 'partition=' || count(*) FROM chekt.partition_events
      UNION ALL SELECT 'relay=' || count(*) FROM chekt.relay_events
      UNION ALL SELECT reason || '=' || count(*) FROM chekt_private.rejected GROUP BY reason) AS c"
}
echo "loading $rows deliveries into $flat (unpartitioned)..."
flat_s=$(load bench_flat)
echo "loading them into $current (partitioned)..."
part_s=$(load bench)
flat_counts=$(counts bench_flat)
part_counts=$(counts bench)
if [ "$flat_counts" != "$part_counts" ]; then
  printf 'the two versions stored different things:\n  %s: %s\n  %s: %s\n' "$flat" "$flat_counts" "$current" "$part_counts" >&2
  exit 1
fi
partitions=$(q -At -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'chekt_private.events'::regclass")

upgrade_s=
if [ "${UPGRADE:-0}" = 1 ]; then
  echo "copying $flat and updating the copy to $current..."
  q -d postgres -c 'CREATE DATABASE bench_upgraded TEMPLATE bench_flat'
  t0=$(date +%s.%N)
  q -d bench_upgraded -c 'ALTER EXTENSION chekt_events UPDATE'
  t1=$(date +%s.%N)
  upgrade_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  upgraded_counts=$(counts bench_upgraded)
  if [ "$upgraded_counts" != "$flat_counts" ]; then
    printf 'the update changed what is stored:\n  before: %s\n  after: %s\n' "$flat_counts" "$upgraded_counts" >&2
    exit 1
  fi
  q -d postgres -c 'DROP DATABASE bench_upgraded'
fi

question_params bench_flat
# a warm-up pass of every question in both databases
for question in $questions; do
  for db in bench_flat bench; do
    PGDATABASE=$db duration=2 pgbench_ms "$question" >/dev/null
  done
done
declare -A runs ms
for round in $(seq "${ROUNDS:-3}"); do
  for question in $questions; do
    for db in bench_flat bench; do
      runs[$question.$db]+=" $(PGDATABASE=$db pgbench_ms "$question")"
    done
  done
  echo "round $round of ${ROUNDS:-3} done"
done
medians runs ms

echo
echo "partitioned against unpartitioned: $rows deliveries over $months months, $sites sites"
echo "  stored alike by both: $part_counts"
echo "  load: $flat $flat_s s, $current $part_s s ($partitions monthly partitions of chekt_private.events)"
[ -n "$upgrade_s" ] && echo "  ALTER EXTENSION chekt_events UPDATE from $flat to $current on a copy: $upgrade_s s, same counts"
echo "pgbench, $duration s each, median of ${ROUNDS:-3} interleaved rounds of the average latency in ms"
printf '  %-40s %12s %12s %8s\n' question "$flat" "$current" ratio
verdicts=0
for question in $questions; do
  r=$(ratio "${ms[$question.bench]}" "${ms[$question.bench_flat]}")
  verdict=met
  if awk -v r="$r" 'BEGIN { exit !(r > 1.2) }'; then verdict=MISSED; verdicts=$((verdicts + 1)); fi
  printf '  %-40s %12s %12s %8s  (goal <= 1.2: %s)\n' "$(label "$question")" \
    "${ms[$question.bench_flat]}" "${ms[$question.bench]}" "$r" "$verdict"
done
echo "  $verdicts of 5 questions above 1.2x"
