#!/usr/bin/env bash
# Ingest benchmark: deliveries per second of COPY into chekt_private.inbox, beside
# (same data, same cluster, same run) a COPY of the bodies into a bare
# one-column jsonb table (no verification at all) and a COPY into a
# PL/pgSQL + pgcrypto pipeline written as a user would (plpgsql_pipeline.sql).
#
#   bash bench/ingest/run.sh [DELIVERIES]      default 225000; ROUNDS=5
#
# Each figure is the median of ROUNDS rounds; tables are emptied and a
# checkpoint taken before each timed COPY.  The machine is shared: read the
# ratios, not the absolute numbers.  The previous release (PREVIOUS, default
# 0.8.0, the last with unpartitioned tables; empty to skip it) is measured
# beside the current version in a second database of the same cluster, with
# the same library, so that the two versions' ratios come from one run.
n=${1:-225000}
rounds=${ROUNDS:-5}
previous=${PREVIOUS-0.8.0}
# autovacuum off: after one database's COPY it vacuumed those tables while
# the other database's COPY was being timed (rounds 3-4x slower, now and
# then); both versions are measured alike
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=1GB max_wal_size=8GB checkpoint_timeout=30min autovacuum=off
current=$(q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")
if [ -n "$previous" ]; then
  createdb bench_previous
  q -d bench_previous -c "CREATE EXTENSION chekt_events VERSION '$previous'" \
    -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null
fi
q -f bench/ingest/plpgsql_pipeline.sql >/dev/null
q -c 'CREATE TABLE bench_jsonb (doc jsonb)'

echo "generating about $n deliveries..."
q -v n="$n" -v out="$work/deliveries.csv" -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
rows=$(wc -l <"$work/deliveries.csv")
body_rows=$(wc -l <"$work/bodies.csv")

# Seconds (with nanoseconds) a \copy takes
time_copy() {
  local t0 t1
  t0=$(date +%s.%N)
  q -c "\\copy $1 FROM '$2' WITH (FORMAT csv)"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
# What ingest keeps beside the events, in the versions that have it: the
# ids (0.10.0), the devices' months (0.12.0), the alarms' first events
# (0.13.0) or every event of them (0.15.0).  Left full, a round after the
# first would find its ids there (id_conflict, the whole COPY refused) or
# its listings written already.
truncate_kept="DO \$\$ DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['chekt_private.event_ids', 'chekt.device_months', 'chekt.alarm_firsts', 'chekt.alarm_trail'] LOOP
    IF to_regclass(t) IS NOT NULL THEN EXECUTE 'TRUNCATE ' || t; END IF;
  END LOOP; END \$\$"
reset_tables() {
  q -c "TRUNCATE bench_jsonb, chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
                 chekt.snapshot_events, chekt.verification_events, chekt.partition_events, chekt.relay_events,
                 bench_plpgsql.events, bench_plpgsql.rejected, bench_plpgsql.alarm_events,
                 bench_plpgsql.device_events, bench_plpgsql.snapshot_events, bench_plpgsql.verification_events,
                 bench_plpgsql.partition_events, bench_plpgsql.relay_events" \
    -c "$truncate_kept" -c 'CHECKPOINT'
  if [ -n "$previous" ]; then
    q -d bench_previous -c "TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
                 chekt.snapshot_events, chekt.verification_events, chekt.partition_events, chekt.relay_events" \
      -c "$truncate_kept"
  fi
}
# What database $1 stored
stored() {
  q -d "$1" -At -c "SELECT (SELECT count(*) FROM chekt_private.events) || ' events, '
                           || (SELECT count(*) FROM chekt_private.rejected) || ' refused'"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

inbox_cols='chekt_private.inbox (app, received_at, signed_at, signature, body)'
plpgsql_cols='bench_plpgsql.inbox (app, received_at, signed_at, signature, body)'
: >"$work/jsonb" ; : >"$work/chekt" ; : >"$work/plpgsql" ; : >"$work/previous"
# untimed warm-up of every pipeline: the first COPY also makes the month's
# partitions (once a month in use) and reads the catalog
head -n 2000 "$work/deliveries.csv" >"$work/warmup.csv"
head -n 2000 "$work/bodies.csv" >"$work/warmup_bodies.csv"
reset_tables >/dev/null
time_copy bench_jsonb "$work/warmup_bodies.csv" >/dev/null
time_copy "$inbox_cols" "$work/warmup.csv" >/dev/null
[ -z "$previous" ] || PGDATABASE=bench_previous time_copy "$inbox_cols" "$work/warmup.csv" >/dev/null
time_copy "$plpgsql_cols" "$work/warmup.csv" >/dev/null
for r in $(seq 1 "$rounds"); do
  reset_tables >/dev/null
  time_copy bench_jsonb "$work/bodies.csv" >>"$work/jsonb"
  # the two versions one after the other, in turns (the machine drifts):
  # their ratio is taken per round, each against its neighbour
  for side in $(if [ $((r % 2)) = 1 ] || [ -z "$previous" ]; then echo current previous; else echo previous current; fi); do
    if [ "$side" = current ]; then
      reset_tables >/dev/null
      time_copy "$inbox_cols" "$work/deliveries.csv" >>"$work/chekt"
      # what each pipeline stored (they must agree)
      chekt_counts=$(stored bench)
    elif [ -n "$previous" ]; then
      reset_tables >/dev/null
      PGDATABASE=bench_previous time_copy "$inbox_cols" "$work/deliveries.csv" >>"$work/previous"
      previous_counts=$(stored bench_previous)
    fi
  done
  reset_tables >/dev/null
  time_copy "$plpgsql_cols" "$work/deliveries.csv" >>"$work/plpgsql"
  plpgsql_counts=$(q -At -c "SELECT (SELECT count(*) FROM bench_plpgsql.events) || ' events, '
                                 || (SELECT count(*) FROM bench_plpgsql.rejected) || ' refused'")
  echo "round $r of $rounds done"
done

jsonb_s=$(median <"$work/jsonb")
chekt_s=$(median <"$work/chekt")
plpgsql_s=$(median <"$work/plpgsql")
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
rate() { calc '%.0f' "$1 / $2"; }
verdict() { if [ "$(calc '%d' "($1 >= $2)")" = 1 ]; then echo met; else echo MISSED; fi; }
jsonb_rate=$(rate "$body_rows" "$jsonb_s")
chekt_rate=$(rate "$rows" "$chekt_s")
plpgsql_rate=$(rate "$rows" "$plpgsql_s")
vs_jsonb=$(calc '%.2f' "$chekt_rate / $jsonb_rate")
vs_plpgsql=$(calc '%.1f' "$chekt_rate / $plpgsql_rate")
previous_report=
if [ -n "$previous" ]; then
  previous_rate=$(rate "$rows" "$(median <"$work/previous")")
  previous_vs_plpgsql=$(calc '%.2f' "$previous_rate / $plpgsql_rate")
  current_vs_plpgsql=$(calc '%.2f' "$chekt_rate / $plpgsql_rate")
  # per round: the current version's rate over the previous one's
  kept=$(paste "$work/previous" "$work/chekt" | awk '{ print 100 * $1 / $2 }' | median)
  previous_report="
  $previous (same library) COPY into chekt_private.inbox $previous_rate rows/s   ($previous_counts)
  $previous / PL/pgSQL       = ${previous_vs_plpgsql}x; $current / PL/pgSQL = ${current_vs_plpgsql}x: $current keeps $(calc '%.0f' "100 * $current_vs_plpgsql / $previous_vs_plpgsql")% of $previous's ratio
  $current's rate / $previous's, each round against its neighbour: $(paste "$work/previous" "$work/chekt" | awk '{ printf "%s%.0f%%", (NR > 1 ? ", " : ""), 100 * $1 / $2 }'); median $(calc '%.0f' "$kept")% (goal >= 90%: $(verdict "$kept" 90))"
fi

cat <<REPORT

ingest benchmark: $rows deliveries (median of $rounds rounds, same data and cluster)
  bare jsonb COPY (bodies only, $body_rows rows)  $jsonb_rate rows/s
  chekt_events COPY into chekt_private.inbox          $chekt_rate rows/s   ($chekt_counts)
  PL/pgSQL + pgcrypto pipeline               $plpgsql_rate rows/s   ($plpgsql_counts)
  chekt_events / bare jsonb   = ${vs_jsonb}x   (goal >= 0.5x: $(verdict "$vs_jsonb" 0.5))
  chekt_events / PL/pgSQL     = ${vs_plpgsql}x   (goal >= 5x: $(verdict "$vs_plpgsql" 5))$previous_report
REPORT
