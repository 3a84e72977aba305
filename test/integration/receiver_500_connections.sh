#!/usr/bin/env bash
# A realistic stream (all 11 types, duplicates, forged, stale, malformed)
# posted over 500 concurrent connections: each request gets the status its
# delivery deserves, the deliveries of many requests share a transaction
# (group commit), and the database holds exactly what was acknowledged.
# The receiver connects as a role with only the grants the README names.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_500
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'centre-secret')" >/dev/null
stream=$(mktemp)
answers=$(mktemp)
role=chekt_ingest_test_500
trap 'rm -f "$stream" "$answers"; receiver_cleanup; sql postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1' EXIT
sql postgres -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN" >/dev/null 2>&1
sql "$db" -c "GRANT USAGE ON SCHEMA chekt TO $role" -c "GRANT INSERT ON chekt.inbox TO $role" >/dev/null
generate_stream "$db" centre centre-secret 300 c500 "$stream"

start_receiver "$db user=$role" --max-connections 600
bash scripts/post-stream.sh "$RECEIVER_URL/webhooks/centre" "$stream" 500 >"$answers"

[ "$(wc -l <"$answers")" -eq "$(wc -l <"$stream")" ] || fail "$(wc -l <"$answers") answers for $(wc -l <"$stream") deliveries"
# the status each kind of delivery must get
wrong=$(awk '{ want = ($2 == "forged" || $2 == "stale") ? 401 : 200; if ($3 != want) print }' "$answers" | head -5)
[ -z "$wrong" ] || fail "wrong statuses (line kind status): $wrong"

# stored: every event once, each delivery counted, the bad ones quarantined
expected_events=$(awk -F'\t' '$1 == "event"' "$stream" | wc -l)
expected_deliveries=$(awk -F'\t' '$1 == "event" || $1 == "duplicate"' "$stream" | wc -l)
got=$(sql "$db" -c "SELECT count(*) || ' ' || sum(delivery_count) FROM chekt.events")
[ "$got" = "$expected_events $expected_deliveries" ] || fail "events: got '$got', want '$expected_events $expected_deliveries'"
expected_rejected=$(awk -F'\t' '$1 != "event" && $1 != "duplicate"' "$stream" | wc -l)
got=$(sql "$db" -c "SELECT count(*) FROM chekt.rejected")
[ "$got" = "$expected_rejected" ] || fail "quarantined: got $got, want $expected_rejected"
got=$(sql "$db" -c "SELECT count(DISTINCT event_type) FROM chekt.events")
[ "$got" = 11 ] || fail "$got event types stored, not 11"

# group commit: far fewer transactions than requests
metrics=$(curl -s "$RECEIVER_URL/metrics")
batches=$(sed -n 's/^chekt_ingest_batch_size_count //p' <<<"$metrics")
rows=$(sed -n 's/^chekt_ingest_batch_size_sum //p' <<<"$metrics")
[ "$rows" = "$(wc -l <"$stream")" ] || fail "metrics count $rows deliveries"
[ "$batches" -le $((rows / 5)) ] || fail "$rows deliveries took $batches transactions: no group commit"
echo "$rows deliveries over 500 connections in $batches transactions"

stop_receiver
[ "$RECEIVER_STATUS" = 0 ] || fail "exit status $RECEIVER_STATUS"
