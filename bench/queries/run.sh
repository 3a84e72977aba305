#!/usr/bin/env bash
# Query benchmark: the latency of chekt_events' questions at the scale of a
# large dealer, beside the same questions written by hand over a plain
# jsonb table, on the same events in the same run.
#
#   bash bench/queries/run.sh [EVENTS]        default 225000; try 10000000
#
# Loads about EVENTS realistic deliveries (bench/ingest/generate.sql: a
# constant rate of events, so more events is a longer history) through
# chekt_private.inbox and, as bodies, into a jsonb table with expression indexes;
# then measures each question of bench/queries/questions/ with pgbench
# (random alarms, devices and sites, DURATION seconds each, default 10; ROUNDS
# interleaved rounds, default 3, each variant reported as its median):
# alarm_timeline(), one device's downtime over 30 days, the fleet's
# downtime over a week, one site's alarm_lifecycle and delivery_gaps over 30
# days, each beside the same question written by hand over jsonb by the
# same rules (Q_jsonb.sql; bench/queries/jsonb_baseline.sql).  chekt_events'
# questions are asked twice: by the owner, and by an analyst scoped to the
# app by chekt.grant_analyst() (row level security on every family table
# read).
n=${1:-225000}
duration=${DURATION:-10}
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=2GB max_wal_size=16GB checkpoint_timeout=60min work_mem=64MB

echo "generating about $n deliveries..."
q -v n="$n" -v out="$work/deliveries.csv" -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
t0=$(date +%s.%N)
q -c "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)"
t1=$(date +%s.%N)
q -f bench/queries/jsonb_baseline.sql
q -c "\\copy bench_doc FROM '$work/bodies.csv' WITH (FORMAT csv)"
q <<'SQL'
-- as a user would index them: the ids asked about, and time
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'alarm_id'));
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'device_id'));
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'trigger'));
CREATE INDEX ON bench_doc ((doc ->> 'created_at'));
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'site_id'));
VACUUM ANALYZE;
SQL
events=$(q -At -c 'SELECT count(*) FROM chekt_private.events')
devices=$(q -At -c 'SELECT count(DISTINCT device_id) FROM chekt.device_events')
range=$(q -At -c "SELECT min(created_at)::date || ' to ' || max(created_at)::date FROM chekt_private.events")
ingest_rate=$(awk -v a="$t0" -v b="$t1" -v n="$(wc -l <"$work/deliveries.csv")" 'BEGIN { printf "%.0f", n / (b - a) }')

# the questions' parameters: the last week and month of the history, random
# alarms, devices and sites
. bench/lib/questions.sh
question_params bench

# an analyst scoped to the app: every family table read is filtered by its
# row level security policy
q -c "CREATE ROLE bench_analyst LOGIN" -c "SELECT chekt.grant_analyst('bench_analyst', ARRAY['bench-app'])" >/dev/null

declare -A ms
# a warm-up pass, so that no question pays for buffers the load left cold
# (at 9M events the first measured question ran 3x slower than later)
for question in $questions; do
  duration=2 pgbench_ms "$question" >/dev/null
  duration=2 pgbench_ms "${question}_jsonb" >/dev/null
done
# ROUNDS (default 3) interleaved rounds of every variant, each reported as
# its median: on a shared two-core machine one 10 s run can be 1.5x off
# (alarm_timeline for the analyst: 0.55 then 1.36 of the hand-written time
# in two runs at 9M events)
declare -A runs
for round in $(seq "${ROUNDS:-3}"); do
  for question in $questions; do
    runs[$question]+=" $(pgbench_ms "$question")"
    runs[${question}_jsonb]+=" $(pgbench_ms "${question}_jsonb")"
    runs[${question}_analyst]+=" $(PGUSER=bench_analyst pgbench_ms "$question")"
  done
done
medians runs ms

echo
echo "query benchmark: $events events ($alarms alarms, $devices devices, $range), ingested at $ingest_rate deliveries/s"
echo "pgbench, $duration s each, median of ${ROUNDS:-3} interleaved rounds of the average latency in ms;"
echo "ratio to the same question written by hand over jsonb"
printf '  %-40s %12s %12s %8s %16s %8s\n' question chekt_events "jsonb by hand" ratio "scoped analyst" ratio
for question in $questions; do
  printf '  %-40s %12s %12s %8s %16s %8s\n' "$(label "$question")" "${ms[$question]}" "${ms[${question}_jsonb]}" \
    "$(ratio "${ms[$question]}" "${ms[${question}_jsonb]}")" "${ms[${question}_analyst]}" \
    "$(ratio "${ms[${question}_analyst]}" "${ms[${question}_jsonb]}")"
done
