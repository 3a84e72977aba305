#!/usr/bin/env bash
# chekt-ingest --replay loads captured deliveries (JSON lines) through the
# same COPY path: outcomes as over HTTP, received_at as captured (so old
# captures still pass the replay window), bodies that are not UTF-8 kept
# byte for byte, unreadable lines reported by number, the exit status
# saying whether everything was stored; - reads standard input.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_replay
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'replay-secret')" >/dev/null
stream=$(mktemp)
capture=$(mktemp)
out=$(mktemp)
trap 'rm -f "$stream" "$capture" "$out"; receiver_cleanup' EXIT
generate_stream "$db" centre replay-secret 150 rp "$stream" "$capture"

"$RECEIVER" --replay "$capture" --db "dbname=$db" >"$out" 2>>"$RECEIVER_LOG" || fail "replay failed: $(cat "$out")"
events=$(awk -F'\t' '$1 == "event"' "$stream" | wc -l)
duplicates=$(awk -F'\t' '$1 == "duplicate"' "$stream" | wc -l)
summary=$(cat "$out")
for part in "replayed $(wc -l <"$stream") deliveries:" " $events accepted" " $duplicates duplicate"; do
  grep -qF -- "$part" <<<"$summary" || fail "summary '$summary' lacks '$part'"
done
got=$(sql "$db" -c "SELECT count(*) || ' ' || sum(delivery_count) FROM chekt_private.events")
[ "$got" = "$events $((events + duplicates))" ] || fail "stored: $got"

# a capture from last year still passes: the window is measured from its
# received_at; a non-UTF-8 body (body_base64) is kept byte for byte; a bad
# line is named and the rest still loads
old_ts=1764000000   # 2025-11-24
old_body='{"id":"rp-old","type":"device.online","created_at":"2025-11-24T16:00:00Z","data":{"device_id":"d-9","site_id":"s-9"}}'
old_sig=$(sql "$db" -v ts="$old_ts" -v b="$old_body" <<<"SELECT chekt.sign('replay-secret', :'ts', :'b')")
raw_b64=$(printf '{"id":"rp-raw",\xff\x00}' | base64 -w0)
raw_sig=$( { printf '%s.' "$old_ts"; printf '{"id":"rp-raw",\xff\x00}'; } | openssl_hmac_hex "$(to_hex replay-secret)")
{
  printf '{"app":"centre","received_at":"2025-11-24T16:00:03Z","timestamp":"%s","signature":"%s","body":%s,"headers":{"x-chekt-source":"capture"}}\n' \
    "$old_ts" "$old_sig" "$(sql "$db" -v b="$old_body" <<<"SELECT to_json(:'b'::text)")"
  echo 'this is not json'
  printf '{"app":"centre","received_at":"2025-11-24T16:00:04Z","timestamp":"%s","signature":"%s","body_base64":"%s"}\n' \
    "$old_ts" "$raw_sig" "$raw_b64"
  echo '{"app":"centre","timestamp":"1","signature":"x","body":"{}"}'
} | "$RECEIVER" --replay - --db "dbname=$db" >"$out" 2>"$RECEIVER_LOG.err" && fail "replay with bad lines exited 0"
grep -q ' -:2: not a captured delivery (not a JSON object)' "$RECEIVER_LOG.err" || fail "line 2 not named: $(cat "$RECEIVER_LOG.err")"
grep -q ' -:4: not a captured delivery (received_at)' "$RECEIVER_LOG.err" || fail "line 4 not named: $(cat "$RECEIVER_LOG.err")"
rm -f "$RECEIVER_LOG.err"
grep -qF 'replayed 2 deliveries: 1 accepted, 1 malformed_json' "$out" || fail "summary: $(cat "$out")"
grep -qF '2 lines could not be read' "$out" || fail "summary: $(cat "$out")"
got=$(sql "$db" -c "SELECT (received_at = '2025-11-24T16:00:03Z') || ' ' || headers::text FROM chekt_private.events WHERE event_id = 'rp-old'")
[ "$got" = 'true {"x-chekt-source": "capture"}' ] || fail "the old capture: '$got'"
got=$(sql "$db" -c "SELECT encode(body_bytes, 'base64') FROM chekt_private.rejected WHERE body IS NULL")
[ "$got" = "$raw_b64" ] || fail "raw body kept as '$got', not '$raw_b64'"

# The right to say when a delivery was received is the backfill right: a
# role that may only feed (the README's chekt_ingest) replaying a capture
# from last year gets it judged now (stale_signature, saying why); once
# given chekt.grant_backfill() it replays it as captured
feeder_role "$db" chekt_replay_feeder
year_old() {
  printf '{"app":"centre","received_at":"2025-11-24T16:00:03Z","timestamp":"%s","signature":"%s","body":%s}\n' \
    "$old_ts" "$(sql "$db" -v ts="$old_ts" -v b="$1" <<<"SELECT chekt.sign('replay-secret', :'ts', :'b')")" \
    "$(sql "$db" -v b="$1" <<<"SELECT to_json(:'b'::text)")"
}
body_1='{"id":"rp-old-1","type":"device.offline","created_at":"2025-11-24T16:00:00Z","data":{"device_id":"d-9"}}'
year_old "$body_1" | "$RECEIVER" --replay - --db "dbname=$db user=chekt_replay_feeder" >"$out" 2>>"$RECEIVER_LOG" ||
  fail "a feeder's replay of a year-old capture: $(cat "$out")"
grep -qF 'replayed 1 deliveries: 1 stale_signature' "$out" || fail "a feeder's replay: $(cat "$out")"
got=$(sql "$db" -c "SELECT count(*) FROM chekt_private.rejected WHERE reason = 'stale_signature' AND body LIKE '%rp-old-1%'
                      AND detail LIKE '%role \"chekt_replay_feeder\" may not backfill (chekt.grant_backfill())%'")
[ "$got" = 1 ] || fail "the stale delivery does not say why: $(sql "$db" -c "SELECT detail FROM chekt_private.rejected WHERE body LIKE '%rp-old-1%'")"
sql "$db" -c "SELECT chekt.grant_backfill('chekt_replay_feeder')" >/dev/null
year_old "$body_1" | "$RECEIVER" --replay - --db "dbname=$db user=chekt_replay_feeder" >"$out" 2>>"$RECEIVER_LOG" ||
  fail "a backfill role's replay: $(cat "$out")"
grep -qF 'replayed 1 deliveries: 1 accepted' "$out" || fail "a backfill role's replay: $(cat "$out")"
got=$(sql "$db" -c "SELECT received_at = '2025-11-24T16:00:03Z' FROM chekt_private.events WHERE event_id = 'rp-old-1'")
[ "$got" = t ] || fail "the backfill role's delivery was not received as captured"
sql "$db" -c "SELECT chekt.revoke_backfill('chekt_replay_feeder')" >/dev/null

# mangled capture lines (cut short, bytes changed, doubled, base64 broken,
# random bytes): each is refused or stored, never a crash, and the counts
# add up
awk 'BEGIN { srand(5) }
     {
       n = length($0); r = rand()
       if (r < 0.2) print substr($0, 1, int(rand() * n))
       else if (r < 0.4) { p = int(rand() * n) + 1; print substr($0, 1, p - 1) sprintf("%c", 32 + int(rand() * 95)) substr($0, p + 1) }
       else if (r < 0.5) print $0 $0
       else if (r < 0.6) { sub(/"body":/, "\"body_base64\":\"@@@\",\"x\":"); print }
       else if (r < 0.7) print "{\"app\":\"centre\",\"received_at\":\"2026-01-01T00:00:00Z\",\"body_base64\":\"" substr("QUJDRA==////+++=", 1, int(rand() * 16)) "\"}"
       else print
     }' "$capture" >"$out.fuzz"
head -c 20000 /dev/urandom | base64 -w 97 >>"$out.fuzz"
printf '\x00\xff\xfe{"app":\x00}\n' >>"$out.fuzz"
status=0
"$RECEIVER" --replay "$out.fuzz" --db "dbname=$db" >"$out" 2>/dev/null || status=$?
rm -f "$out.fuzz"
[ "$status" -le 1 ] || fail "replay of mangled lines exited $status"
grep -q '^replayed [0-9]* deliveries' "$out" || fail "no summary for mangled lines: $(cat "$out")"

# a database that is not there: nothing stored, said, exit 1, and the
# replay stops reading rather than fail line after line
"$RECEIVER" --replay "$capture" --patience 1 --batch-max 10 --db "dbname=chekt_no_such_db" >"$out" 2>"$RECEIVER_LOG.err" &&
  fail "replay into a missing database exited 0"
grep -q 'deliveries were not stored (last error: .*database "chekt_no_such_db" does not exist' "$out" || fail "summary: $(cat "$out")"
grep -q '^stopped at line [0-9]* of ' "$out" || fail "summary: $(cat "$out")"
grep -q 'stopped reading: the database did not store a batch' "$RECEIVER_LOG.err" || fail "log: $(cat "$RECEIVER_LOG.err")"
rm -f "$RECEIVER_LOG.err"

exit 0
