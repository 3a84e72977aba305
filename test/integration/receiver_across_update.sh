#!/usr/bin/env bash
# chekt-ingest of this release feeds a database still at 0.7.0 (the inbox
# in schema chekt), goes on feeding it across ALTER EXTENSION ... UPDATE,
# which moves the inbox to chekt_private (at most one 503 while its
# connection finds it again, which CHeKT retries), with the grants 0.7.0
# documented; a chekt_private.inbox that is not the extension's is not
# fed; and a role that may not use chekt_private is told what to grant.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_update
fresh_db "$db" 0.7.0
PGOPTIONS="-c client_min_messages=warning" sql postgres -c "DROP ROLE IF EXISTS chekt_update_feeder" -c "CREATE ROLE chekt_update_feeder LOGIN" >/dev/null
FEEDER_ROLES+=(chekt_update_feeder)
sql "$db" >/dev/null <<'SQL'
SELECT chekt.add_secret('up-app', 'up-secret');
GRANT USAGE ON SCHEMA chekt TO chekt_update_feeder;
GRANT INSERT ON chekt.inbox TO chekt_update_feeder;
SQL
# before the update, a chekt_private of someone else's, with an inbox the
# feeder may fill: chekt-ingest feeds the extension's inbox, not that one
sql "$db" >/dev/null <<'SQL'
CREATE SCHEMA chekt_private;
CREATE TABLE chekt_private.inbox (LIKE chekt.inbox);
GRANT USAGE ON SCHEMA chekt_private TO chekt_update_feeder;
GRANT INSERT ON chekt_private.inbox TO chekt_update_feeder;
SQL
PGUSER=chekt_update_feeder start_receiver "$db" --writers 1

body() { printf '{"id":"%s","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-1","site_id":"s-1"}}' "$1"; }
sign() { sql "$db" -v ts="$1" -v b="$2" <<<"SELECT 'sha256=' || chekt.sign('up-secret', :'ts', :'b')"; }
now=$(date +%s)
b=$(body up-1)
got=$(post up-app "$now" "$(sign "$now" "$b")" "$b")
[ "$got" = '{"outcome":"accepted","event_id":"up-1"} 200' ] || fail "before the update: $got"
got=$(sql "$db" -c "SELECT count(*) FROM chekt_private.inbox")
[ "$got" = 0 ] || fail "chekt-ingest fed a chekt_private.inbox that is not the extension's"
sql "$db" -c "DROP SCHEMA chekt_private CASCADE" >/dev/null

sql "$db" -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
b=$(body up-2)
answers=()
for attempt in 1 2 3; do
  got=$(post up-app "$now" "$(sign "$now" "$b")" "$b")
  answers+=("$got")
  case "$got" in *' 200') break ;; esac
done
echo "after the update: ${answers[*]}"
[ "$got" = '{"outcome":"accepted","event_id":"up-2"} 200' ] || fail "after the update: ${answers[*]}"
[ ${#answers[@]} -le 2 ] || fail "more than one delivery refused across the update: ${answers[*]}"
got=$(sql "$db" -c "SELECT string_agg(event_id, ' ' ORDER BY event_id) FROM chekt_private.events")
[ "$got" = "up-1 up-2" ] || fail "the database holds: $got"
stop_receiver

# a 0.8.0 database, a role with INSERT on the inbox but no USAGE on its schema
db2=chekt_receiver_no_usage
fresh_db "$db2"
PGOPTIONS="-c client_min_messages=warning" sql postgres -c "DROP ROLE IF EXISTS chekt_update_outsider" -c "CREATE ROLE chekt_update_outsider LOGIN" >/dev/null
FEEDER_ROLES+=(chekt_update_outsider)
sql "$db2" -c "SELECT chekt.add_secret('up-app', 'up-secret')" -c "GRANT USAGE ON SCHEMA chekt TO chekt_update_outsider" \
  -c "GRANT INSERT ON chekt_private.inbox TO chekt_update_outsider" >/dev/null
PGUSER=chekt_update_outsider start_receiver "$db2"
db=$db2
b=$(body up-3)
got=$(post up-app "$now" "$(sign "$now" "$b")" "$b")
case "$got" in *' 503') ;; *) fail "a receiver whose role may not use chekt_private answered: $got" ;; esac
grep -q 'role "chekt_update_outsider" may not use schema chekt_private, where the inbox of database "chekt_receiver_no_usage" is; run GRANT USAGE ON SCHEMA chekt_private TO "chekt_update_outsider" there' "$RECEIVER_LOG" ||
  { tail -5 "$RECEIVER_LOG"; fail "chekt-ingest did not say what to grant"; }
echo "chekt-ingest fed a 0.7.0 database before, across and after its update, and says what a role without USAGE on chekt_private needs"
