#!/usr/bin/env bash
# One app can never touch another app's events, by COPY (the receiver's
# path) or over HTTP, whichever comes first.  Seen on 0.4.0: an event signed
# by app-a carrying the id app-b later used was accepted; app-b's genuine
# event was then quarantined as id_conflict (answered 200, so CHeKT never
# retried it) and app-a's forged alarm.resolved / false-positive was what
# alarm_lifecycle showed for app-b's alarm.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_apps_isolated
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('app-a', 'secret-a'), chekt.add_secret('app-b', 'secret-b')" >/dev/null
feeder_role "$db" chekt_apps_feeder

# body ID TYPE ALARM DATA: an alarm event created now
body() {
  printf '{"id":"%s","type":"%s","created_at":"%s","data":{"alarm_id":"%s"%s}}' \
    "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$3" "$4"
}
# sign SECRET TS BODY: the X-CHeKT-Signature value, by the openssl CLI
sign() {
  printf '%s.%s' "$2" "$3" | openssl_hmac_hex "$(to_hex "$1")"
}
# copy_line APP SECRET BODY: a row of COPY chekt_private.inbox (app, signed_at, signature, body)
copy_line() {
  local ts
  ts=$(date +%s)
  printf '%s\t%s\t%s\t%s\n' "$1" "$ts" "$(sign "$2" "$ts" "$3")" "$3"
}
copy_in() {
  PGUSER=chekt_apps_feeder psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    -c "\\copy chekt_private.inbox (app, signed_at, signature, body) FROM STDIN"
}
forged() { body "$1" alarm.resolved "$2" ',"resolution":"false-positive","notes":"forged by app-a"'; }
genuine_created() { body "$1" alarm.created "$2" ',"site_id":"S-1","priority":"HIGH"'; }
genuine_ack() { body "$1" alarm.acknowledged "$2" ',"operator_id":"op-b"'; }

# check ALARM EVENT_ID: app-b's alarm is its own, app-a's forgery confined to app-a
check() {
  local alarm=$1 id=$2 got
  got=$(sql "$db" -c "SELECT string_agg(app || ':' || event_type, ' ' ORDER BY app) FROM chekt_private.events WHERE event_id = '$id'")
  [ "$got" = "app-a:alarm.resolved app-b:alarm.acknowledged" ] || fail "$alarm: events of id $id: $got"
  got=$(sql "$db" -c "SELECT string_agg(app || ':' || state || ':' || coalesce(acknowledged_by, '-') || ':' || coalesce(is_false_positive::text, '-'), ' ' ORDER BY app)
                        FROM chekt.alarm_lifecycle WHERE alarm_id = '$alarm'")
  [ "$got" = "app-a:resolved:-:true app-b:acknowledged:op-b:-" ] || fail "$alarm: lifecycles: $got"
  got=$(sql "$db" -c "SELECT count(*) FROM chekt_private.rejected")
  [ "$got" = 0 ] || fail "$alarm: quarantined: $(sql "$db" -c 'SELECT reason, detail FROM chekt_private.rejected')"
}

echo "== COPY, app-a's forgery first"
copy_line app-a secret-a "$(forged copy-1 A-1)" | copy_in
{ copy_line app-b secret-b "$(genuine_created copy-0 A-1)"; copy_line app-b secret-b "$(genuine_ack copy-1 A-1)"; } | copy_in
check A-1 copy-1

echo "== COPY, app-b's genuine events first"
{ copy_line app-b secret-b "$(genuine_created copy-00 A-2)"; copy_line app-b secret-b "$(genuine_ack copy-2 A-2)"; } | copy_in
copy_line app-a secret-a "$(forged copy-2 A-2)" | copy_in
check A-2 copy-2

echo "== COPY, both in one statement"
{ copy_line app-a secret-a "$(forged copy-3 A-3)"; copy_line app-b secret-b "$(genuine_created copy-000 A-3)";
  copy_line app-b secret-b "$(genuine_ack copy-3 A-3)"; } | copy_in
check A-3 copy-3

start_receiver "$db" --db "dbname=$db user=chekt_apps_feeder"
# http APP SECRET BODY: POST it; prints outcome and status
http() {
  local ts
  ts=$(date +%s)
  post "$1" "$ts" "$(sign "$2" "$ts" "$3")" "$3"
}
# expect_accepted APP SECRET ID BODY
expect_accepted() {
  local got
  got=$(http "$1" "$2" "$4")
  [ "$got" = "{\"outcome\":\"accepted\",\"event_id\":\"$3\"} 200" ] || fail "over HTTP: $got"
}

echo "== HTTP, app-a's forgery first"
expect_accepted app-a secret-a http-1 "$(forged http-1 A-4)"
expect_accepted app-b secret-b http-0 "$(genuine_created http-0 A-4)"
expect_accepted app-b secret-b http-1 "$(genuine_ack http-1 A-4)"
check A-4 http-1

echo "== HTTP, app-b's genuine events first"
expect_accepted app-b secret-b http-00 "$(genuine_created http-00 A-5)"
expect_accepted app-b secret-b http-2 "$(genuine_ack http-2 A-5)"
expect_accepted app-a secret-a http-2 "$(forged http-2 A-5)"
check A-5 http-2

# app-b's redelivery is app-b's duplicate and changes nothing of app-a's
got=$(http app-b secret-b "$(sql "$db" -c "SELECT body FROM chekt_private.events WHERE app = 'app-b' AND event_id = 'http-2'")")
[ "$got" = '{"outcome":"duplicate","event_id":"http-2"} 200' ] || fail "redelivery: $got"
got=$(sql "$db" -c "SELECT string_agg(app || ':' || delivery_count, ' ' ORDER BY app) FROM chekt_private.events WHERE event_id = 'http-2'")
[ "$got" = "app-a:1 app-b:2" ] || fail "delivery counts: $got"
echo "each app's events are its own, by COPY and over HTTP, in either order"
