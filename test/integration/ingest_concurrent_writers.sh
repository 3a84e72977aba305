#!/usr/bin/env bash
# Two sessions COPY the same 60,000 deliveries into chekt_private.inbox at the same
# time (CHeKT's retries reaching two receivers, or a backfill racing the
# live feed), and a third sends other bodies under the first 2,000 ids.
# Their batches collide on event ids, which sends the losing batches through
# the fallback path (subtransaction rolled back, then INSERT ... ON
# CONFLICT).  Whichever body wins an id, afterwards every event is stored
# once and in its family table once, and every delivery is either counted
# on its event or quarantined as id_conflict; nothing else is refused and no
# session fails.
. "$(dirname "$0")/../lib/common.sh"

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fresh_db chekt_race
sql chekt_race <<'SQL' >/dev/null
SELECT chekt.add_secret('race-app', 'race-secret');
SET TimeZone = 'UTC';
CREATE TABLE race_delivery AS
SELECT n, format('{"id":"evt_%s","type":"alarm.created","created_at":"2026-05-26T10:00:00Z","data":{"alarm_id":"A-%s","site_id":"S-%s"}}',
                 n, n, n % 50) AS body
  FROM generate_series(1, 60000) AS n;
SQL
sql chekt_race -c "\\copy (SELECT 'race-app', '2026-05-26 10:00:05+00', '1779789605', 'sha256=' || chekt.sign('race-secret', '1779789605', body), body FROM race_delivery ORDER BY n) TO '$work/deliveries.csv' WITH (FORMAT csv)"

sql chekt_race -c "\\copy (SELECT 'race-app', '2026-05-26 10:00:05+00', '1779789605', 'sha256=' || chekt.sign('race-secret', '1779789605', b), b FROM (SELECT n, replace(body, '\"site_id\"', '\"note\":\"other\",\"site_id\"') AS b FROM race_delivery WHERE n <= 2000) AS o ORDER BY n) TO '$work/others.csv' WITH (FORMAT csv)"

copy() { echo "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/$1' WITH (FORMAT csv)"; }
sql chekt_race -c "$(copy deliveries.csv)" >"$work/a.log" 2>&1 &
a=$!
sql chekt_race -c "$(copy deliveries.csv)" >"$work/b.log" 2>&1 &
b=$!
sql chekt_race -c "$(copy others.csv)" >"$work/c.log" 2>&1 &
c=$!
wait $a || { cat "$work/a.log"; fail "the first session failed"; }
wait $b || { cat "$work/b.log"; fail "the second session failed"; }
wait $c || { cat "$work/c.log"; fail "the third session failed"; }

result=$(sql chekt_race <<'SQL'
SELECT concat_ws(' ',
  (SELECT count(*) FROM chekt_private.events),
  (SELECT sum(delivery_count) FROM chekt_private.events)
    + (SELECT count(*) FROM chekt_private.rejected WHERE reason = 'id_conflict'),
  (SELECT count(*) FROM chekt.alarm_events),
  (SELECT count(DISTINCT event_id) FROM chekt.alarm_events),
  (SELECT count(*) FROM chekt_private.rejected WHERE reason <> 'id_conflict'),
  (SELECT count(*) FROM chekt_private.events WHERE substr(event_id, 5)::int > 2000 AND delivery_count <> 2));
SQL
)
echo "events, deliveries accounted, family rows, distinct, other refusals, miscounted: $result"
[ "$result" = "60000 122000 60000 60000 0 0" ] || fail "three racing writers left: $result"
conflicts=$(sql chekt_race -c "SELECT count(*) FROM chekt_private.rejected")
echo "$conflicts deliveries lost an id to another body and were quarantined as id_conflict"
