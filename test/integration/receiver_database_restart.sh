#!/usr/bin/env bash
# The database dies mid-stream (pg_ctl stop -m immediate) and comes back:
# requests meanwhile get 503 with Retry-After, chekt-ingest reconnects by
# itself, every delivery that got a 2xx is in the database exactly once,
# and the 503s, sent again as CHeKT would, are all stored.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

# a cluster of its own, to kill
cluster=$(mktemp -d /tmp/chekt-restart-cluster.XXXXXX)
stream=$(mktemp)
answers=$(mktemp)
cleanup() {
  receiver_cleanup
  bash scripts/pg-cluster.sh stop "$cluster" immediate >/dev/null 2>&1 || true
  rm -rf "$cluster" "$stream" "$answers" "$answers.again"
}
trap cleanup EXIT
bash scripts/pg-cluster.sh start "$cluster" fsync=off >/dev/null
eval "$(bash scripts/pg-cluster.sh env "$cluster")"
TEST_DATABASES=()
sql postgres -c 'CREATE DATABASE chekt_restart' >/dev/null
sql chekt_restart -c 'CREATE EXTENSION chekt_events' -c "SELECT chekt.add_secret('centre', 'restart-secret')" >/dev/null
generate_stream chekt_restart centre restart-secret 1500 rs "$stream"

start_receiver chekt_restart --retry-after 3
bash scripts/post-stream.sh "$RECEIVER_URL/webhooks/centre" "$stream" 4 >"$answers" &
sender=$!
# let part of the stream through, then kill the server
for i in $(seq 400); do
  [ "$(sql chekt_restart -c 'SELECT count(*) FROM chekt_private.events')" -ge 1500 ] && break
  sleep 0.05
done
bash scripts/pg-cluster.sh stop "$cluster" immediate
sleep 0.5
down=$(curl -s -o /dev/null -w '%{http_code} %header{retry-after}' -X POST "$RECEIVER_URL/webhooks/centre" \
         -H 'X-CHeKT-Timestamp: 1' -H 'X-CHeKT-Signature: x' -d '{}')
[ "$down" = "503 3" ] || fail "while the database is down: '$down', want '503 3'"
health=$(curl -s -o /dev/null -w '%{http_code}' "$RECEIVER_URL/healthz")
[ "$health" = 503 ] || fail "/healthz while the database is down: $health"
sleep 1
bash scripts/pg-cluster.sh start "$cluster" fsync=off
wait "$sender"

# back by itself: /healthz 200 five times in a row (probes go to either
# writer, and each reconnects on its own back-off)
in_a_row=0
for i in $(seq 200); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$RECEIVER_URL/healthz")" = 200 ]; then
    in_a_row=$((in_a_row + 1))
    [ "$in_a_row" -ge 5 ] && break
  else
    in_a_row=0
  fi
  sleep 0.1
done
[ "$in_a_row" -ge 5 ] || fail "no recovery: /healthz is not 200 five times in a row"

[ "$(wc -l <"$answers")" -eq "$(wc -l <"$stream")" ] || fail "$(wc -l <"$answers") answers for $(wc -l <"$stream") deliveries"
n503=$(awk '$3 == 503' "$answers" | wc -l)
n2xx=$(awk '$3 ~ /^2/' "$answers" | wc -l)
[ "$n503" -gt 0 ] || fail "no request got 503: the database was not down mid-stream"
other=$(awk '$3 != 503 && $3 != 200 && $3 != 401' "$answers" | head -3)
[ -z "$other" ] || fail "unexpected answers: $other"
echo "first pass: $n2xx got 2xx, $n503 got 503"

# every acknowledged event is stored, once
ids_of() {  # the event ids of the stream lines named on stdin
  awk 'NR == FNR { want[$1] = 1; next } (FNR in want) { if (match($4, /"id":"[^"]*"/)) print substr($4, RSTART + 6, RLENGTH - 7) }' - FS='\t' "$stream"
}
acked=$(awk '$3 ~ /^2/ && ($2 == "event" || $2 == "duplicate") { print $1 }' "$answers" | ids_of | sort -u)
missing=$(sql chekt_restart -v ids="$(tr '\n' ' ' <<<"$acked")" <<'SQL'
SELECT count(*) FILTER (WHERE e.event_id IS NULL) || ' ' || count(*)
  FROM unnest(string_to_array(trim(:'ids'), ' ')) AS a (id)
  LEFT JOIN chekt_private.events e ON e.event_id = a.id;
SQL
)
[ "$missing" = "0 $(wc -l <<<"$acked")" ] || fail "acknowledged but not stored (missing, acknowledged): $missing"

# CHeKT retries what got 503: then everything is there, each event once
awk '$3 == 503 { print $1 }' "$answers" | awk 'NR == FNR { want[$1] = 1; next } FNR in want' - "$stream" >"$answers.again.tsv"
bash scripts/post-stream.sh "$RECEIVER_URL/webhooks/centre" "$answers.again.tsv" 4 >"$answers.again"
rm -f "$answers.again.tsv"
bad=$(awk '$3 != 200 && $3 != 401' "$answers.again" | head -3)
[ -z "$bad" ] || fail "retries still refused: $bad"
expected_events=$(awk -F'\t' '$1 == "event"' "$stream" | wc -l)
got=$(sql chekt_restart -c "SELECT count(*) FROM chekt_private.events")
[ "$got" = "$expected_events" ] || fail "after the retries $got events, want $expected_events"

reconnects=$(curl -s "$RECEIVER_URL/metrics" | sed -n 's/^chekt_ingest_reconnects_total //p')
[ "$reconnects" -ge 1 ] || fail "no reconnect counted"
grep -q 'connected to the database again' "$RECEIVER_LOG" || fail "the log does not say it reconnected"
stop_receiver
[ "$RECEIVER_STATUS" = 0 ] || fail "exit status $RECEIVER_STATUS"

# a backfill (--replay) waits out a restart: killed mid-replay, the
# database comes back within --patience, and every line is stored
generate_stream chekt_restart centre restart-secret 1500 rb "$answers.tsv" "$stream"
# (small batches that wait 20 ms to fill: the replay takes seconds)
"$RECEIVER" --replay "$stream" --batch-max 50 --batch-delay-us 20000 --writers 1 --patience 30 --db dbname=chekt_restart \
  >"$answers" 2>>"$RECEIVER_LOG" &
replay=$!
for i in $(seq 400); do
  [ "$(sql chekt_restart -c "SELECT count(*) FROM chekt_private.events WHERE event_id LIKE 'evt_rb_%'")" -ge 1000 ] && break
  sleep 0.05
done
kill -0 "$replay" 2>/dev/null || fail "the replay ended before the database was killed"
bash scripts/pg-cluster.sh stop "$cluster" immediate
sleep 1
bash scripts/pg-cluster.sh start "$cluster" fsync=off
status=0
wait "$replay" || status=$?
[ "$status" = 0 ] || fail "replay across a restart exited $status: $(cat "$answers")"
grep -q "^replayed $(wc -l <"$stream") deliveries:" "$answers" || fail "replay summary: $(cat "$answers")"
got=$(sql chekt_restart -c "SELECT count(*) FROM chekt_private.events WHERE event_id LIKE 'evt_rb_%'")
want=$(awk -F'\t' '$1 == "event"' "$answers.tsv" | wc -l)
rm -f "$answers.tsv"
[ "$got" = "$want" ] || fail "after the replay $got events of the replay, want $want"
