#!/usr/bin/env bash
# Query benchmark: the latency of chekt_events' questions at the scale of a
# large dealer, beside the same questions written by hand over a plain
# jsonb table, on the same events in the same run.
#
#   bash bench/queries/run.sh [EVENTS]        default 225000; try 10000000
#
# Loads about EVENTS realistic deliveries (bench/ingest/generate.sql: a
# constant rate of events, so more events is a longer history) through
# chekt.inbox and, as bodies, into a jsonb table with expression indexes;
# then measures with pgbench (random alarms and devices, DURATION seconds
# each, default 10): alarm_timeline(), one device's downtime over 30 days;
# and, median of 5, the fleet's downtime for one week and alarm_lifecycle
# for one site over one month.  chekt_events' questions are asked twice: by
# the owner, and by an analyst scoped to the app by chekt.grant_analyst()
# (row level security on every family table read).
n=${1:-225000}
duration=${DURATION:-10}
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=2GB max_wal_size=16GB checkpoint_timeout=60min work_mem=64MB

echo "generating about $n deliveries..."
q -v n="$n" -v out="$work/deliveries.csv" -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
t0=$(date +%s.%N)
q -c "\\copy chekt.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)"
t1=$(date +%s.%N)
q -f bench/queries/jsonb_baseline.sql
q -c "\\copy bench_doc FROM '$work/bodies.csv' WITH (FORMAT csv)"
q <<'SQL'
-- as a user would index them: the ids asked about, and time
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'alarm_id'));
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'device_id'));
CREATE INDEX ON bench_doc ((doc -> 'data' ->> 'trigger'));
CREATE INDEX ON bench_doc ((doc ->> 'created_at'));
VACUUM ANALYZE;
SQL
events=$(q -At -c 'SELECT count(*) FROM chekt.events')
alarms=$(q -At -c "SELECT count(*) FROM chekt.alarm_events WHERE event_type = 'alarm.created'")
devices=$(q -At -c 'SELECT count(DISTINCT device_id) FROM chekt.device_events')
range=$(q -At -c "SELECT min(created_at)::date || ' to ' || max(created_at)::date FROM chekt.events")
ingest_rate=$(awk -v a="$t0" -v b="$t1" -v n="$(wc -l <"$work/deliveries.csv")" 'BEGIN { printf "%.0f", n / (b - a) }')

# the questions' parameters: the last week and month of the history, the
# busiest site
last=$(q -At -c "SELECT max(created_at) FROM chekt.events")
site=$(q -At -c "SELECT site_id FROM chekt.alarm_events WHERE event_type = 'alarm.created' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
device_ids=$(q -At -c "SELECT count(*) FROM (SELECT DISTINCT device_id FROM chekt.device_events) d")

# pgbench: average latency in ms of a script over random ids
pgbench_ms() {
  pgbench -n -T "$duration" -f "$1" bench 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}
cat >"$work/timeline.sql" <<SQL
\\set a random(1, $alarms)
SELECT * FROM chekt.alarm_timeline('A-' || :a);
SQL
cat >"$work/timeline_jsonb.sql" <<SQL
\\set a random(1, $alarms)
SELECT doc ->> 'created_at' AS at, doc ->> 'type' AS event_type, doc ->> 'id' AS event_id
  FROM bench_doc
 WHERE doc -> 'data' ->> 'alarm_id' = 'A-' || :a
    OR doc -> 'data' ->> 'trigger' = 'alarm.created:A-' || :a
 ORDER BY 1, 2;
SQL
cat >"$work/downtime.sql" <<SQL
\\set d random(0, 4998)
SELECT * FROM chekt.device_downtime('dev_' || :d, timestamptz '$last' - interval '30 days', '$last');
SQL
cat >"$work/downtime_jsonb.sql" <<SQL
\\set d random(0, 4998)
SELECT device, offline_at, online_at
  FROM (SELECT doc -> 'data' ->> 'device_id' AS device, doc ->> 'type' AS type,
               coalesce(doc -> 'data' ->> 'last_seen_at', doc ->> 'created_at')::timestamptz AS offline_at,
               lead(doc ->> 'type') OVER w AS next_type,
               lead((doc ->> 'created_at')::timestamptz) OVER w AS online_at
          FROM bench_doc
         WHERE doc -> 'data' ->> 'device_id' = 'dev_' || :d
           AND doc ->> 'type' IN ('device.offline', 'device.online')
        WINDOW w AS (ORDER BY doc ->> 'created_at')) AS e
 WHERE type = 'device.offline' AND next_type IS DISTINCT FROM 'device.offline'
   AND offline_at < '$last' AND (online_at IS NULL OR online_at > timestamptz '$last' - interval '30 days');
SQL
# median of 5 runs of one statement, in ms
median_ms() {
  for i in 1 2 3 4 5; do
    q -At -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
  done | sort -g | sed -n 3p
}
fleet="SELECT count(*), sum(in_window_s) FROM chekt.device_downtime(NULL, timestamptz '$last' - interval '7 days', '$last')"
fleet_jsonb="SELECT count(*) FROM (SELECT doc ->> 'type' AS type, lead(doc ->> 'type') OVER w AS next_type,
                                         (doc ->> 'created_at')::timestamptz AS at
                                    FROM bench_doc
                                   WHERE doc ->> 'type' IN ('device.offline', 'device.online')
                                  WINDOW w AS (PARTITION BY doc -> 'data' ->> 'device_id' ORDER BY doc ->> 'created_at')) e
              WHERE type = 'device.offline' AND at >= timestamptz '$last' - interval '7 days'"
lifecycle="SELECT count(*), avg(time_to_acknowledge_s) FROM chekt.alarm_lifecycle
            WHERE site_id = '$site' AND created_at >= timestamptz '$last' - interval '30 days'"
lifecycle_jsonb="SELECT count(*), avg(ack - created) FROM (
                   SELECT doc -> 'data' ->> 'alarm_id' AS alarm,
                          min((doc ->> 'created_at')::timestamptz) FILTER (WHERE doc ->> 'type' = 'alarm.created') AS created,
                          min((doc ->> 'created_at')::timestamptz) FILTER (WHERE doc ->> 'type' = 'alarm.acknowledged') AS ack,
                          min(doc -> 'data' ->> 'site_id') AS site
                     FROM bench_doc WHERE doc ->> 'type' LIKE 'alarm.%' GROUP BY 1) a
                  WHERE site = '$site' AND created >= timestamptz '$last' - interval '30 days'"

# an analyst scoped to the app: every family table read is filtered by its
# row level security policy
q -c "CREATE ROLE bench_analyst LOGIN" -c "SELECT chekt.grant_analyst('bench_analyst', ARRAY['bench-app'])" >/dev/null
analyst_pgbench_ms() { PGUSER=bench_analyst pgbench_ms "$@"; }
analyst_median_ms() { PGUSER=bench_analyst median_ms "$@"; }
timeline_analyst_ms=$(analyst_pgbench_ms "$work/timeline.sql")
downtime_analyst_ms=$(analyst_pgbench_ms "$work/downtime.sql")
fleet_analyst_ms=$(analyst_median_ms "$fleet")
lifecycle_analyst_ms=$(analyst_median_ms "$lifecycle")

timeline_ms=$(pgbench_ms "$work/timeline.sql")
timeline_jsonb_ms=$(pgbench_ms "$work/timeline_jsonb.sql")
downtime_ms=$(pgbench_ms "$work/downtime.sql")
downtime_jsonb_ms=$(pgbench_ms "$work/downtime_jsonb.sql")
fleet_ms=$(median_ms "$fleet")
fleet_jsonb_ms=$(median_ms "$fleet_jsonb")
lifecycle_ms=$(median_ms "$lifecycle")
lifecycle_jsonb_ms=$(median_ms "$lifecycle_jsonb")

cat <<REPORT

query benchmark: $events events ($alarms alarms, $devices devices, $range), ingested at $ingest_rate deliveries/s
                                          chekt_events      plain jsonb by hand   chekt_events as a scoped analyst
  alarm_timeline (pgbench, random alarm)  $timeline_ms ms   $timeline_jsonb_ms ms   $timeline_analyst_ms ms   (goal < 1 ms)
  one device's downtime, 30 days          $downtime_ms ms   $downtime_jsonb_ms ms   $downtime_analyst_ms ms   (goal < 2 ms)
  fleet downtime, one week (median of 5)  $fleet_ms ms   $fleet_jsonb_ms ms   $fleet_analyst_ms ms   (goal < 500 ms at 225k events)
  alarm_lifecycle, one site-month         $lifecycle_ms ms   $lifecycle_jsonb_ms ms   $lifecycle_analyst_ms ms
REPORT
