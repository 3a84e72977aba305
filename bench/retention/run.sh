#!/usr/bin/env bash
# Retention benchmark (issue 13, contract 3): removing the oldest month of
# history from the current version (chekt.drop_events_before(): its
# partitions dropped) against the previous release (PREVIOUS, default 0.8.0,
# unpartitioned: DELETE from the seven tables, then VACUUM), in two
# databases of one cluster holding the same deliveries.
#
#   bash bench/retention/run.sh [EVENTS [MONTHS]]     default 1800000 over 5 months
#
# Reports for each: the time taken, the WAL written (pg_current_wal_lsn()
# before and after) and the database's size before and after (what goes
# back to the file system).
n=${1:-1800000}
months=${2:-5}
previous=${PREVIOUS:-0.8.0}
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=1GB max_wal_size=16GB checkpoint_timeout=60min
current=$(q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")
createdb bench_previous
q -d bench_previous -c "CREATE EXTENSION chekt_events VERSION '$previous'" \
  -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null

echo "generating about $n events over $months months..."
q -v n="$n" -v months="$months" -v out="$work/deliveries.csv" -v out_bodies=/dev/null -f bench/ingest/generate.sql
for db in bench_previous bench; do
  q -d "$db" -c "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)" \
    -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
done
# as in service: the ids of the last week only (every delivery here is older)
q -c 'SELECT * FROM chekt.maintain()' -c 'VACUUM chekt_private.event_ids' -c 'CHECKPOINT' >/dev/null
# the first whole month of the history
cutoff=$(q -At -c "SELECT date_trunc('month', min(created_at) AT TIME ZONE 'UTC', 'UTC') + interval '1 month' FROM chekt_private.events")
month_events=$(q -At -c "SELECT count(*) FROM chekt_private.events WHERE created_at < '$cutoff'")

# Runs SQL $2 in database $1; prints seconds, WAL bytes, size before and
# after in MB, and events left
measure() {
  q -d "$1" -At -F ' ' <<SQL
CREATE TEMP TABLE m AS SELECT clock_timestamp() AS t0, pg_current_wal_lsn() AS l0, pg_database_size(current_database()) AS s0;
$2
SELECT round(extract(epoch FROM clock_timestamp() - t0)::numeric, 3), pg_wal_lsn_diff(pg_current_wal_lsn(), l0),
       round(s0 / 1048576.0), round(pg_database_size(current_database()) / 1048576.0),
       (SELECT count(*) FROM chekt_private.events)
  FROM m;
SQL
}
tables="chekt_private.events chekt.alarm_events chekt.device_events chekt.snapshot_events chekt.verification_events chekt.partition_events chekt.relay_events"
delete_sql="BEGIN;"
for t in $tables; do delete_sql+=" DELETE FROM $t WHERE created_at < '$cutoff';"; done
delete_sql+=" COMMIT;"
read -r del_s del_wal del_before del_after del_left <<<"$(measure bench_previous "$delete_sql")"
vacuum_sql=""
for t in $tables; do vacuum_sql+="VACUUM $t;"$'\n'; done
read -r vac_s vac_wal _ vac_after _ <<<"$(measure bench_previous "$vacuum_sql")"
read -r drop_s drop_wal drop_before drop_after drop_left <<<"$(measure bench "SELECT FROM chekt.drop_events_before('$cutoff');")"
if [ "$del_left" != "$drop_left" ]; then
  echo "the two removals left different events: $del_left against $drop_left" >&2
  exit 1
fi
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
cat <<REPORT

retention: the month before $cutoff ($month_events events of $(wc -l <"$work/deliveries.csv") deliveries over $months months), $drop_left events left in each
  $previous DELETE from the seven tables   ${del_s} s, $(mb "$del_wal") of WAL, database ${del_before} -> ${del_after} MB
  $previous then VACUUM of the seven       ${vac_s} s, $(mb "$vac_wal") of WAL, database -> ${vac_after} MB
  $current chekt.drop_events_before()   ${drop_s} s, $(mb "$drop_wal") of WAL, database ${drop_before} -> ${drop_after} MB
REPORT
