#!/usr/bin/env bash
# The main job: from a fresh Debian 12 machine (as root) to CHeKT webhooks
# received over HTTP, verified and queryable in a private PostgreSQL.
#
# Installs what is missing, builds and installs chekt_events and
# chekt-ingest, starts a private cluster under .demo/ in the project,
# creates the extension in database chekt_demo and registers a demo app
# with a fresh secret, then starts chekt-ingest and posts to it over HTTP:
# first the 11 payloads of CHeKT's catalog, signed as CHeKT signs them (by
# the openssl CLI, outside the database), then a week of a monitoring
# centre (~1,700 deliveries: all 11 types, duplicates, forged, stale and
# malformed ones) over 64 connections.  It prints the answers, an alarm's
# timeline, the week's downtime report (known and at most), the lifecycle
# summary, the quarantine by reason and the completeness report (what a
# lost delivery made the answers infer), and stops what it started.
#
#   scripts/demo.sh          stop the receiver and the cluster at the end
#   scripts/demo.sh --keep   leave both running and print how to reach them
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
case ${1:-} in
  --keep) keep=true ;;
  "") ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

step() { printf '\n== %s\n' "$*"; }

step "installing what is missing"
bash scripts/install-deps.sh

step "building and installing chekt_events and chekt-ingest"
build_log=$(mktemp)
if ! { make clean && make && make install; } >"$build_log" 2>&1; then
  tail -30 "$build_log" >&2
  exit 1
fi
rm -f "$build_log"
receiver=$(pg_config --bindir)/chekt-ingest
echo "extension in $(pg_config --sharedir)/extension, receiver $receiver"

step "starting a private PostgreSQL cluster in .demo/"
cluster=$PWD/.demo
work=$(mktemp -d)
receiver_pid=
cleanup() {
  if [ -n "$receiver_pid" ] && ! $keep; then
    kill -TERM "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null || true
  fi
  $keep || bash scripts/pg-cluster.sh stop "$cluster"
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/pg-cluster.sh start "$cluster"
eval "$(bash scripts/pg-cluster.sh env "$cluster")"
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS chekt_demo;
CREATE DATABASE chekt_demo;
SQL
export PGDATABASE=chekt_demo
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION chekt_events'
echo "cluster on 127.0.0.1:$PGPORT, database chekt_demo, extension chekt_events $(psql -X -Atc "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")"

step "registering the demo app with a fresh secret"
secret=$(openssl rand -base64 32)
# Not in the statement's text, which the server logs if the statement fails:
# psql reads the secret from /dev/fd/3 (a pipe fed by printf, a builtin, so
# it stays out of ps) into a large object, in the transaction of the call,
# and the statement names only the object (README.md, "Getting started").
psql -X -q -v ON_ERROR_STOP=1 -At 3< <(printf '%s' "$secret") <<'SQL'
BEGIN;
\lo_import /dev/fd/3
SELECT 'secret ' || chekt.add_secret('demo-app', rtrim(convert_from(lo_get(:LASTOID), 'UTF8'), E'\r\n'))
       || ' registered for app demo-app';
\lo_unlink :LASTOID
COMMIT;
SQL

step "starting chekt-ingest"
port=8080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
"$receiver" --listen "127.0.0.1:$port" --db "dbname=chekt_demo" 2>"$cluster/chekt-ingest.log" &
receiver_pid=$!
url=http://127.0.0.1:$port
for i in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] && break
  sleep 0.1
done
echo "listening on $url (log: .demo/chekt-ingest.log); GET /healthz: $(curl -s "$url/healthz")"

step "POST /webhooks/demo-app: the 11 catalog payloads, signed by the openssl CLI"
key_hex=$(printf '%s' "$secret" | od -An -v -tx1 | tr -d ' \n')
for f in test/fixtures/catalog/*.json; do
  signed_at=$(date +%s)
  digest=$( { printf '%s.' "$signed_at"; cat "$f"; } |
            openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" | sed 's/^.*= //')
  answer=$(curl -s -w ' %{http_code}' -X POST "$url/webhooks/demo-app" \
             -H "X-CHeKT-Timestamp: $signed_at" -H "X-CHeKT-Signature: sha256=$digest" \
             -H 'Content-Type: application/json' --data-binary "@$f")
  printf '  %-24s -> %s\n' "$(basename "$f" .json)" "$answer"
done | tee "$work/catalog.answers"
catalog_ok=$(grep -c '"accepted".* 200$' "$work/catalog.answers" || true)

step "POST a week of a monitoring centre over 64 connections"
psql -X -q -v ON_ERROR_STOP=1 -v alarms=300 -v app=demo-app -v run=demo \
  -v out="$work/stream.tsv" -v out_replay=/dev/null -f scripts/generate-stream.sql
started=$(date +%s%N)
bash scripts/post-stream.sh "$url/webhooks/demo-app" "$work/stream.tsv" 64 >"$work/stream.answers"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "$(wc -l <"$work/stream.answers") deliveries posted in $elapsed_ms ms; answers by kind of delivery:"
awk '{ n[$2 " -> " $3]++ } END { for (k in n) printf "  %-28s %5d\n", k, n[k] }' "$work/stream.answers" | sort
metrics=$(curl -s "$url/metrics")
echo "$(sed -n 's/^chekt_ingest_batch_size_sum //p' <<<"$metrics") deliveries committed in $(sed -n 's/^chekt_ingest_batch_size_count //p' <<<"$metrics") transactions (group commit)"

step "asking the events"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
\echo 'stored:'
SELECT (SELECT count(*) FROM chekt_private.events) AS events,
       (SELECT sum(delivery_count) FROM chekt_private.events) AS deliveries_counted,
       (SELECT count(DISTINCT event_type) FROM chekt_private.events) AS event_types,
       (SELECT count(*) FROM chekt_private.rejected) AS quarantined;
\echo 'the timeline of the week''s last alarm that was dispatched:'
SELECT at, event_type, actor, detail, since_created_s
  FROM chekt.alarm_timeline((SELECT alarm_id FROM chekt.alarm_lifecycle
                              WHERE app = 'demo-app' AND created_at IS NOT NULL
                                AND dispatched_at IS NOT NULL AND resolved_at IS NOT NULL
                              ORDER BY created_at DESC LIMIT 1), 'demo-app');
\echo 'the week''s downtime report (the ten devices down longest, as far as is known; at most: with'
\echo 'the outages whose device.online never came, ended by a later offline''s last_seen_at, or whose'
\echo 'start the online''s downtime_seconds puts in doubt; still_down: no event since it went offline):'
SELECT app, device_id, site_id, count(*) AS outages,
       round(coalesce(sum(in_window_s) FILTER (WHERE end_known IS DISTINCT FROM false AND start_known), 0) / 60) AS minutes_down,
       round(sum(in_window_s) / 60) AS at_most,
       count(*) FILTER (WHERE NOT end_known OR NOT start_known) AS inferred,
       bool_or(ongoing) AS still_down,
       max(offline_at) AS last_offline
  FROM chekt.device_downtime(NULL, now() - interval '7 days', now())
 GROUP BY app, device_id, site_id
 ORDER BY 5 DESC, sum(in_window_s) DESC, device_id
 LIMIT 10;
\echo 'alarm lifecycle summary, by priority:'
SELECT app, coalesce(priority, '(created lost)') AS priority, count(*) AS alarms,
       count(*) FILTER (WHERE state = 'resolved') AS resolved,
       round(avg(time_to_acknowledge_s)) AS avg_ack_s,
       round(avg(time_to_dispatch_s)) AS avg_dispatch_s,
       round(avg(time_to_resolve_s)) AS avg_resolve_s,
       round(100.0 * count(*) FILTER (WHERE is_false_positive) / nullif(count(*) FILTER (WHERE state = 'resolved'), 0), 1) AS false_positive_pct
  FROM chekt.alarm_lifecycle
 GROUP BY app, priority
 ORDER BY app, priority;
\echo 'quarantine by reason:'
SELECT reason, count(*) AS deliveries, min(detail) AS for_example
  FROM chekt_private.rejected
 GROUP BY reason
 ORDER BY count(*) DESC, reason;
\echo 'the completeness report (chekt.delivery_gaps): what the answers had to infer because a delivery'
\echo 'never arrived, and what was refused (README.md, "Deliveries that never arrived"):'
SELECT app, kind, coalesce(reason, '') AS reason, sum(occurrences) AS occurrences,
       count(DISTINCT site_id) AS sites, min(day) AS first_day, max(day) AS last_day,
       min(example_id) AS for_example
  FROM chekt.delivery_gaps
 GROUP BY app, kind, reason
 ORDER BY app, kind = 'quarantined', sum(occurrences) DESC, kind, reason;
SQL

if $keep; then
  step "the receiver and the cluster keep running"
  echo "post:     curl -X POST $url/webhooks/demo-app -H 'X-CHeKT-Timestamp: ...' -H 'X-CHeKT-Signature: ...' --data-binary @body.json"
  echo "connect:  $(bash scripts/pg-cluster.sh env "$cluster" | sed 's/^export //') psql"
  echo "stop:     kill $receiver_pid; bash scripts/pg-cluster.sh stop $cluster"
else
  step "stopping chekt-ingest (SIGTERM) and the cluster"
  kill -TERM "$receiver_pid"
  wait "$receiver_pid"
  receiver_pid=
  tail -1 "$cluster/chekt-ingest.log"
fi
wrong=$(awk '{ want = ($2 == "forged" || $2 == "stale") ? 401 : 200; if ($3 != want) print }' "$work/stream.answers" | wc -l)
[ "$catalog_ok" -eq 11 ] && [ "$wrong" -eq 0 ]
