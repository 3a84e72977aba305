#!/usr/bin/env bash
# A backend's memory stays flat over a million deliveries: four COPYs of
# 250,000 realistic deliveries (bench/ingest/generate.sql) into chekt_private.inbox
# in one session, plus a COPY that fails midway, measuring the session's
# memory contexts after each.  A leak of even a few bytes per delivery (a
# jansson or OpenSSL allocation outside a reset context, say) shows here.
. "$(dirname "$0")/../lib/common.sh"

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; drop_test_databases' EXIT
fresh_db chekt_memory
sql chekt_memory -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d chekt_memory -v n=250000 -v out="$work/deliveries.csv" \
  -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
rows=$(wc -l <"$work/deliveries.csv")
# a file that breaks at its last line, after most rows were ingested
{ cat "$work/deliveries.csv"; echo 'bench-app,not a timestamp,1,sig,{}'; } >"$work/broken.csv"

used='SELECT sum(total_bytes) FROM pg_backend_memory_contexts;'
copy="\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)"
broken="\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/broken.csv' WITH (FORMAT csv)"
psql -X -q -At -d chekt_memory >"$work/memory.txt" 2>"$work/errors.txt" <<SQL
$copy
$used
$copy
$used
$broken
$used
$copy
$used
$copy
$used
SQL
cat "$work/memory.txt"
grep -q 'invalid input syntax for type timestamp with time zone' "$work/errors.txt" ||
  fail "the broken COPY did not fail as planned: $(cat "$work/errors.txt")"
[ "$(wc -l <"$work/memory.txt")" -eq 5 ] || fail "expected 5 measurements"

# after the first round (which loads the library, catalog and caches), the
# session may not grow by more than 1 MB over 750,000 more deliveries
first=$(sed -n 1p "$work/memory.txt")
peak=$(sort -n "$work/memory.txt" | tail -1)
growth=$((peak - first))
echo "$((rows * 4)) deliveries: session memory $first bytes after the first 250k, peak $peak (+$growth)"
[ "$growth" -lt $((1024 * 1024)) ] || fail "session memory grew by $growth bytes"
events=$(sql chekt_memory -c 'SELECT sum(delivery_count) FROM chekt_private.events')
[ "$events" -gt $((rows * 3)) ] || fail "only $events deliveries counted"
