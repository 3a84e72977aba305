#!/usr/bin/env bash
# pg_dump and pg_restore keep the monthly partitions (0.9.0): the restored
# database holds the same months with the same bounds, indexes, grants and
# row level security, none of them a member of the extension (a member's
# rows would be lost), every row of the seven tables and of
# chekt_private.event_ids (and how far it is complete), the quarantine,
# the storage policy, and the alarms' first events (0.13.0: the
# lifecycles answer the same).  It then
# works as the source did: a redelivery of a stored event is a duplicate
# (its month found by key and by chekt_private.event_ids), an event of a
# month not yet made makes it, and chekt.drop_events_before() drops a
# restored month.
#
# Seen on 0.9.0: the restore failed on every month ("multiple primary keys
# for table alarm_events_p202601 are not allowed", and "relation ... already
# exists" for each index), because attaching a month to the extension's
# table, which had partitioned indexes, already gave it the key and indexes
# the dump then added.  Since 0.10.0 the tables have none; each month has
# its own.
. "$(dirname "$0")/../lib/common.sh"

dump=$(mktemp)
cleanup() {
  rm -f "$dump"
  drop_test_databases
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -d postgres -c 'DROP ROLE IF EXISTS chekt_months_analyst' 2>/dev/null || true
}
trap cleanup EXIT

PGOPTIONS='-c client_min_messages=warning' psql -X -q -d postgres -c 'DROP ROLE IF EXISTS chekt_months_analyst'
fresh_db chekt_months_source
sql chekt_months_source >/dev/null <<'SQL'
SET TimeZone = 'UTC';
SELECT chekt.add_secret('months-app', 'months-secret');
SELECT chekt.set_storage_policy('id_window', '30 days');
SELECT chekt.set_storage_policy('max_future', '2 days');
CREATE ROLE chekt_months_analyst;
SELECT chekt.grant_analyst('chekt_months_analyst', ARRAY['months-app']);
-- 300 alarms and their acknowledgements over January to March 2026, one
-- delivered twice, one created a week after its receipt (out_of_range)
CREATE TEMP TABLE d AS
SELECT n, t, format('{"id":"evt_%s","type":"%s","created_at":"%s","data":%s}', n, type,
                    to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), data) AS body
  FROM generate_series(1, 300) AS n,
       LATERAL (SELECT timestamptz '2026-01-01' + n * interval '7 hours' AS t) AS c,
       LATERAL (VALUES ('alarm.created', format('{"alarm_id":"A-%s","site_id":"S-%s"}', n / 2, n % 7)),
                       ('alarm.acknowledged', format('{"alarm_id":"A-%s","operator_id":"op_1"}', n / 2)))
         AS k (type, data)
 WHERE (n % 2 = 0) = (type = 'alarm.created');
SELECT chekt.ingest('months-app', extract(epoch FROM t)::bigint::text,
                    'sha256=' || chekt.sign('months-secret', extract(epoch FROM t)::bigint::text, body), body, t)
  FROM d ORDER BY n;
SELECT chekt.ingest('months-app', extract(epoch FROM t)::bigint::text,
                    'sha256=' || chekt.sign('months-secret', extract(epoch FROM t)::bigint::text, body), body, t)
  FROM d WHERE n = 100;
SELECT chekt.ingest('months-app', '1772323200',
                    'sha256=' || chekt.sign('months-secret', '1772323200', b), b, timestamptz '2026-03-01')
  FROM (VALUES ('{"id":"evt_future","type":"alarm.created","created_at":"2026-03-08T00:00:00Z","data":{"alarm_id":"A-f","site_id":"S-1"}}')) AS v (b);
-- January's ids trimmed, as chekt.maintain() trims them: recorded in
-- chekt_private.event_ids_trimmed, which the dump must keep (0.11.0)
DELETE FROM chekt_private.event_ids WHERE created_at < '2026-02-01';
SQL

# The partitions as a user would compare them: name, bounds, indexes,
# owner, grants, row level security, membership of the extension
catalog='SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), pg_get_userbyid(c.relowner), c.relacl::text,
                c.relrowsecurity, c.relforcerowsecurity,
                (SELECT string_agg(pg_get_indexdef(i.indexrelid), '"'"'; '"'"' ORDER BY i.indexrelid::regclass::text) FROM pg_index i WHERE i.indrelid = c.oid),
                EXISTS (SELECT FROM pg_depend d WHERE d.classid = '"'"'pg_class'"'"'::regclass AND d.objid = c.oid AND d.deptype = '"'"'e'"'"')
           FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
          WHERE h.inhparent::regclass::text LIKE '"'"'chekt%'"'"'
          ORDER BY c.relname'
rows='SELECT (SELECT count(*) || '"'"' '"'"' || sum(delivery_count) FROM chekt_private.events),
             (SELECT count(*) FROM chekt.alarm_events), (SELECT count(*) FROM chekt_private.event_ids),
             (SELECT string_agg(reason, '"'"','"'"' ORDER BY reason) FROM chekt_private.rejected),
             (SELECT string_agg(setting || '"'"'='"'"'|| value, '"'"','"'"' ORDER BY setting) FROM chekt_private.storage_policy),
             (SELECT max(latest_created_at) AT TIME ZONE '"'"'UTC'"'"' FROM chekt_private.event_ids_trimmed),
             (SELECT count(*) FROM chekt.alarm_trail), (SELECT count(*) FROM chekt.alarm_lifecycle)'

before_catalog=$(sql chekt_months_source -c "$catalog")
before_rows=$(sql chekt_months_source -c "$rows")
[ "$(sql chekt_months_source -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'chekt_private.events'::regclass")" = 3 ] ||
  fail "the source does not have the three months it was given"
[ "$before_rows" = "300 301|300|194|out_of_range|id_window=30 days,max_future=2 days|2026-01-31 22:00:00|300|151" ] ||
  fail "the source holds something else than it was given: $before_rows"

pg_dump -Fc chekt_months_source >"$dump"
PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists chekt_months_restored
createdb chekt_months_restored
TEST_DATABASES+=(chekt_months_restored)
pg_restore --exit-on-error -d chekt_months_restored "$dump" 2>"$dump.err" ||
  fail "pg_restore failed: $(cat "$dump.err")"
rm -f "$dump.err"

after_catalog=$(sql chekt_months_restored -c "$catalog")
after_rows=$(sql chekt_months_restored -c "$rows")
[ "$before_catalog" = "$after_catalog" ] ||
  fail "the restored partitions differ: $(diff <(echo "$before_catalog") <(echo "$after_catalog"))"
[ "$before_rows" = "$after_rows" ] || fail "the restored rows differ: $before_rows / $after_rows"

# a plain-format dump through psql, stopping at the first error, alike
PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists chekt_months_plain
createdb chekt_months_plain
TEST_DATABASES+=(chekt_months_plain)
pg_dump chekt_months_source >"$dump"
psql -X -q -v ON_ERROR_STOP=1 -d chekt_months_plain -f "$dump" >/dev/null 2>"$dump.err" ||
  fail "restoring the plain dump failed: $(cat "$dump.err")"
rm -f "$dump.err"
[ "$(sql chekt_months_plain -c "$catalog")" = "$before_catalog" ] || fail "the plain dump's partitions differ"
[ "$(sql chekt_months_plain -c "$rows")" = "$before_rows" ] || fail "the plain dump's rows differ"

# the restored database at work
outcomes=$(sql chekt_months_restored <<'SQL'
SET TimeZone = 'UTC';
-- evt_10 again (January), evt_300 again (March, in chekt_private.event_ids), a
-- new event in April (no month yet)
SELECT string_agg(chekt.ingest('months-app', extract(epoch FROM t)::bigint::text,
                               'sha256=' || chekt.sign('months-secret', extract(epoch FROM t)::bigint::text, b), b, t),
                  ' ' ORDER BY k)
  FROM (VALUES (1, timestamptz '2026-01-03 22:00:00+00',
                '{"id":"evt_10","type":"alarm.created","created_at":"2026-01-03T22:00:00Z","data":{"alarm_id":"A-5","site_id":"S-3"}}'),
               (2, timestamptz '2026-03-30 12:00:00+00',
                '{"id":"evt_300","type":"alarm.created","created_at":"2026-03-29T12:00:00Z","data":{"alarm_id":"A-150","site_id":"S-6"}}'),
               (3, timestamptz '2026-04-02 00:00:00+00',
                '{"id":"evt_new","type":"alarm.created","created_at":"2026-04-02T00:00:00Z","data":{"alarm_id":"A-n","site_id":"S-1"}}'))
         AS v (k, t, b);
SQL
)
[ "$outcomes" = "duplicate duplicate accepted" ] || fail "the restored database answered $outcomes to duplicate duplicate accepted"
counted=$(sql chekt_months_restored -c "SELECT string_agg(event_id || '=' || delivery_count, ' ' ORDER BY event_id)
                                          FROM chekt_private.events WHERE event_id IN ('evt_10', 'evt_300', 'evt_new')")
[ "$counted" = "evt_10=2 evt_300=2 evt_new=1" ] || fail "the restored database counted $counted"
april=$(sql chekt_months_restored -c "SELECT count(*) FROM pg_class WHERE relname LIKE '%\_p202604'")
[ "$april" = 7 ] || fail "April was made in $april tables, not 7"
dropped=$(sql chekt_months_restored -c "SELECT chekt.drop_events_before('2026-02-01')")
left=$(sql chekt_months_restored -c "SELECT count(*) FROM chekt_private.events WHERE created_at < '2026-02-01'")
[ "$dropped" = 1 ] && [ "$left" = 0 ] || fail "drop_events_before() dropped $dropped months and left $left January events"
echo "restored with --exit-on-error (and plain through psql with ON_ERROR_STOP): $(echo "$after_catalog" | wc -l) partitions as they were, rows $after_rows; then $outcomes, April made, January dropped"
