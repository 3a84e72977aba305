#!/usr/bin/env bash
# Anyone who can reach the endpoint cannot fill the disk: 1,000 POSTs of
# 256 KiB to apps that do not exist, with junk X-CHeKT-* headers, are all
# answered 401 and grow chekt_private.rejected by at most 1,000 x (8 KiB + row
# overhead); chekt-ingest's /metrics counts them, and purge_rejected()
# removes them.  Seen on 0.4.0: 100 such POSTs grew chekt_private.rejected from
# 88 kB to 26 MB in 1.5 s.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_flood
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'centre-secret')" >/dev/null
feeder_role "$db" chekt_flood_feeder
work=$(mktemp -d)
trap 'rm -rf "$work"; receiver_cleanup' EXIT

requests=1000
body_bytes=$((256 * 1024))
head -c $((body_bytes * 3 / 4)) /dev/urandom | base64 -w0 | head -c "$body_bytes" >"$work/body"
[ "$(stat -c %s "$work/body")" -eq "$body_bytes" ] || fail "could not make a body of $body_bytes bytes"
junk=$(head -c 3000 /dev/urandom | base64 -w0)

start_receiver "$db" --db "dbname=$db user=chekt_flood_feeder"
size() { sql "$db" -c "VACUUM chekt_private.rejected" -c "SELECT pg_total_relation_size('chekt_private.rejected')"; }
before=$(size)

# 8 clients at once, each request its own app name, signature and junk
seq "$requests" | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
  "$RECEIVER_URL/webhooks/no-such-app-{}" \
  -H "X-CHeKT-Timestamp: 1" -H "X-CHeKT-Signature: sha256=$junk" \
  -H "X-CHeKT-Junk-1: $junk" -H "X-CHeKT-Junk-2: $junk" -H "X-CHeKT-Junk-3: $junk" \
  --data-binary @"$work/body" >"$work/codes"
got=$(sort "$work/codes" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
[ "$got" = "401:$requests " ] || fail "answers: $got"

after=$(size)
per_row_overhead=2048
limit=$((requests * (8192 + per_row_overhead)))
growth=$((after - before))
echo "chekt_private.rejected grew by $growth bytes for $requests requests of $body_bytes bytes (limit $limit)"
[ "$growth" -le "$limit" ] || fail "chekt_private.rejected grew by $growth bytes, over $limit"
got=$(sql "$db" -c "SELECT count(*), count(*) FILTER (WHERE truncated AND body_length = $body_bytes
                                                        AND octet_length(body) = 8192 AND headers IS NULL
                                                        AND octet_length(signature) = 256
                                                        -- the receiver gives no receipt time of its own:
                                                        -- nothing was ignored, nothing to explain
                                                        AND detail NOT LIKE '%may not backfill%')
                      FROM chekt_private.rejected")
[ "$got" = "$requests|$requests" ] || fail "rows, rows kept in part: $got"

metrics=$(curl -s "$RECEIVER_URL/metrics")
grep -qx "chekt_ingest_unauthenticated_requests_total $requests" <<<"$metrics" ||
  fail "/metrics: $(grep unauthenticated <<<"$metrics")"
grep -qx "chekt_ingest_unauthenticated_body_bytes_total $((requests * body_bytes))" <<<"$metrics" ||
  fail "/metrics: $(grep unauthenticated <<<"$metrics")"

# purge_rejected() removes them (here: all refused more than 0 s ago)
got=$(sql "$db" -c "SELECT chekt.purge_rejected('0 seconds', 'unknown_app')")
[ "$got" = "$requests" ] || fail "purge_rejected removed $got"
[ "$(sql "$db" -c 'SELECT count(*) FROM chekt_private.rejected')" = 0 ] || fail "rows left after the purge"
echo "1,000 unauthenticated 256 KiB POSTs cost $((growth / requests)) bytes each; purged"
