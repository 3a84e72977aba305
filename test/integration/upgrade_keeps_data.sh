#!/usr/bin/env bash
# A database created at the first release (0.1.0) and holding apps, events
# and quarantined deliveries is updated in place to the default version:
# the data stays, the new functions and views answer about it, ingest goes
# on, and the updated schema is the same as a fresh install's.
. "$(dirname "$0")/../lib/common.sh"

default=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" chekt_events.control)
[ "$default" != 0.1.0 ] || { echo "no upgrade to test: the default version is 0.1.0"; exit $SKIP; }

PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists chekt_upgraded
createdb chekt_upgraded
TEST_DATABASES+=(chekt_upgraded)
sql chekt_upgraded <<'SQL' >/dev/null
CREATE EXTENSION chekt_events VERSION '0.1.0';
SELECT chekt.add_secret('old-app', 'old-secret');
SELECT chekt.ingest('old-app', '1779791400',
                    chekt.sign('old-secret', '1779791400', b), b, '2026-05-26 10:30:00+00')
  FROM (VALUES ('{"id":"e1","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1"}}'),
               ('{"id":"e2","type":"alarm.acknowledged","created_at":"2026-05-26T10:22:15Z","data":{"alarm_id":"A-1","operator_id":"op"}}'),
               ('not json')) AS v (b);
SQL

sql chekt_upgraded -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
version=$(sql chekt_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")
[ "$version" = "$default" ] || fail "updated to $version, not $default"

answer=$(sql chekt_upgraded <<'SQL'
SELECT concat_ws(' ',
  (SELECT count(*) FROM chekt.events),
  (SELECT count(*) FROM chekt.rejected),
  (SELECT time_to_acknowledge_s FROM chekt.alarm_lifecycle WHERE alarm_id = 'A-1'),
  (SELECT count(*) FROM chekt.alarm_timeline('A-1')),
  chekt.ingest('old-app', '1779791460', chekt.sign('old-secret', '1779791460', b), b, '2026-05-26 10:31:00+00'))
  FROM (VALUES ('{"id":"e3","type":"alarm.resolved","created_at":"2026-05-26T10:27:48Z","data":{"alarm_id":"A-1","resolution":"handled"}}')) AS v (b);
SQL
)
[ "$answer" = "2 1 41 2 accepted" ] || fail "after the update: $answer"

fresh_db chekt_fresh
# every object of schema chekt as text: columns, constraints, indexes,
# triggers, view and function definitions, comments and privileges
schema() {
  sql "$1" <<'SQL'
SELECT format('%s %s %s %s', c.relname, c.relkind, c.relacl, obj_description(c.oid, 'pg_class'))
  FROM pg_class c WHERE c.relnamespace = 'chekt'::regnamespace
UNION ALL
SELECT format('%s.%s %s %s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
              a.attnotnull, a.attcollation::regcollation, pg_get_expr(d.adbin, d.adrelid),
              col_description(c.oid, a.attnum))
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'chekt'::regnamespace
UNION ALL
SELECT format('%s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
 WHERE connamespace = 'chekt'::regnamespace
UNION ALL
SELECT pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'chekt'::regnamespace)
UNION ALL
SELECT format('%s %s %s', tgname, tgenabled, pg_get_triggerdef(oid)) FROM pg_trigger
 WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'chekt'::regnamespace)
UNION ALL
SELECT format('%s %s', c.relname, pg_get_viewdef(c.oid)) FROM pg_class c
 WHERE c.relnamespace = 'chekt'::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT format('%s %s %s', p.oid::regprocedure, p.proacl, obj_description(p.oid, 'pg_proc'))
       || pg_get_functiondef(p.oid)
  FROM pg_proc p WHERE p.pronamespace = 'chekt'::regnamespace
UNION ALL
SELECT format('%s %s', e.extconfig::regclass[], e.extcondition) FROM pg_extension e WHERE e.extname = 'chekt_events'
ORDER BY 1;
SQL
}
if ! diff <(schema chekt_upgraded) <(schema chekt_fresh) >/dev/null; then
  diff <(schema chekt_upgraded) <(schema chekt_fresh) | head -20
  fail "the updated schema differs from a fresh install"
fi
echo "0.1.0 with data updated to $default: data kept, new questions answered, same schema as a fresh install"
