#!/usr/bin/env bash
# The main job: from a fresh Debian 12 machine (as root) to verified CHeKT
# signatures in a private PostgreSQL.
#
# Installs what is missing, builds and installs the extension, starts a
# private cluster under .demo/ in the project, creates the extension in a
# database chekt_demo, registers a demo app with a fresh secret, signs each
# of the 11 catalog payloads the way CHeKT does (with the openssl CLI, outside
# the database), verifies them in PostgreSQL against the registered secret,
# checks that a forged copy of each is refused, then ingests them through
# chekt.inbox by COPY (with a retry, a forgery and a malformed delivery),
# prints where each landed, and asks the events (alarm timeline, lifecycle,
# device downtime, partition state).
#
#   scripts/demo.sh          stop the cluster at the end
#   scripts/demo.sh --keep   leave it running and print how to connect
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

step "building and installing chekt_events"
build_log=$(mktemp)
if ! { make clean && make && make install; } >"$build_log" 2>&1; then
  tail -30 "$build_log" >&2
  exit 1
fi
rm -f "$build_log"
echo "installed into $(pg_config --sharedir)/extension"

step "starting a private PostgreSQL cluster in .demo/"
cluster=$PWD/.demo
bash scripts/pg-cluster.sh start "$cluster"
$keep || trap 'bash scripts/pg-cluster.sh stop "$cluster"' EXIT
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
# (on standard input: psql interpolates :'secret' there, and it stays out of ps)
psql -X -q -v ON_ERROR_STOP=1 -v secret="$secret" -At <<'SQL'
SELECT 'secret ' || chekt.add_secret('demo-app', :'secret') || ' registered for app demo-app';
SQL

step "signing the 11 catalog payloads as CHeKT does, verifying them in PostgreSQL"
deliveries=$(mktemp)
trap 'rm -f "$deliveries"; $keep || bash scripts/pg-cluster.sh stop "$cluster"' EXIT
key_hex=$(printf '%s' "$secret" | od -An -v -tx1 | tr -d ' \n')
for f in test/fixtures/catalog/*.json; do
  signed_at=$(date +%s)
  digest=$( { printf '%s.' "$signed_at"; cat "$f"; } |
            openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" | sed 's/^.*= //')
  printf '%s\t%s\t%s\n' "$signed_at" "sha256=$digest" "$(base64 -w0 "$f")" >>"$deliveries"
done

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE demo_delivery (signed_at text, signature text, body_b64 text);
\copy demo_delivery FROM '$deliveries'
CREATE VIEW demo_outcome AS
SELECT d.body::json ->> 'type' AS event_type,
       octet_length(d.body) AS body_bytes,
       left(d.signature, 19) || '...' AS "X-CHeKT-Signature",
       bool_or(chekt.verify_signature(s.secret, d.signed_at, d.body, d.signature)) AS verified,
       NOT bool_or(chekt.verify_signature(s.secret, d.signed_at,
                     replace(d.body, '"id": "', '"id": "x'), d.signature)) AS forgery_refused
  FROM (SELECT signed_at, signature,
               convert_from(decode(body_b64, 'base64'), 'UTF8') AS body
          FROM demo_delivery) AS d
 CROSS JOIN chekt.app_secrets s
 WHERE s.app = 'demo-app'
 GROUP BY 1, 2, 3;
\pset footer off
SELECT * FROM demo_outcome ORDER BY event_type;
SQL

good=$(psql -X -At -c "SELECT count(*) FILTER (WHERE verified AND forgery_refused) FROM demo_outcome")
echo
echo "$good of 11 catalog payloads verified against the registered secret, and their forged copies refused"

step "ingesting them through chekt.inbox (COPY), with a duplicate, a forgery and a malformed one"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE stream AS
SELECT 'demo-app' AS app, to_timestamp(signed_at::bigint) AS received_at, signed_at, signature,
       convert_from(decode(body_b64, 'base64'), 'UTF8') AS body
  FROM demo_delivery;
-- CHeKT retries one delivery (same event, re-signed a minute later)
INSERT INTO stream
SELECT t.app, t.received_at + interval '1 minute', (t.signed_at::bigint + 60)::text,
       'sha256=' || chekt.sign(s.secret, (t.signed_at::bigint + 60)::text, t.body), t.body
  FROM stream t, chekt.app_secrets s
 WHERE s.app = 'demo-app' AND t.body LIKE '%"alarm.created"%';
-- someone without the secret tries to inject an alarm
INSERT INTO stream
SELECT app, received_at, signed_at, 'sha256=' || repeat('0', 64), replace(body, 'A-10293', 'A-66666')
  FROM stream WHERE body LIKE '%"alarm.resolved"%';
-- an authentic delivery whose body was cut short
INSERT INTO stream
SELECT t.app, t.received_at, t.signed_at, 'sha256=' || chekt.sign(s.secret, t.signed_at, left(t.body, 50)),
       left(t.body, 50)
  FROM stream t, chekt.app_secrets s
 WHERE s.app = 'demo-app' AND t.body LIKE '%"device.online"%';
\copy (SELECT app, received_at, signed_at, signature, body FROM stream ORDER BY received_at) TO '/tmp/chekt-demo-stream.csv' WITH (FORMAT csv)
\copy chekt.inbox (app, received_at, signed_at, signature, body) FROM '/tmp/chekt-demo-stream.csv' WITH (FORMAT csv)
\! rm -f /tmp/chekt-demo-stream.csv
\pset footer off
\echo
\echo 'accepted events, one row each in its family table:'
SELECT e.event_type, e.event_id, e.created_at, e.delivery_count,
       CASE split_part(e.event_type, '.', 1)
         WHEN 'alarm' THEN (SELECT format('alarm %s', alarm_id) FROM chekt.alarm_events a WHERE a.event_id = e.event_id)
         WHEN 'device' THEN (SELECT format('device %s', device_id) FROM chekt.device_events d WHERE d.event_id = e.event_id)
         WHEN 'snapshot' THEN (SELECT format('snapshot %s', snapshot_id) FROM chekt.snapshot_events s WHERE s.event_id = e.event_id)
         WHEN 'verification' THEN (SELECT format('alarm %s', alarm_id) FROM chekt.verification_events v WHERE v.event_id = e.event_id)
         WHEN 'partition' THEN (SELECT format('partition %s by %s', partition_id, initiated_by) FROM chekt.partition_events p WHERE p.event_id = e.event_id)
         WHEN 'relay' THEN (SELECT format('relay %s for alarm %s', relay_id, alarm_id) FROM chekt.relay_events r WHERE r.event_id = e.event_id)
       END AS typed_row
  FROM chekt.events e
 ORDER BY e.created_at, e.event_id;
\echo 'quarantine:'
SELECT reason, event_id, detail FROM chekt.rejected ORDER BY rejected_id;
SQL
stored=$(psql -X -At -c "SELECT (SELECT count(*) FROM chekt.events) || ' events, '
                                || (SELECT sum(delivery_count) FROM chekt.events) || ' deliveries counted, '
                                || (SELECT count(*) FROM chekt.rejected) || ' quarantined'")
echo "14 deliveries in, $stored"

step "asking the events"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
\echo 'what happened to alarm A-10293:'
SELECT at, event_type, actor, detail, since_created_s FROM chekt.alarm_timeline('A-10293');
\echo 'its lifecycle:'
SELECT alarm_id, site_id, state, time_to_acknowledge_s, time_to_dispatch_s, time_to_resolve_s, is_false_positive
  FROM chekt.alarm_lifecycle;
\echo 'device downtime on 2026-05-26 (UTC):'
SELECT device_id, offline_at, online_at, in_window_s
  FROM chekt.device_downtime(NULL, '2026-05-26 00:00+00', '2026-05-27 00:00+00');
\echo 'partitions now:'
SELECT partition_id, state, initiated_by, since FROM chekt.partition_status;
SQL
if $keep; then
  step "the cluster keeps running"
  echo "connect:  $(bash scripts/pg-cluster.sh env "$cluster" | sed 's/^export //') psql"
  echo "stop:     bash scripts/pg-cluster.sh stop $cluster"
fi
[ "$good" -eq 11 ] && [ "$stored" = "11 events, 12 deliveries counted, 2 quarantined" ]
