#!/usr/bin/env bash
# Real BI clients read the analytic surface: pgjdbc's DatabaseMetaData lists
# the views with their column types and descriptions (test/bi), and an ODBC
# query through psqlODBC returns the right answers, both as a role given
# read access by the one documented call, chekt.grant_analyst().
. "$(dirname "$0")/../lib/common.sh"

jar=/usr/share/java/postgresql.jar
driver=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
[ -f "$jar" ] && [ -f "$driver" ] && command -v java >/dev/null && command -v isql >/dev/null ||
  fail "BI client packages missing (scripts/install-deps.sh installs them)"

work=$(mktemp -d)
drop_reader() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres \
    -c "DROP ROLE IF EXISTS chekt_bi_reader" -c "DROP ROLE IF EXISTS chekt_bi_reader_b"
}
trap 'rm -rf "$work"; drop_test_databases; drop_reader' EXIT
fresh_db chekt_bi
sql chekt_bi >/dev/null <<'SQL'
SELECT chekt.add_secret('bi-app', 'bi-secret');
SELECT chekt.ingest('bi-app', extract(epoch FROM r)::bigint::text,
                    chekt.sign('bi-secret', extract(epoch FROM r)::bigint::text, b), b, r)
  FROM (VALUES
    ('{"id":"e1","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1"}}', timestamptz '2026-05-26 10:21:40+00'),
    ('{"id":"e2","type":"alarm.acknowledged","created_at":"2026-05-26T10:22:15Z","data":{"alarm_id":"A-1","operator_id":"op"}}', '2026-05-26 10:22:20+00'),
    ('{"id":"e3","type":"alarm.resolved","created_at":"2026-05-26T10:27:48Z","data":{"alarm_id":"A-1","resolution":"false-positive"}}', '2026-05-26 10:27:50+00'),
    ('{"id":"e4","type":"alarm.created","created_at":"2026-05-26T11:00:00Z","data":{"alarm_id":"A-2","site_id":"S-1"}}', '2026-05-26 11:00:05+00'),
    ('{"id":"e5","type":"device.offline","created_at":"2026-05-26T07:58:49Z","data":{"device_id":"cam-1","site_id":"S-1","last_seen_at":"2026-05-26T07:58:48Z"}}', '2026-05-26 07:58:50+00'),
    ('{"id":"e6","type":"device.online","created_at":"2026-05-26T08:01:11Z","data":{"device_id":"cam-1","site_id":"S-1"}}', '2026-05-26 08:01:12+00')
  ) AS d (b, r);
SQL
drop_reader
sql postgres -c "CREATE ROLE chekt_bi_reader LOGIN" >/dev/null
sql chekt_bi -c "SELECT chekt.grant_analyst('chekt_bi_reader')" >/dev/null

# What each client lists for the analyst opens.  The clients read pg_class,
# which every role may read: listing every schema, they see the names in
# chekt_private too, a schema the analyst may not use (so nothing there
# opens, and nothing there is offered by a tool that browses the schemas a
# role may use).  In every schema it may use, all they list must open.
relations=$(sql chekt_bi -c "SELECT count(*) FROM pg_class
                              WHERE relnamespace = 'chekt'::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f')")
echo "== SQLAlchemy's inspector (Debian's python3-sqlalchemy), as the analyst"
/usr/bin/python3 test/bi/sqlalchemy_list_check.py \
  "postgresql+psycopg2://chekt_bi_reader@127.0.0.1:$PGPORT/chekt_bi" >"$work/sqla.txt" 2>&1 && status=0 || status=$?
cat "$work/sqla.txt"
[ $status -eq 0 ] || fail "SQLAlchemy lists, for the analyst, what it cannot open"
grep -q "^schema chekt: $relations listed\$" "$work/sqla.txt" || fail "SQLAlchemy did not list the $relations relations of chekt"
grep -q '^schema chekt_private: not usable by this role' "$work/sqla.txt" || fail "the analyst may use chekt_private"
echo "== pgjdbc's DatabaseMetaData.getTables(), as the analyst"
java -cp "$jar" test/bi/BiListCheck.java \
  "jdbc:postgresql://127.0.0.1:$PGPORT/chekt_bi?user=chekt_bi_reader" >"$work/jdbc_list.txt" 2>&1 && status=0 || status=$?
cat "$work/jdbc_list.txt"
[ $status -eq 0 ] || fail "pgjdbc lists, for the analyst, what it cannot open"

echo "== JDBC (Debian's pgjdbc)"
java -cp "$jar" test/bi/BiMetadataCheck.java \
  "jdbc:postgresql://127.0.0.1:$PGPORT/chekt_bi?user=chekt_bi_reader" >"$work/jdbc.txt" 2>&1 && status=0 || status=$?
cat "$work/jdbc.txt"
[ $status -eq 0 ] || fail "pgjdbc found problems"
grep -q 'resolved alarm A-1: acknowledged after 41.0 s, false positive true' "$work/jdbc.txt" ||
  fail "pgjdbc did not read the lifecycle"

echo "== ODBC (psqlODBC through unixODBC)"
cat >"$work/odbcinst.ini" <<INI
[PostgreSQL Unicode]
Driver = $driver
INI
cat >"$work/odbc.ini" <<INI
[chekt]
Driver = PostgreSQL Unicode
Servername = 127.0.0.1
Port = $PGPORT
Database = chekt_bi
Username = chekt_bi_reader
INI
echo "SELECT alarm_id, state, time_to_acknowledge_s, is_false_positive FROM chekt.alarm_lifecycle ORDER BY alarm_id
SELECT device_id, downtime_s, ongoing FROM chekt.device_outages
SELECT count(*) FROM chekt_private.app_secrets" |
  ODBCSYSINI="$work" ODBCINI="$work/odbc.ini" isql -b -v -d'|' chekt >"$work/odbc.txt" 2>&1
cat "$work/odbc.txt"
grep -q '^A-1|resolved|41|1$' "$work/odbc.txt" || fail "ODBC did not read A-1's lifecycle"
grep -q '^A-2|open||$' "$work/odbc.txt" || fail "ODBC did not read A-2's lifecycle"
grep -q '^cam-1|143|0$' "$work/odbc.txt" || fail "ODBC did not read the outage"
grep -q 'permission denied for schema chekt_private' "$work/odbc.txt" || fail "the analyst read secrets over ODBC"

echo "== psqlODBC's SQLTables (isql's help), as the analyst"
echo help | ODBCSYSINI="$work" ODBCINI="$work/odbc.ini" isql -b -d'|' chekt >"$work/odbc_tables.txt" 2>&1 ||
  { cat "$work/odbc_tables.txt"; fail "ODBC could not list tables"; }
usable=" $(PGOPTIONS="-c role=chekt_bi_reader" sql chekt_bi -c "SELECT string_agg(nspname, ' ') FROM pg_namespace
                                                             WHERE has_schema_privilege(oid, 'USAGE')") "
: >"$work/odbc_open.sql"
listed=0
while IFS='|' read -r _ schema name type _; do
  case "$type" in TABLE | VIEW | MATVIEW | "FOREIGN TABLE") ;; *) continue ;; esac
  case "$usable" in
    *" $schema "*) listed=$((listed + 1))
                   echo "SELECT '$schema.$name opens' WHERE NOT EXISTS (SELECT FROM \"$schema\".\"$name\" WHERE false)" >>"$work/odbc_open.sql" ;;
    *) [ "$schema" = chekt_private ] || fail "ODBC lists $schema.$name, in a schema the analyst may not use" ;;
  esac
done <"$work/odbc_tables.txt"
ODBCSYSINI="$work" ODBCINI="$work/odbc.ini" isql -b -v -d'|' chekt <"$work/odbc_open.sql" >"$work/odbc_open.txt" 2>&1
if grep '^\[[0-9A-Z]*\]' "$work/odbc_open.txt"; then fail "ODBC lists, for the analyst, what it cannot open"; fi
[ "$(grep -c ' opens$' "$work/odbc_open.txt")" = "$listed" ] || { cat "$work/odbc_open.txt"; fail "ODBC opened fewer relations than it listed"; }
[ "$(grep -cE '^[^|]*\|chekt\|[^|]*\|(TABLE|VIEW|MATVIEW|FOREIGN TABLE)\|' "$work/odbc_tables.txt")" = "$relations" ] ||
  fail "ODBC did not list the $relations relations of chekt"
echo "ODBC: $listed relations listed in schemas the analyst may use, all open; $(grep -c '^[^|]*|chekt_private|' "$work/odbc_tables.txt") names in chekt_private, which it may not use"

# an analyst of one app: a second app holds the same alarm, device and site
# ids; over JDBC and ODBC the analyst of bi-app-b reads no row of bi-app
sql chekt_bi >/dev/null <<'SQL'
SELECT chekt.add_secret('bi-app-b', 'bi-secret-b');
SELECT chekt.ingest('bi-app-b', extract(epoch FROM r)::bigint::text,
                    chekt.sign('bi-secret-b', extract(epoch FROM r)::bigint::text, b), b, r)
  FROM (VALUES
    ('{"id":"e1","type":"alarm.created","created_at":"2026-05-27T10:00:00Z","data":{"alarm_id":"A-1","site_id":"S-1"}}', timestamptz '2026-05-27 10:00:05+00'),
    ('{"id":"e5","type":"device.offline","created_at":"2026-05-27T07:00:00Z","data":{"device_id":"cam-1","site_id":"S-1"}}', '2026-05-27 07:00:05+00')
  ) AS d (b, r);
-- a refused delivery of each app: the completeness report counts them
SELECT chekt.ingest(app, '1779876000', 'sha256=' || repeat('0', 64), '{"id":"forged"}', '2026-05-27 10:00:00+00')
  FROM (VALUES ('bi-app'), ('bi-app-b')) AS a (app);
CREATE ROLE chekt_bi_reader_b LOGIN;
SELECT chekt.grant_analyst('chekt_bi_reader_b', ARRAY['bi-app-b']);
SQL
echo "== JDBC, an analyst of bi-app-b"
java -cp "$jar" test/bi/BiMetadataCheck.java \
  "jdbc:postgresql://127.0.0.1:$PGPORT/chekt_bi?user=chekt_bi_reader_b" bi-app-b >"$work/jdbc_b.txt" 2>&1 || {
  cat "$work/jdbc_b.txt"
  fail "pgjdbc found problems for the analyst of bi-app-b"
}
cat "$work/jdbc_b.txt"
grep -q "^chekt.alarm_lifecycle: 1 rows, 0 of another app than bi-app-b$" "$work/jdbc_b.txt" ||
  fail "pgjdbc: the analyst of bi-app-b did not read its own alarm"
echo "== ODBC, an analyst of bi-app-b"
sed -i 's/^Username = .*/Username = chekt_bi_reader_b/' "$work/odbc.ini"
echo "SELECT 'lifecycle', app, alarm_id, state FROM chekt.alarm_lifecycle
SELECT 'outage', app, device_id, ongoing FROM chekt.device_outages
SELECT 'family', count(*) FILTER (WHERE app <> 'bi-app-b') FROM chekt.alarm_events
SELECT 'timeline', app, event_id FROM chekt.alarm_timeline('A-1')
SELECT 'gaps', app, kind, reason, occurrences FROM chekt.delivery_gaps" |
  ODBCSYSINI="$work" ODBCINI="$work/odbc.ini" isql -b -v -d'|' chekt >"$work/odbc_b.txt" 2>&1
cat "$work/odbc_b.txt"
[ "$(grep -c '^lifecycle|bi-app-b|A-1|open$' "$work/odbc_b.txt")" = 1 ] || fail "ODBC: the analyst of bi-app-b's lifecycle"
grep -q '^outage|bi-app-b|cam-1|1$' "$work/odbc_b.txt" || fail "ODBC: the analyst of bi-app-b's outage"
grep -q '^family|0$' "$work/odbc_b.txt" || fail "ODBC: the analyst of bi-app-b read family rows of another app"
grep -q '^timeline|bi-app-b|e1$' "$work/odbc_b.txt" || fail "ODBC: the analyst of bi-app-b's timeline"
grep -q '^gaps|bi-app-b|quarantined|bad_signature|1$' "$work/odbc_b.txt" || fail "ODBC: the analyst of bi-app-b's completeness report"
if grep -q '|bi-app|' "$work/odbc_b.txt"; then fail "ODBC: the analyst of bi-app-b read rows of bi-app"; fi
echo "pgjdbc and psqlODBC read the views; the analyst cannot read secrets; an analyst of one app reads only that app"
