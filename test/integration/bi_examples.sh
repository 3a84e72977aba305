#!/usr/bin/env bash
# README's Python (pandas + SQLAlchemy) and Node (pg) examples, run as an
# analyst whose role has a time zone with daylight saving time
# (America/New_York) on alarms either side of its end (2026-11-01), with the
# process's TZ set the same way: instants arrive as UTC datetimes, days as
# the UTC days the views bucket by, counts as numbers.  The examples in
# README.md are these files, byte for byte.
. "$(dirname "$0")/../lib/common.sh"

command -v node >/dev/null && [ -x /usr/bin/python3 ] ||
  fail "node or python3 missing (scripts/install-deps.sh installs them)"
node_path=$(bash scripts/node-pg.sh) || fail "could not fetch node-postgres (scripts/node-pg.sh)"

# the README shows each example whole
for example in examples/bi/alarms_pandas.py examples/bi/alarms_node.js; do
  python3 - "$example" <<'PY' || fail "README.md does not show $example as it is"
import sys
example = open(sys.argv[1]).read()
sys.exit(0 if example in open("README.md").read() else 1)
PY
done

work=$(mktemp -d)
drop_reader() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP ROLE IF EXISTS chekt_example_reader"
}
trap 'rm -rf "$work"; drop_test_databases; drop_reader' EXIT
fresh_db chekt_examples
sql chekt_examples >/dev/null <<'SQL'
SELECT chekt.add_secret('centre', 'centre-secret');
SELECT chekt.ingest('centre', extract(epoch FROM r)::bigint::text,
                    chekt.sign('centre-secret', extract(epoch FROM r)::bigint::text, b), b, r)
  FROM (VALUES
    -- 19:30 EDT on 31 October, a UTC day of 31 October
    ('{"id":"e1","type":"alarm.created","created_at":"2026-10-31T23:30:00Z","data":{"alarm_id":"A-1","site_id":"S-1"}}', timestamptz '2026-10-31 23:30:01+00'),
    ('{"id":"e2","type":"alarm.acknowledged","created_at":"2026-10-31T23:30:30Z","data":{"alarm_id":"A-1","operator_id":"op"}}', '2026-10-31 23:30:31+00'),
    -- 22:30 EST on 1 November, a UTC day of 2 November
    ('{"id":"e3","type":"alarm.created","created_at":"2026-11-02T03:30:00Z","data":{"alarm_id":"A-2","site_id":"S-1"}}', '2026-11-02 03:30:01+00'),
    ('{"id":"e4","type":"alarm.acknowledged","created_at":"2026-11-02T03:31:00Z","data":{"alarm_id":"A-2","operator_id":"op"}}', '2026-11-02 03:31:01+00')
  ) AS d (b, r);
SQL
drop_reader
sql postgres -c "CREATE ROLE chekt_example_reader LOGIN" >/dev/null
sql chekt_examples -c "SELECT chekt.grant_analyst('chekt_example_reader')" >/dev/null
sql postgres -c "ALTER ROLE chekt_example_reader SET TimeZone = 'America/New_York'" >/dev/null

echo "== Python, pandas $(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)')"
TZ=America/New_York /usr/bin/python3 examples/bi/alarms_pandas.py \
  "postgresql+psycopg2://chekt_example_reader@127.0.0.1:$PGPORT/chekt_examples" >"$work/py.txt" 2>&1 ||
  { cat "$work/py.txt"; fail "the pandas example failed"; }
cat "$work/py.txt"
for line in "created_at               datetime64[ns, UTC]" "acknowledged_at          datetime64[ns, UTC]" \
            "time_to_acknowledge_s                float64" "day                datetime64[ns]" \
            "alarms                      int64" \
            "centre A-1 at 2026-10-31T23:30:00+00:00: acknowledged after 30.0 s" \
            "centre A-2 at 2026-11-02T03:30:00+00:00: acknowledged after 60.0 s" \
            "centre S-1 2026-10-31: 1 alarms, 0 false positives" "centre S-1 2026-11-02: 1 alarms, 0 false positives"; do
  grep -qxF "$line" "$work/py.txt" || fail "the pandas example does not print: $line"
done
# what the example guards against: the same query read plainly in that
# session gives pandas two offsets in one column, which it keeps as objects
got=$(TZ=America/New_York /usr/bin/python3 - "postgresql+psycopg2://chekt_example_reader@127.0.0.1:$PGPORT/chekt_examples" <<'PY'
import sys, pandas as pd, sqlalchemy
with sqlalchemy.create_engine(sys.argv[1]).connect() as conn:
    print(pd.read_sql("SELECT created_at FROM chekt.alarm_lifecycle", conn).dtypes["created_at"])
PY
)
[ "$got" = object ] || fail "read plainly in America/New_York, created_at is $got (the caveat README states would be moot)"

echo "== Node $(node --version), pg $(NODE_PATH=$node_path node -p "require('pg/package.json').version")"
TZ=America/New_York NODE_PATH=$node_path node examples/bi/alarms_node.js \
  "postgres://chekt_example_reader@127.0.0.1:$PGPORT/chekt_examples" >"$work/node.txt" 2>&1 ||
  { cat "$work/node.txt"; fail "the Node example failed"; }
cat "$work/node.txt"
for line in "centre S-1 2026-10-31: 1 alarms (a number), 0 false positives, acknowledged after 30 s on average" \
            "centre S-1 2026-11-02: 1 alarms (a number), 0 false positives, acknowledged after 60 s on average"; do
  grep -qxF "$line" "$work/node.txt" || fail "the Node example does not print: $line"
done
# what the example guards against: without its type parsers, a count is a
# string and a day is local midnight (04:00 UTC in New York in October)
got=$(TZ=America/New_York NODE_PATH=$node_path node - "postgres://chekt_example_reader@127.0.0.1:$PGPORT/chekt_examples" <<'JS'
const { Client } = require('pg');
const client = new Client({ connectionString: process.argv[2] });
client.connect()
  .then(() => client.query("SELECT day, alarms FROM chekt.site_daily_summary WHERE day = '2026-10-31'"))
  .then(({ rows }) => { console.log(typeof rows[0].alarms, rows[0].day.toISOString()); return client.end(); })
  .catch((e) => { console.error(e.message); process.exit(1); });
JS
)
[ "$got" = "string 2026-10-31T04:00:00.000Z" ] || fail "read plainly, a count and a day are: $got (the caveats README states would be moot)"
echo "the README's pandas and node-postgres examples read UTC instants, UTC days and numeric counts from a session in America/New_York"
