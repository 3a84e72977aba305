#!/usr/bin/env bash
# chekt-ingest answers every kind of request with the status code of the
# contract, a body naming the outcome, and keeps what it says it keeps:
# 200 accepted / duplicate / authentic but quarantined (a non-UTF-8 body
# with a NUL included, byte for byte), 401 unknown_app / bad_signature /
# stale_signature (quarantined too), 400 missing signature headers, 404,
# 405, 413 (before the body is read), 431 for oversized headers, 503 with
# Retry-After when the database cannot take it; slow clients are cut off.
# /metrics counts the unauthenticated requests and their body bytes apart.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_status
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('site-app', 'status-secret')" >/dev/null
start_receiver "$db" --max-body 4096 --client-timeout 1

now=$(date +%s)
body() { printf '{"id":"%s","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-1","site_id":"s-1"}}' "$1"; }
sign() { sql "$db" -v ts="$1" -v b="$2" <<<"SELECT 'sha256=' || chekt.sign('status-secret', :'ts', :'b')"; }
expect() {
  local what=$1 want=$2 got=$3
  [ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
}

b1=$(body st-1)
expect accepted '{"outcome":"accepted","event_id":"st-1"} 200' "$(post site-app "$now" "$(sign "$now" "$b1")" "$b1" -H 'X-CHeKT-Delivery: dlv-1')"
expect duplicate '{"outcome":"duplicate","event_id":"st-1"} 200' "$(post site-app "$now" "$(sign "$now" "$b1")" "$b1")"
expect 'the X-CHeKT-* header kept' '{"x-chekt-delivery": "dlv-1"}' "$(sql "$db" -c "SELECT headers FROM chekt_private.events WHERE event_id = 'st-1'")"

bad='{"id":"st-2","type":"alarm.created"'
expect 'malformed but authentic' '{"outcome":"malformed_json"} 200' "$(post site-app "$now" "$(sign "$now" "$bad")" "$bad")"
b3=$(body st-3 | sed 's/device.offline/device.exploded/')
expect 'unknown type' '{"outcome":"unknown_type","event_id":"st-3"} 200' "$(post site-app "$now" "$(sign "$now" "$b3")" "$b3")"

b4=$(body st-4)
expect 'bad signature' '{"outcome":"bad_signature"} 401' "$(post site-app "$now" "sha256=$(printf '0%.0s' $(seq 64))" "$b4")"
expect 'unknown app' '{"outcome":"unknown_app"} 401' "$(post other-app "$now" "$(sign "$now" "$b4")" "$b4")"
old=$((now - 3600))
expect 'stale signature' '{"outcome":"stale_signature"} 401' "$(post site-app "$old" "$(sign "$old" "$b4")" "$b4")"

# a body that is not UTF-8 (and holds a NUL), signed with the right secret
# by the openssl CLI: authentic, so 200, and kept byte for byte
printf '{"id":"st-5",\x00"x":"\xff\xfe"}' >"$RECEIVER_LOG.body"
key=$(to_hex status-secret)
sig=sha256=$( { printf '%s.' "$now"; cat "$RECEIVER_LOG.body"; } | openssl_hmac_hex "$key")
expect 'binary body' '{"outcome":"malformed_json"} 200' \
  "$(curl -s -w ' %{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" -H "X-CHeKT-Timestamp: $now" \
       -H "X-CHeKT-Signature: $sig" --data-binary "@$RECEIVER_LOG.body")"
expect 'binary body kept byte for byte' "$(od -An -v -tx1 "$RECEIVER_LOG.body" | tr -d ' \n')" \
  "$(sql "$db" -c "SELECT encode(body_bytes, 'hex') FROM chekt_private.rejected WHERE body IS NULL")"
rm -f "$RECEIVER_LOG.body"

# Standard Webhooks headers are taken too
sql "$db" -c "SELECT chekt.add_secret('sw-app', 'whsec_' || encode('standard-secret-0123456789', 'base64'), 'standard_webhooks')" >/dev/null
b6=$(body st-6)
swsig=$(sql "$db" -v ts="$now" -v b="$b6" <<<"SELECT chekt.sign_standard_webhook(secret, 'msg_6', :'ts', :'b') FROM chekt_private.app_secrets WHERE app = 'sw-app'")
expect 'standard webhooks' '{"outcome":"accepted","event_id":"st-6"} 200' \
  "$(curl -s -w ' %{http_code}' -X POST "$RECEIVER_URL/webhooks/sw-app" -H 'webhook-id: msg_6' \
       -H "webhook-timestamp: $now" -H "webhook-signature: $swsig" --data-binary "$b6")"

# refused before anything is stored
expect 'no signature headers' \
  '{"outcome":"bad_request","detail":"the signature headers are missing: send X-CHeKT-Timestamp and X-CHeKT-Signature (or webhook-id, webhook-timestamp and webhook-signature)"} 400' \
  "$(curl -s -w ' %{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" --data-binary "$b4")"
expect 'header not UTF-8' '400' \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" -H "X-CHeKT-Timestamp: $now" \
       -H "$(printf 'X-CHeKT-Signature: \xff')" --data-binary "$b4")"
expect 'unknown path' '404' "$(curl -s -o /dev/null -w '%{http_code}' "$RECEIVER_URL/webhook/site-app")"
expect 'app path with a slash' '404' "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/a/b" -d x)"
expect 'GET a webhook' '405 POST' "$(curl -s -o /dev/null -w '%{http_code} %header{allow}' "$RECEIVER_URL/webhooks/site-app")"
expect 'POST /healthz' '405' "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/healthz" -d x)"

# 413 on Content-Length, before the body is sent (no 100-continue answer)
big=$(head -c 5000 /dev/zero | tr '\0' 'x')
expect 'too large' '413' "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" \
  -H "X-CHeKT-Timestamp: $now" -H 'X-CHeKT-Signature: x' -H 'Expect: 100-continue' --data-binary "$big")"
# and chunked, once the body passes the limit
expect 'too large, chunked' '413' "$(printf '%s' "$big" | curl -s -o /dev/null -w '%{http_code}' -X POST \
  "$RECEIVER_URL/webhooks/site-app" -H "X-CHeKT-Timestamp: $now" -H 'X-CHeKT-Signature: x' \
  -H 'Transfer-Encoding: chunked' --data-binary @-)"
# a chunked body that goes on and on: dropped, then the connection closed
answer=$(head -c 1000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" \
  -H "X-CHeKT-Timestamp: $now" -H 'X-CHeKT-Signature: x' -H 'Transfer-Encoding: chunked' --data-binary @-) || true
[ "${answer:0:1}" != 2 ] || fail "an endless chunked body got $answer"
grep -q 'closing a connection whose chunked body for app "site-app" passed 32768 bytes' "$RECEIVER_LOG" ||
  fail "the log does not say why the connection was closed"
huge_header=$(head -c 40000 /dev/zero | tr '\0' 'h')
expect 'headers too large' '431' "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" \
  -H "X-CHeKT-Timestamp: $now" -H "X-CHeKT-Signature: $huge_header" -d x)"

# a client that says nothing is cut off (--client-timeout 1)
exec 3<>"/dev/tcp/127.0.0.1/${RECEIVER_URL##*:}"
start=$(date +%s)
timeout 10 cat <&3 >/dev/null || fail "an idle connection was kept open 10 s"
exec 3<&-
[ $(( $(date +%s) - start )) -le 5 ] || fail "an idle connection was kept open over 5 s"

expect healthz '{"status":"ok"} 200' "$(curl -s -w ' %{http_code}' "$RECEIVER_URL/healthz")"

# what was stored: 2 events (+1 duplicate), 6 quarantined (3 with 401)
expect 'stored' '2|3' "$(sql "$db" -c "SELECT count(*), sum(delivery_count) FROM chekt_private.events")"
expect 'quarantined' 'bad_signature:1 malformed_json:2 stale_signature:1 unknown_app:1 unknown_type:1' \
  "$(sql "$db" -c "SELECT string_agg(reason || ':' || n, ' ' ORDER BY reason) FROM (SELECT reason, count(*) AS n FROM chekt_private.rejected GROUP BY 1) r")"

# /metrics counts them
metrics=$(curl -s "$RECEIVER_URL/metrics")
for line in 'chekt_ingest_deliveries_total{outcome="accepted"} 2' \
            'chekt_ingest_deliveries_total{outcome="duplicate"} 1' \
            'chekt_ingest_deliveries_total{outcome="malformed_json"} 2' \
            'chekt_ingest_responses_total{code="401"} 3' \
            'chekt_ingest_responses_total{code="413"} 2' \
            'chekt_ingest_unauthenticated_requests_total 3' \
            "chekt_ingest_unauthenticated_body_bytes_total $((3 * ${#b4}))" \
            'chekt_ingest_database_up 1' 'chekt_ingest_in_flight_requests 0'; do
  grep -qxF "$line" <<<"$metrics" || fail "/metrics lacks: $line"
done
grep -q '^chekt_ingest_commit_seconds_bucket{le="+Inf"} [1-9]' <<<"$metrics" || fail "/metrics has no commit latency"

# /metrics counts unauthenticated requests, for alerting on a flood of them:
# every delivery of an outcome of class unauthenticated (401), with its body
# bytes, and an app name over 200 bytes (404 before the body is read: no
# bytes); authentic deliveries and the other refusals count in neither
metric() { curl -s "$RECEIVER_URL/metrics" | sed -n "s/^$1 //p"; }
unauthenticated() {
  printf '%s %s' "$(metric chekt_ingest_unauthenticated_requests_total)" \
    "$(metric chekt_ingest_unauthenticated_body_bytes_total)"
}
for line in '# TYPE chekt_ingest_unauthenticated_requests_total counter' \
            '# TYPE chekt_ingest_unauthenticated_body_bytes_total counter'; do
  grep -qxF "$line" <<<"$metrics" || fail "/metrics lacks: $line"
done
post_status() { post "$@" -o /dev/null -w '%{http_code}'; }
read -r requests bytes <<<"$(unauthenticated)"
u1=$(body st-u1)
u2=$(head -c 3000 /dev/zero | tr '\0' 'u')
u3=$(body st-u3)
long_app=$(head -c 201 /dev/zero | tr '\0' 'a')
expect 'bad signature, counted' 401 "$(post_status site-app "$now" "sha256=$(printf '1%.0s' $(seq 64))" "$u1")"
expect 'unknown app, counted' 401 "$(post_status no-such-app "$now" "sha256=$(printf '2%.0s' $(seq 64))" "$u2")"
expect 'stale signature, counted' 401 "$(post_status site-app "$old" "$(sign "$old" "$u3")" "$u3")"
expect 'bad signature, empty body, counted' 401 "$(post_status site-app "$now" "sha256=$(printf '3%.0s' $(seq 64))" '')"
expect 'app name over 200 bytes, counted' 404 "$(post_status "$long_app" "$now" sha256=x zzz)"
expect 'unauthenticated requests and bytes' "$((requests + 5)) $((bytes + ${#u1} + ${#u2} + ${#u3}))" "$(unauthenticated)"

read -r requests bytes <<<"$(unauthenticated)"
u4=$(body st-u4)
expect 'accepted, not counted' 200 "$(post_status site-app "$now" "$(sign "$now" "$u4")" "$u4")"
expect 'duplicate, not counted' 200 "$(post_status site-app "$now" "$(sign "$now" "$u4")" "$u4")"
expect 'malformed but authentic, not counted' 200 "$(post_status site-app "$now" "$(sign "$now" "$bad")" "$bad")"
expect 'no signature headers, not counted' 400 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/site-app" --data-binary "$u1")"
expect 'another path, not counted' 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECEIVER_URL/webhooks/a/b" --data-binary "$u1")"
expect 'too large, not counted' 413 "$(post_status site-app "$now" sha256=x "$big")"
expect 'unauthenticated, unchanged' "$requests $bytes" "$(unauthenticated)"

# 503 with Retry-After when the database cannot take deliveries
stop_receiver
[ "$RECEIVER_STATUS" = 0 ] || fail "SIGTERM: exit status $RECEIVER_STATUS"
start_receiver chekt_no_such_database --retry-after 7
expect 'database unreachable' '503 7' "$(curl -s -o /dev/null -w '%{http_code} %header{retry-after}' -X POST \
  "$RECEIVER_URL/webhooks/site-app" -H "X-CHeKT-Timestamp: $now" -H "X-CHeKT-Signature: $(sign "$now" "$b4")" --data-binary "$b4")"
expect 'healthz, database unreachable' '503' "$(curl -s -o /dev/null -w '%{http_code}' "$RECEIVER_URL/healthz")"
grep -q 'database "chekt_no_such_database" does not exist' "$RECEIVER_LOG" || fail "the log does not say why"
# the connection limit holds: with both slots taken by idle clients, a
# third connection is not served; once they go, it is
stop_receiver
start_receiver "$db" --max-connections 2 --client-timeout 5
port=${RECEIVER_URL##*:}
exec 4<>"/dev/tcp/127.0.0.1/$port" 5<>"/dev/tcp/127.0.0.1/$port"
sleep 0.2
expect 'over the connection limit' '000' "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$RECEIVER_URL/healthz")"
exec 4<&- 5<&-
sleep 0.2
expect 'under the connection limit again' '200' "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$RECEIVER_URL/healthz")"

# a body trickled in to hold a connection is cut off (--request-timeout)
stop_receiver
start_receiver "$db" --request-timeout 1 --client-timeout 5
exec 4<>"/dev/tcp/127.0.0.1/${RECEIVER_URL##*:}"
printf 'POST /webhooks/site-app HTTP/1.1\r\nHost: x\r\nX-CHeKT-Timestamp: 1\r\nX-CHeKT-Signature: x\r\nContent-Length: 100\r\n\r\n' >&4
# (in a subshell that ignores SIGPIPE: the server closes on it mid-write)
( trap '' PIPE; for i in 1 2 3 4 5 6 7 8; do printf 'x' >&4 2>/dev/null || break; sleep 0.4; done )
exec 4>&-
grep -q 'closing a connection whose body for app "site-app" took over 1 s' "$RECEIVER_LOG" ||
  fail "a trickled body was not cut off"

# a database without the extension: said plainly
stop_receiver
start_receiver postgres
curl -s "$RECEIVER_URL/healthz" >/dev/null
curl -s -o /dev/null -X POST "$RECEIVER_URL/webhooks/site-app" -H "X-CHeKT-Timestamp: $now" -H "X-CHeKT-Signature: x" -d x
grep -q 'extension chekt_events is not installed in database "postgres"' "$RECEIVER_LOG" ||
  fail "the log does not say the extension is missing"
stop_receiver
