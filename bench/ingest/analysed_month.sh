#!/usr/bin/env bash
# Ingest after an ANALYZE at the wrong moment: one transaction COPYs the
# first part of the benchmark's deliveries, another session analyses the
# database meanwhile (as autovacuum may: the first transaction's rows are
# not committed, so the months are analysed as holding none), and the
# first transaction COPYs the rest, redeliveries included.  The rest's COPY
# is timed against the same COPY without the ANALYZE, in the same round.
#
#   bash bench/ingest/analysed_month.sh [DELIVERIES]   default 225000; ROUNDS=5
#
# Issue 13, contract 4: plans must not depend on lucky statistics.  Before
# redeliveries were counted in place (docs/decisions.md, "Redeliveries
# counted in place") the count's UPDATE scanned a whole month per batch
# here.  Medians of ROUNDS rounds; the machine is shared: read the ratio.
n=${1:-225000}
rounds=${ROUNDS:-5}
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=1GB max_wal_size=8GB checkpoint_timeout=30min autovacuum=off

echo "generating about $n deliveries..."
q -v n="$n" -v out="$work/deliveries.csv" -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
rows=$(wc -l <"$work/deliveries.csv")
first=$((rows / 2))
head -n "$first" "$work/deliveries.csv" >"$work/first.csv"
tail -n +"$((first + 1))" "$work/deliveries.csv" >"$work/rest.csv"

reset_tables() {
  q -c "TRUNCATE chekt_private.events, chekt_private.rejected, chekt_private.event_ids, chekt.alarm_events,
                 chekt.device_events, chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
                 chekt.relay_events, chekt.device_months, chekt.alarm_trail" -c 'ANALYZE' -c 'CHECKPOINT'
}
inbox_cols='chekt_private.inbox (app, received_at, signed_at, signature, body)'
# One transaction: the first part, an ANALYZE by another session if $1 is
# "analysed", the rest timed; prints the rest's seconds and what was stored
run_once() {
  local between=''
  [ "$1" = analysed ] && between="\\! psql -X -q -v ON_ERROR_STOP=1 -c ANALYZE"
  q -At <<SQL
BEGIN;
\\copy $inbox_cols FROM '$work/first.csv' WITH (FORMAT csv)
$between
SELECT clock_timestamp() AS t0 \\gset
\\copy $inbox_cols FROM '$work/rest.csv' WITH (FORMAT csv)
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)
       || ' ' || (SELECT count(*) FROM chekt_private.events)
       || ' ' || (SELECT sum(delivery_count) FROM chekt_private.events);
COMMIT;
SQL
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$work/plain" ; : >"$work/analysed"
reset_tables >/dev/null
run_once plain >/dev/null			# untimed: makes the months, reads the catalog
for r in $(seq 1 "$rounds"); do
  for mode in $(if [ $((r % 2)) = 1 ]; then echo plain analysed; else echo analysed plain; fi); do
    reset_tables >/dev/null
    read -r seconds events deliveries < <(run_once "$mode")
    echo "$seconds" >>"$work/$mode"
    echo "$events events, $deliveries deliveries counted" >"$work/$mode.stored"
  done
  echo "round $r of $rounds done"
done

plain_s=$(median <"$work/plain")
analysed_s=$(median <"$work/analysed")
ratio=$(paste "$work/analysed" "$work/plain" | awk '{ print $1 / $2 }' | median)
cat <<REPORT

ingest after an ANALYZE at the wrong moment: $rows deliveries, the last $((rows - first)) timed
(median of $rounds rounds, same data and cluster)
  without the ANALYZE   $(awk -v s="$plain_s" 'BEGIN { printf "%.3f", s }') s   ($(cat "$work/plain.stored"))
  after it              $(awk -v s="$analysed_s" 'BEGIN { printf "%.3f", s }') s   ($(cat "$work/analysed.stored"))
  after / without, each round: $(paste "$work/analysed" "$work/plain" | awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / $2 }'); median $(awk -v r="$ratio" 'BEGIN { printf "%.2f", r }')x (goal <= 1.10x: $(awk -v r="$ratio" 'BEGIN { print (r <= 1.10 ? "met" : "MISSED") }'))
REPORT
