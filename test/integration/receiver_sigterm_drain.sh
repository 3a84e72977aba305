#!/usr/bin/env bash
# SIGTERM while requests are in flight: chekt-ingest stops accepting,
# commits what it holds, answers every request with its outcome, and exits
# 0; what it acknowledged is stored.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_drain
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'drain-secret')" >/dev/null
stream=$(mktemp)
answers=$(mktemp)
trap 'rm -f "$stream" "$answers" "$stream.head"; receiver_cleanup' EXIT
generate_stream "$db" centre drain-secret 20 dr "$stream"
head -60 "$stream" >"$stream.head"

# batches wait up to 3 s to fill: the requests are held when SIGTERM comes
start_receiver "$db" --batch-delay-us 3000000 --batch-max 1000 --writers 1
bash scripts/post-stream.sh "$RECEIVER_URL/webhooks/centre" "$stream.head" 60 >"$answers" &
sender=$!
for i in $(seq 100); do
  held=$(curl -s "$RECEIVER_URL/metrics" | sed -n 's/^chekt_ingest_queued_deliveries //p')
  [ "${held:-0}" -ge 60 ] && break
  sleep 0.05
done
[ "${held:-0}" -ge 60 ] || fail "only ${held:-0} of 60 deliveries queued"
[ "$(sql "$db" -c 'SELECT count(*) FROM chekt_private.events')" = 0 ] || fail "stored before the batch was due"

stop_receiver
[ "$RECEIVER_STATUS" = 0 ] || fail "exit status $RECEIVER_STATUS after SIGTERM"
wait "$sender"
grep -q 'SIGTERM: no new connections' "$RECEIVER_LOG" || fail "the log does not say it drains"
grep -q 'stopped' "$RECEIVER_LOG" || fail "the log does not say it stopped"

[ "$(wc -l <"$answers")" -eq 60 ] || fail "$(wc -l <"$answers") answers for 60 requests"
wrong=$(awk '{ want = ($2 == "forged" || $2 == "stale") ? 401 : 200; if ($3 != want) print }' "$answers" | head -5)
[ -z "$wrong" ] || fail "wrong answers during the drain: $wrong"
expected=$(awk -F'\t' '($1 == "event" || $1 == "duplicate") && match($4, /"id":"[^"]*"/) { print substr($4, RSTART, RLENGTH) }' "$stream.head" | sort -u | wc -l)
got=$(sql "$db" -c 'SELECT count(*) FROM chekt_private.events')
[ "$got" = "$expected" ] || fail "$got events stored, want $expected"
# and nothing listens any more
(exec 3<>"/dev/tcp/127.0.0.1/${RECEIVER_URL##*:}") 2>/dev/null && fail "still listening after exit"
exit 0
