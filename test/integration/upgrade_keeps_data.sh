#!/usr/bin/env bash
# Databases created at the first release (0.1.0), at 0.4.0, 0.5.0, 0.6.0, 0.7.0, 0.9.0, 0.10.0, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.15.0, 0.16.0, 0.17.0, 0.18.0 and 0.19.0,
# holding apps, events and quarantined deliveries, are updated in place to
# the default version:
# the data stays, the new functions and views answer about it, ingest goes
# on, and the updated schema is the same as a fresh install's.
. "$(dirname "$0")/../lib/common.sh"

default=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" chekt_events.control)
[ "$default" != 0.1.0 ] || { echo "no upgrade to test: the default version is 0.1.0"; exit $SKIP; }

# counted DB SQL: a query of the extension's tables wherever the release
# the database is at keeps them
counted() {
  PGOPTIONS="-c search_path=chekt_private,chekt" sql "$1" -c "$2"
}

fresh_db chekt_upgraded 0.1.0
# released_rows VALUES: SQL that stores deliveries (app, secret, body) as the
# ingest of the release the schema is at stored them, received at
# 2026-05-26 10:30: the library installed is today's, and it ingests only
# into today's schema (it says so, and chekt-ingest answers 503 until
# ALTER EXTENSION ... UPDATE)
released_rows() {
  cat <<SQL
CREATE TEMP TABLE delivery AS
SELECT app, secret, b AS body, CASE WHEN b LIKE '{%' THEN b::jsonb END AS j FROM (VALUES $1) AS v (app, secret, b);
INSERT INTO chekt.events (event_id, event_type, created_at, received_at, last_received_at, app,
                          delivery_count, signed_at, signature, body)
SELECT j->>'id', j->>'type', (j->>'created_at')::timestamptz, '2026-05-26 10:30:00+00', '2026-05-26 10:30:00+00',
       app, count(*), '1779791400', chekt.sign(secret, '1779791400', body), body
  FROM delivery WHERE j IS NOT NULL GROUP BY 1, 2, 3, 6, 9, 10;
CREATE TEMP TABLE event AS
SELECT DISTINCT j->>'id' AS event_id, j->>'type' AS event_type, (j->>'created_at')::timestamptz AS created_at,
       timestamptz '2026-05-26 10:30:00+00' AS received_at, j->'data' AS data
  FROM delivery WHERE j IS NOT NULL;
INSERT INTO chekt.alarm_events (event_id, event_type, created_at, received_at, alarm_id, site_id, operator_id)
SELECT event_id, event_type, created_at, received_at, data->>'alarm_id', data->>'site_id', data->>'operator_id'
  FROM event WHERE event_type LIKE 'alarm.%';
INSERT INTO chekt.device_events (event_id, event_type, created_at, received_at, device_id, site_id)
SELECT event_id, event_type, created_at, received_at, data->>'device_id', data->>'site_id'
  FROM event WHERE event_type LIKE 'device.%';
INSERT INTO chekt.snapshot_events (event_id, event_type, created_at, received_at, snapshot_id, alarm_id)
SELECT event_id, event_type, created_at, received_at, data->>'snapshot_id', data->>'alarm_id'
  FROM event WHERE event_type LIKE 'snapshot.%';
INSERT INTO chekt.relay_events (event_id, event_type, created_at, received_at, relay_id, trigger)
SELECT event_id, event_type, created_at, received_at, data->>'relay_id', data->>'trigger'
  FROM event WHERE event_type LIKE 'relay.%';
INSERT INTO chekt.verification_events (event_id, event_type, created_at, received_at, alarm_id)
SELECT event_id, event_type, created_at, received_at, data->>'alarm_id'
  FROM event WHERE event_type LIKE 'verification.%';
INSERT INTO chekt.partition_events (event_id, event_type, created_at, received_at, partition_id)
SELECT event_id, event_type, created_at, received_at, data->>'partition_id'
  FROM event WHERE event_type LIKE 'partition.%';
INSERT INTO chekt.rejected (app, received_at, signed_at, signature, body, reason, detail)
SELECT app, '2026-05-26 10:30:00+00', '1779791400', chekt.sign(secret, '1779791400', body), body,
       'malformed_json', 'the body is not JSON'
  FROM delivery WHERE j IS NULL;
SQL
}

sql chekt_upgraded <<SQL >/dev/null
SELECT chekt.add_secret('old-app', 'old-secret');
$(released_rows "('old-app', 'old-secret', '{\"id\":\"e1\",\"type\":\"alarm.created\",\"created_at\":\"2026-05-26T10:21:34Z\",\"data\":{\"alarm_id\":\"A-1\",\"site_id\":\"S-1\"}}'),
  ('old-app', 'old-secret', '{\"id\":\"e2\",\"type\":\"alarm.acknowledged\",\"created_at\":\"2026-05-26T10:22:15Z\",\"data\":{\"alarm_id\":\"A-1\",\"operator_id\":\"op\"}}'),
  ('old-app', 'old-secret', 'not json')")
SQL

sql chekt_upgraded -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
version=$(sql chekt_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")
[ "$version" = "$default" ] || fail "updated to $version, not $default"

answer=$(sql chekt_upgraded <<'SQL'
SELECT concat_ws(' ',
  (SELECT count(*) FROM chekt_private.events),
  (SELECT count(*) FROM chekt_private.rejected),
  (SELECT time_to_acknowledge_s FROM chekt.alarm_lifecycle WHERE alarm_id = 'A-1'),
  (SELECT count(*) FROM chekt.alarm_timeline('A-1')),
  chekt.ingest('old-app', '1779791460', chekt.sign('old-secret', '1779791460', b), b, '2026-05-26 10:31:00+00'))
  FROM (VALUES ('{"id":"e3","type":"alarm.resolved","created_at":"2026-05-26T10:27:48Z","data":{"alarm_id":"A-1","resolution":"handled"}}')) AS v (b);
SQL
)
[ "$answer" = "2 1 41 2 accepted" ] || fail "after the update: $answer"

# 0.4.0, the last release before an event's identity included its app,
# holding events of two apps (in 0.4.0 an event id was unique across apps)
# and an analyst: every family row gets its event's app, every row and
# count is kept, the analyst still reads every app, and ingest goes on per
# app
fresh_db chekt_upgraded_04 0.4.0
PGOPTIONS="-c client_min_messages=warning" sql postgres -c "DROP ROLE IF EXISTS chekt_upgrade_analyst" -c "CREATE ROLE chekt_upgrade_analyst" >/dev/null
trap 'drop_test_databases; sql postgres -c "DROP ROLE IF EXISTS chekt_upgrade_analyst" >/dev/null 2>&1' EXIT
sql chekt_upgraded_04 <<SQL >/dev/null
SELECT chekt.add_secret('app-a', 'secret-a'), chekt.add_secret('app-b', 'secret-b');
$(released_rows "    ('app-a', 'secret-a', '{\"id\":\"a1\",\"type\":\"alarm.created\",\"created_at\":\"2026-05-26T10:21:34Z\",\"data\":{\"alarm_id\":\"A-1\",\"site_id\":\"S-1\"}}'),
    ('app-a', 'secret-a', '{\"id\":\"a2\",\"type\":\"alarm.acknowledged\",\"created_at\":\"2026-05-26T10:22:15Z\",\"data\":{\"alarm_id\":\"A-1\",\"operator_id\":\"op-a\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b1\",\"type\":\"alarm.created\",\"created_at\":\"2026-05-26T10:25:00Z\",\"data\":{\"alarm_id\":\"A-1\",\"site_id\":\"S-1\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b2\",\"type\":\"device.offline\",\"created_at\":\"2026-05-26T10:00:00Z\",\"data\":{\"device_id\":\"cam-1\",\"site_id\":\"S-1\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b3\",\"type\":\"device.online\",\"created_at\":\"2026-05-26T10:20:00Z\",\"data\":{\"device_id\":\"cam-1\",\"site_id\":\"S-1\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b4\",\"type\":\"snapshot.created\",\"created_at\":\"2026-05-26T10:25:01Z\",\"data\":{\"snapshot_id\":\"s-1\",\"alarm_id\":\"A-1\"}}'),
    ('app-a', 'secret-a', '{\"id\":\"a3\",\"type\":\"relay.activated\",\"created_at\":\"2026-05-26T10:21:35Z\",\"data\":{\"relay_id\":\"r-1\",\"trigger\":\"alarm.created:A-1\"}}'),
    ('app-a', 'secret-a', '{\"id\":\"a4\",\"type\":\"verification.requested\",\"created_at\":\"2026-05-26T10:21:36Z\",\"data\":{\"alarm_id\":\"A-1\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b5\",\"type\":\"partition.armed\",\"created_at\":\"2026-05-26T22:00:00Z\",\"data\":{\"partition_id\":\"p-1\"}}'),
    ('app-b', 'secret-b', '{\"id\":\"b1\",\"type\":\"alarm.created\",\"created_at\":\"2026-05-26T10:25:00Z\",\"data\":{\"alarm_id\":\"A-1\",\"site_id\":\"S-1\"}}'),
    ('app-a', 'secret-a', 'not json')")
SELECT chekt.grant_analyst('chekt_upgrade_analyst');
SQL
# (events and rejected are in chekt before 0.8.0, in chekt_private after:
# found through the search_path of counted())
counts="SELECT concat_ws(' ', (SELECT count(*) || '/' || sum(delivery_count) FROM events),
                              (SELECT count(*) FROM rejected),
                              (SELECT count(*) FROM chekt.alarm_events), (SELECT count(*) FROM chekt.device_events),
                              (SELECT count(*) FROM chekt.snapshot_events), (SELECT count(*) FROM chekt.relay_events),
                              (SELECT count(*) FROM chekt.verification_events), (SELECT count(*) FROM chekt.partition_events))"
before=$(counted chekt_upgraded_04 "$counts")
[ "$before" = "9/10 1 3 2 1 1 1 1" ] || fail "0.4.0 holds: $before"
sql chekt_upgraded_04 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
after=$(counted chekt_upgraded_04 "$counts")
[ "$after" = "$before" ] || fail "counts before the update: $before, after: $after"
got=$(sql chekt_upgraded_04 <<'SQL'
SELECT string_agg(DISTINCT t || ':' || app, ' ' ORDER BY t || ':' || app)
  FROM (SELECT 'alarm' AS t, app FROM chekt.alarm_events UNION ALL SELECT 'device', app FROM chekt.device_events
        UNION ALL SELECT 'snapshot', app FROM chekt.snapshot_events UNION ALL SELECT 'relay', app FROM chekt.relay_events
        UNION ALL SELECT 'verification', app FROM chekt.verification_events
        UNION ALL SELECT 'partition', app FROM chekt.partition_events) AS f
SQL
)
[ "$got" = "alarm:app-a alarm:app-b device:app-b partition:app-b relay:app-a snapshot:app-b verification:app-a" ] ||
  fail "family rows' apps: $got"
got=$(sql chekt_upgraded_04 -c "SELECT string_agg(app || ':' || state, ' ' ORDER BY app) FROM chekt.alarm_lifecycle")
[ "$got" = "app-a:acknowledged app-b:open" ] || fail "lifecycles after the update: $got"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_04 -c "SELECT count(*) FROM chekt.alarm_lifecycle")
[ "$got" = 2 ] || fail "the 0.4.0 analyst reads $got alarms after the update"
got=$(sql chekt_upgraded_04 -c "SELECT analyst::text || ':' || coalesce(apps::text, 'every app') FROM chekt_private.analysts")
[ "$got" = "chekt_upgrade_analyst:every app" ] || fail "analysts after the update: $got"
# the same event id under the other app is now a second event, not a conflict
got=$(sql chekt_upgraded_04 -c "SELECT chekt.ingest('app-b', '1779791400', chekt.sign('secret-b', '1779791400', b), b, '2026-05-26 10:30:00+00')
                                  FROM (VALUES ('{\"id\":\"a1\",\"type\":\"alarm.created\",\"created_at\":\"2026-05-26T10:21:34Z\",\"data\":{\"alarm_id\":\"A-9\",\"site_id\":\"S-9\"}}')) AS v (b)")
[ "$got" = accepted ] || fail "app-b's event a1 after the update: $got"

# 0.5.0, the last release whose outages ended only at a device.online:
# the report's example (an offline, its online lost, an offline last seen
# 2.3 days later, an online) was one outage of 197,709 s; after the update
# it is an outage ended by that evidence and a known one, the data and the
# analyst's scope are kept, and the analyst reads the completeness report of
# its app
fresh_db chekt_upgraded_05 0.5.0
sql chekt_upgraded_05 <<'SQL' >/dev/null
SELECT chekt.add_secret('app-a', 'secret-a'), chekt.add_secret('app-b', 'secret-b');
SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a']);
SELECT chekt.ingest(app, extract(epoch FROM r)::bigint::text,
                    CASE WHEN b LIKE '%forged%' THEN 'sha256=' || repeat('0', 64)
                         ELSE chekt.sign(CASE app WHEN 'app-a' THEN 'secret-a' ELSE 'secret-b' END,
                                         extract(epoch FROM r)::bigint::text, b) END, b, r)
  FROM (VALUES
    ('app-a', '{"id":"g1","type":"device.offline","created_at":"2026-05-06T18:52:45Z","data":{"device_id":"cam-g","site_id":"S-1","last_seen_at":"2026-05-06T18:51:45Z"}}', timestamptz '2026-05-06 18:52:50+00'),
    ('app-a', '{"id":"g2","type":"device.offline","created_at":"2026-05-09T01:46:01Z","data":{"device_id":"cam-g","site_id":"S-1","last_seen_at":"2026-05-09T01:45:01Z"}}', '2026-05-09 01:46:05+00'),
    ('app-a', '{"id":"g3","type":"device.online","created_at":"2026-05-09T01:46:54Z","data":{"device_id":"cam-g","site_id":"S-1","downtime_seconds":53}}', '2026-05-09 01:47:00+00'),
    ('app-a', '{"id":"g3","type":"device.online","created_at":"2026-05-09T01:46:54Z","data":{"device_id":"cam-g","site_id":"S-1","downtime_seconds":53}}', '2026-05-09 01:48:00+00'),
    ('app-a', '{"id":"k1","type":"alarm.acknowledged","created_at":"2026-05-09T02:00:00Z","data":{"alarm_id":"A-1","operator_id":"op"}}', '2026-05-09 02:00:05+00'),
    ('app-b', '{"id":"k1","type":"alarm.acknowledged","created_at":"2026-05-09T02:00:00Z","data":{"alarm_id":"A-1","operator_id":"op"}}', '2026-05-09 02:00:05+00'),
    ('app-a', '{"id":"forged"}', '2026-05-09 03:00:00+00'),
    ('app-b', '{"id":"forged"}', '2026-05-09 03:00:00+00')) AS v (app, b, r);
SQL
counts_05="SELECT concat_ws(' ', (SELECT count(*) || '/' || sum(delivery_count) FROM events),
                                 (SELECT count(*) FROM rejected), (SELECT count(*) FROM chekt.device_events),
                                 (SELECT count(*) FROM chekt.alarm_events))"
before=$(counted chekt_upgraded_05 "$counts_05")
[ "$before" = "5/6 2 3 2" ] || fail "0.5.0 holds: $before"
got=$(sql chekt_upgraded_05 -c "SELECT string_agg(offline_at || '-' || online_at, ' ') FROM chekt.device_outages")
[ "$got" = "2026-05-06 18:51:45+00-2026-05-09 01:46:54+00" ] || fail "0.5.0's outages: $got"
sql chekt_upgraded_05 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
after=$(counted chekt_upgraded_05 "$counts_05")
[ "$after" = "$before" ] || fail "0.5.0 counts before the update: $before, after: $after"
got=$(sql chekt_upgraded_05 -c "SELECT string_agg(concat_ws(' ', offline_at, online_at, downtime_s, ended_by, end_known), ', ' ORDER BY offline_at)
                                   FROM chekt.device_outages")
[ "$got" = "2026-05-06 18:51:45+00 2026-05-09 01:45:01+00 197596 seen_again f, 2026-05-09 01:45:01+00 2026-05-09 01:46:54+00 113 online t" ] ||
  fail "outages after the update: $got"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_05 -c "SELECT string_agg(concat_ws(':', app, kind, reason, occurrences), ' ' ORDER BY kind)
                                                                          FROM chekt.delivery_gaps")
[ "$got" = "app-a:alarm_created_missing:1 app-a:outage_end_inferred:1 app-a:quarantined:bad_signature:1" ] ||
  fail "the 0.5.0 analyst of app-a reads as gaps: $got"
got=$(sql chekt_upgraded_05 -c "SELECT analyst::text || ':' || apps::text FROM chekt_private.analysts")
[ "$got" = "chekt_upgrade_analyst:{app-a}" ] || fail "analysts after the update: $got"

# 0.6.0, the last release without site_delivery_gaps(): its analyst, who
# read the view, reads the function after the update, with the same rows
fresh_db chekt_upgraded_06 0.6.0
sql chekt_upgraded_06 <<'SQL' >/dev/null
SELECT chekt.add_secret('app-a', 'secret-a'), chekt.add_secret('app-b', 'secret-b');
SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a']);
SELECT chekt.ingest(app, extract(epoch FROM r)::bigint::text,
                    chekt.sign(CASE app WHEN 'app-a' THEN 'secret-a' ELSE 'secret-b' END, extract(epoch FROM r)::bigint::text, b),
                    b, r)
  FROM (VALUES
    ('app-a', '{"id":"p1","type":"partition.armed","created_at":"2026-06-01T22:00:00Z","data":{"partition_id":"p-1","site_id":"S-1"}}', timestamptz '2026-06-01 22:00:05+00'),
    ('app-a', '{"id":"p2","type":"partition.armed","created_at":"2026-06-02T22:00:00Z","data":{"partition_id":"p-1","site_id":"S-1"}}', '2026-06-02 22:00:05+00'),
    ('app-b', '{"id":"p1","type":"partition.disarmed","created_at":"2026-06-01T07:00:00Z","data":{"partition_id":"p-1","site_id":"S-1"}}', '2026-06-01 07:00:05+00'),
    ('app-b', '{"id":"p2","type":"partition.disarmed","created_at":"2026-06-02T07:00:00Z","data":{"partition_id":"p-1","site_id":"S-1"}}', '2026-06-02 07:00:05+00')) AS v (app, b, r);
SQL
gaps_06="SELECT string_agg(concat_ws(':', app, day, kind, occurrences, example_id), ' ' ORDER BY app, day, kind) FROM chekt.delivery_gaps"
before=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_06 -c "$gaps_06")
[ "$before" = "app-a:2026-06-02:partition_disarm_missing:1:p-1" ] || fail "0.6.0's analyst of app-a reads as gaps: $before"
sql chekt_upgraded_06 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_06 -c "$gaps_06")
[ "$got" = "$before" ] || fail "the analyst's gaps before the update: $before, after: $got"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_06 -c "SELECT string_agg(concat_ws(':', app, day, kind, occurrences, example_id), ' ')
                                                                          FROM chekt.site_delivery_gaps('S-1', '2026-06-01', '2026-06-30')")
[ "$got" = "$before" ] || fail "the analyst's site_delivery_gaps() after the update: $got"
got=$(sql chekt_upgraded_06 -c "SELECT count(*) FROM chekt.site_delivery_gaps('S-1', '2026-06-01', '2026-06-30')")
[ "$got" = 2 ] || fail "the owner's site_delivery_gaps() after the update: $got rows"

# 0.7.0, the last release with the secrets, the inbox, the quarantine and
# the envelopes in schema chekt: a feeder given the grants 0.7.0 documented
# (USAGE on chekt, INSERT on chekt.inbox) feeds before and after the
# update; the update moves them to chekt_private, keeps every row, gives the
# feeder USAGE there, and leaves the analyst nothing in chekt it cannot open
PGOPTIONS="-c client_min_messages=warning" sql postgres \
  -c "DROP ROLE IF EXISTS chekt_upgrade_feeder" -c "CREATE ROLE chekt_upgrade_feeder" \
  -c "DROP ROLE IF EXISTS chekt_upgrade_leaver" -c "CREATE ROLE chekt_upgrade_leaver" \
  -c "DROP ROLE IF EXISTS chekt_upgrade_decoy" -c "CREATE ROLE chekt_upgrade_decoy" >/dev/null
work_dump=$(mktemp)
trap 'rm -f "$work_dump"; drop_test_databases; sql postgres -c "DROP ROLE IF EXISTS chekt_upgrade_analyst" -c "DROP ROLE IF EXISTS chekt_upgrade_feeder" -c "DROP ROLE IF EXISTS chekt_upgrade_leaver" -c "DROP ROLE IF EXISTS chekt_upgrade_decoy" >/dev/null 2>&1' EXIT
fresh_db chekt_upgraded_07 0.7.0
sql chekt_upgraded_07 >/dev/null <<'SQL'
SELECT chekt.add_secret('app-a', 'secret-a');
SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a']);
GRANT USAGE ON SCHEMA chekt TO chekt_upgrade_feeder, chekt_upgrade_leaver;
GRANT INSERT ON chekt.inbox TO chekt_upgrade_feeder, chekt_upgrade_leaver;
SQL
# feed DB INBOX ID: as the feeder, one delivery signed now and one forged
feed() {
  PGOPTIONS="-c role=chekt_upgrade_feeder" sql "$1" >/dev/null <<SQL
INSERT INTO $2 (app, signed_at, signature, body)
SELECT 'app-a', t, CASE WHEN forged THEN 'sha256=' || repeat('0', 64) ELSE chekt.sign('secret-a', t, b) END, b
  FROM (SELECT extract(epoch FROM now())::bigint::text AS t,
               '{"id":"$3","type":"alarm.created","created_at":"2026-07-01T10:00:00Z","data":{"alarm_id":"A-$3","site_id":"S-1"}}' AS b) AS d,
       (VALUES (false), (true)) AS f (forged);
SQL
}
feed chekt_upgraded_07 chekt.inbox f1 || fail "the 0.7.0 feeder could not feed"
counts_07="SELECT concat_ws(' ', (SELECT count(*) FROM events), (SELECT count(*) FROM rejected),
                                 (SELECT count(*) FROM chekt.alarm_events), (SELECT count(*) FROM app_secrets))"
before=$(counted chekt_upgraded_07 "$counts_07")
[ "$before" = "1 1 1 1" ] || fail "0.7.0 holds: $before"
listed="SELECT string_agg(c.oid::regclass::text, ' ' ORDER BY 1) FROM pg_class c
         WHERE c.relnamespace = 'chekt'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
           AND NOT has_table_privilege(c.oid, 'SELECT')"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_07 -c "$listed")
[ -n "$got" ] || fail "0.7.0's analyst could open every relation of chekt; the test below would prove nothing"
# before the update, a role that may create schemas makes a chekt_private
# of its own, holding app-a with a secret of its choosing: the library
# ingesting into 0.7.0 ignores it (it is not the extension's), and the
# update refuses to start while it is there
sql chekt_upgraded_07 -c "GRANT CREATE ON DATABASE chekt_upgraded_07 TO chekt_upgrade_decoy" >/dev/null
PGOPTIONS="-c role=chekt_upgrade_decoy" sql chekt_upgraded_07 >/dev/null <<'SQL'
CREATE SCHEMA chekt_private;
CREATE TABLE chekt_private.apps (app text, scheme text, replay_tolerance_s integer);
CREATE TABLE chekt_private.app_secrets (app text, secret text, expires_at timestamptz);
INSERT INTO chekt_private.apps VALUES ('app-a', 'chekt', 86400);
INSERT INTO chekt_private.app_secrets VALUES ('app-a', 'decoy-secret', NULL);
GRANT USAGE ON SCHEMA chekt_private TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA chekt_private TO PUBLIC;
SQL
got=$(sql chekt_upgraded_07 -c "SELECT string_agg(chekt.ingest('app-a', t, chekt.sign(s, t, b), b), ' ' ORDER BY s)
                                  FROM (SELECT extract(epoch FROM now())::bigint::text AS t,
                                               '{\"id\":\"d1\",\"type\":\"alarm.created\",\"created_at\":\"2026-07-01T10:00:00Z\",\"data\":{\"alarm_id\":\"A-d1\",\"site_id\":\"S-1\"}}' AS b) AS d,
                                       (VALUES ('decoy-secret'), ('secret-a')) AS v (s)")
[ "$got" = "bad_signature accepted" ] || fail "with a decoy chekt_private, signed by the decoy's and the real secret: $got"
if got=$(sql chekt_upgraded_07 -c 'ALTER EXTENSION chekt_events UPDATE' 2>&1); then
  fail "the update took over a chekt_private that is not the extension's"
fi
echo "$got" | grep -q 'schema chekt_private already exists' || fail "the update, with a decoy chekt_private there: $got"
PGOPTIONS="-c role=chekt_upgrade_decoy" sql chekt_upgraded_07 -c "DROP SCHEMA chekt_private CASCADE" >/dev/null 2>&1
sql chekt_upgraded_07 -c "REVOKE CREATE ON DATABASE chekt_upgraded_07 FROM chekt_upgrade_decoy" \
                      -c "DELETE FROM chekt.alarm_events WHERE alarm_id = 'A-d1'" -c "DELETE FROM chekt.events WHERE event_id = 'd1'" \
                      -c "DELETE FROM chekt.rejected WHERE body LIKE '%A-d1%'" >/dev/null
sql chekt_upgraded_07 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
after=$(counted chekt_upgraded_07 "$counts_07")
[ "$after" = "$before" ] || fail "0.7.0 counts before the update: $before, after: $after"
feed chekt_upgraded_07 chekt_private.inbox f2 || fail "the 0.7.0 feeder could not feed after the update"
got=$(sql chekt_upgraded_07 -c "SELECT string_agg(event_id, ' ' ORDER BY event_id) || ' ' || (SELECT count(*) FROM chekt_private.rejected)
                                  FROM chekt_private.events")
[ "$got" = "f1 f2 2" ] || fail "after the update the feeder's deliveries are: $got"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_07 -c "$listed")
[ -z "$got" ] || fail "after the update the analyst lists in chekt what it cannot open: $got"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_07 -c "SELECT has_schema_privilege('chekt_private', 'USAGE')")
[ "$got" = f ] || fail "the analyst may use chekt_private after the update"
# a feeder the update gave USAGE can be let go: its grants are ordinary ones
# (PostgreSQL 17 and later also keep a shared dependency for privileges an
# update gives, which would refuse DROP ROLE)
sql chekt_upgraded_07 -c "REVOKE ALL ON chekt_private.inbox FROM chekt_upgrade_leaver" \
                      -c "REVOKE ALL ON SCHEMA chekt, chekt_private FROM chekt_upgrade_leaver" >/dev/null
sql postgres -c "DROP ROLE chekt_upgrade_leaver" >/dev/null || fail "a feeder of 0.7.0 cannot be dropped after the update"
# a dump keeps what the update gave the feeder (privileges granted by an
# update's script count as the extension's own, which pg_dump leaves out)
pg_dump -d chekt_upgraded_07 >"$work_dump" || fail "pg_dump failed"
grep -q '^GRANT USAGE ON SCHEMA chekt_private TO chekt_upgrade_feeder;$' "$work_dump" ||
  fail "a dump of the updated database does not give the feeder USAGE on chekt_private"

# 0.9.0, the last release whose partitioned tables had indexes of their
# own: months made by ingest (their indexes named by ATTACH PARTITION), an
# event counted twice; every row and count is kept, the months' indexes
# take the names create_month() gives (compared with a fresh install
# below), the tables keep none, and ingest goes on, into a new month too
fresh_db chekt_upgraded_09 0.9.0
# ingest_in DB BODY...: each delivered 5 s after its created_at; the outcomes
ingest_in() {
  local db=$1 b out=()
  shift
  for b in "$@"; do
    out+=("$(sql "$db" -v b="$b" <<'SQL'
SELECT chekt.ingest('app-a', extract(epoch FROM r)::bigint::text,
                    chekt.sign('secret-a', extract(epoch FROM r)::bigint::text, :'b'), :'b', r)
  FROM (SELECT (:'b'::json->>'created_at')::timestamptz + interval '5 seconds' AS r) AS d
SQL
)")
  done
  echo "${out[*]}"
}
e1='{"id":"e1","type":"alarm.created","created_at":"2026-04-30T23:59:59Z","data":{"alarm_id":"A-1","site_id":"S-1"}}'
e2='{"id":"e2","type":"alarm.acknowledged","created_at":"2026-05-01T00:00:30Z","data":{"alarm_id":"A-1","operator_id":"op-1"}}'
e3='{"id":"e3","type":"device.offline","created_at":"2026-05-02T10:00:00Z","data":{"device_id":"D-1","site_id":"S-1"}}'
e4='{"id":"e4","type":"alarm.created","created_at":"2026-06-01T00:00:00Z","data":{"alarm_id":"A-4","site_id":"S-1"}}'
sql chekt_upgraded_09 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
got=$(ingest_in chekt_upgraded_09 "$e1" "$e2" "$e3" "$e1")
[ "$got" = "accepted accepted accepted duplicate" ] || fail "0.9.0 ingested: $got"
state_09="SELECT string_agg(event_id || ':' || delivery_count || ':' || tableoid::regclass, ' ' ORDER BY event_id)
            FROM chekt_private.events"
before=$(sql chekt_upgraded_09 -c "$state_09")
[ "$before" = "e1:2:chekt_private.events_p202604 e2:1:chekt_private.events_p202605 e3:1:chekt_private.events_p202605" ] ||
  fail "0.9.0 stored: $before"
# an index a user added to a partitioned table stops the update, which
# says what to do, and changes nothing
sql chekt_upgraded_09 -c 'CREATE INDEX users_own_idx ON chekt.alarm_events (operator_id)' >/dev/null
if err=$(sql chekt_upgraded_09 -c 'ALTER EXTENSION chekt_events UPDATE' 2>&1); then
  fail "the update from 0.9.0 went on past an index a user added to chekt.alarm_events"
fi
grep -q 'index chekt.users_own_idx of chekt.alarm_events is not one 0.10.0 gives a month' <<<"$err" &&
  grep -q 'HINT:  Drop the index you added' <<<"$err" || fail "the update from 0.9.0 refused the user's index with: $err"
[ "$(sql chekt_upgraded_09 -c "SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'")" = 0.9.0 ] ||
  fail "the refused update changed the version"
sql chekt_upgraded_09 -c 'DROP INDEX chekt.users_own_idx' >/dev/null
sql chekt_upgraded_09 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
after=$(sql chekt_upgraded_09 -c "$state_09")
[ "$after" = "$before" ] || fail "the update from 0.9.0 changed the events: $before / $after"
got=$(sql chekt_upgraded_09 -c "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relkind = 'p'")
[ "$got" = 0 ] || fail "after the update from 0.9.0, $got indexes are left on partitioned tables"
got=$(ingest_in chekt_upgraded_09 "$e1" "$e4")
[ "$got" = "duplicate accepted" ] || fail "after the update from 0.9.0, ingest answered: $got"

# 0.10.0, whose event_ids was trimmed with no record of how far: the update
# counts every event stored so far as possibly trimmed (the latest
# created_at), so a trimmed id is still found in its month; ids created
# later are new without looking at their month
fresh_db chekt_upgraded_10 0.10.0
sql chekt_upgraded_10 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
got=$(ingest_in chekt_upgraded_10 "$e1" "$e2" "$e3")
[ "$got" = "accepted accepted accepted" ] || fail "0.10.0 ingested: $got"
# as chekt.maintain() trims ids past id_window, and makes months ahead
# (empty, newer than any event)
sql chekt_upgraded_10 -c "DELETE FROM chekt_private.event_ids WHERE event_id IN ('e1', 'e3')" \
                      -c "SELECT chekt.create_partitions(2)" >/dev/null
sql chekt_upgraded_10 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(sql chekt_upgraded_10 -c "SELECT string_agg(latest_created_at::text, ' ') FROM chekt_private.event_ids_trimmed")
[ "$got" = "2026-05-02 10:00:00+00" ] || fail "after the update from 0.10.0, event_ids_trimmed holds: $got"
got=$(ingest_in chekt_upgraded_10 "$e1" "$e3" "$e2" "$e4")
[ "$got" = "duplicate duplicate duplicate accepted" ] || fail "after the update from 0.10.0, ingest answered: $got"
got=$(sql chekt_upgraded_10 -c "$state_09")
[ "$got" = "e1:2:chekt_private.events_p202604 e2:2:chekt_private.events_p202605 e3:2:chekt_private.events_p202605 e4:1:chekt_private.events_p202606" ] ||
  fail "after the update from 0.10.0, the events are: $got"

# 0.11.0: one device's downtime is answered the same after the update
# (whose plan is then kept for the session), every event and the record of
# trimmed ids kept
fresh_db chekt_upgraded_11 0.11.0
sql chekt_upgraded_11 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
e5='{"id":"e5","type":"device.online","created_at":"2026-05-02T10:05:00Z","data":{"device_id":"D-1","site_id":"S-1","downtime_seconds":300}}'
got=$(ingest_in chekt_upgraded_11 "$e1" "$e2" "$e3" "$e5")
[ "$got" = "accepted accepted accepted accepted" ] || fail "0.11.0 ingested: $got"
sql chekt_upgraded_11 -c "DELETE FROM chekt_private.event_ids WHERE event_id = 'e1'" >/dev/null
downtime_11="SELECT string_agg(concat_ws(' ', app, device_id, offline_at, online_at, in_window_s, ended_by), '; ')
               FROM (SELECT * FROM chekt.device_downtime('D-1', '2026-05-02 09:00+00', '2026-05-03 00:00+00')
                     UNION ALL
                     SELECT * FROM chekt.device_downtime('D-1', '2026-05-02 10:02+00', '2026-05-02 10:03+00', 'app-a')
                     UNION ALL
                     SELECT * FROM chekt.device_downtime(NULL, '2026-05-02 09:00+00', '2026-05-03 00:00+00')) AS d"
before=$(sql chekt_upgraded_11 -c "$downtime_11")
[ "$before" = "app-a D-1 2026-05-02 10:00:00+00 2026-05-02 10:05:00+00 300 online; app-a D-1 2026-05-02 10:00:00+00 2026-05-02 10:05:00+00 60 online; app-a D-1 2026-05-02 10:00:00+00 2026-05-02 10:05:00+00 300 online" ] ||
  fail "0.11.0 answered device_downtime(): $before"
# not at REPEATABLE READ, whose snapshot would miss the device events
# committed while the update waits for its lock
if err=$(sql chekt_upgraded_11 -c 'BEGIN ISOLATION LEVEL REPEATABLE READ' -c 'ALTER EXTENSION chekt_events UPDATE' -c 'COMMIT' 2>&1); then
  fail "the update from 0.11.0 ran at REPEATABLE READ"
fi
grep -q 'must run at READ COMMITTED' <<<"$err" || fail "the update from 0.11.0 at REPEATABLE READ failed with: $err"
sql chekt_upgraded_11 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(sql chekt_upgraded_11 -c "$downtime_11")
[ "$got" = "$before" ] || fail "after the update from 0.11.0, device_downtime() answered: $got"
got=$(sql chekt_upgraded_11 -c "SELECT string_agg(latest_created_at::text, ' ') FROM chekt_private.event_ids_trimmed")
[ "$got" = "2026-04-30 23:59:59+00" ] || fail "after the update from 0.11.0, event_ids_trimmed holds: $got"
got=$(ingest_in chekt_upgraded_11 "$e1" "$e4")
[ "$got" = "duplicate accepted" ] || fail "after the update from 0.11.0, ingest answered: $got"
got=$(sql chekt_upgraded_11 -c "$state_09")
[ "$got" = "e1:2:chekt_private.events_p202604 e2:1:chekt_private.events_p202605 e3:1:chekt_private.events_p202605 e4:1:chekt_private.events_p202606 e5:1:chekt_private.events_p202605" ] ||
  fail "after the update from 0.11.0, the events are: $got"

# 0.12.0: alarms' lifecycles and timelines are answered the same after the
# update, which lists their events in chekt.alarm_trail (chekt.alarm_firsts
# at 0.13.0 and 0.14.0, their first events) and reads both from there
# alone; ingest goes on listing them
fresh_db chekt_upgraded_12 0.12.0
sql chekt_upgraded_12 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
e6='{"id":"e6","type":"snapshot.created","created_at":"2026-05-01T00:00:10Z","data":{"snapshot_id":"snap-1","alarm_id":"A-1","url":"https://x/1.jpg"}}'
e7='{"id":"e7","type":"alarm.resolved","created_at":"2026-06-01T00:00:20Z","data":{"alarm_id":"A-1","resolution":"handled"}}'
e8='{"id":"e8","type":"alarm.acknowledged","created_at":"2026-06-01T00:00:40Z","data":{"alarm_id":"A-4","operator_id":"op-4"}}'
got=$(ingest_in chekt_upgraded_12 "$e1" "$e2" "$e6" "$e7" "$e4")
[ "$got" = "accepted accepted accepted accepted accepted" ] || fail "0.12.0 ingested: $got"
alarms_12="SELECT concat_ws(' | ',
             (SELECT string_agg(concat_ws(' ', app, alarm_id, site_id, created_at, acknowledged_by, resolved_at, state), '; ' ORDER BY alarm_id)
                FROM chekt.alarm_lifecycle),
             (SELECT string_agg(concat_ws(' ', app, alarm_id), '; ') FROM chekt.alarm_lifecycle
               WHERE site_id = 'S-1' AND created_at >= '2026-05-15'),
             (SELECT string_agg(concat_ws(' ', app, at, event_type, event_id, actor, detail, since_created_s), '; ')
                FROM chekt.alarm_timeline('A-1')))"
before=$(sql chekt_upgraded_12 -c "$alarms_12")
[ "$before" = "app-a A-1 S-1 2026-04-30 23:59:59+00 op-1 2026-06-01 00:00:20+00 resolved; app-a A-4 S-1 2026-06-01 00:00:00+00 open | app-a A-4 | app-a 2026-04-30 23:59:59+00 alarm.created e1 alarm at S-1 0; app-a 2026-05-01 00:00:10+00 snapshot.created e6 https://x/1.jpg 11; app-a 2026-05-01 00:00:30+00 alarm.acknowledged e2 op-1 31; app-a 2026-06-01 00:00:20+00 alarm.resolved e7 handled 2678421" ] ||
  fail "0.12.0 answered about alarms: $before"
# not at REPEATABLE READ, whose snapshot would miss the alarms' events
# committed while the update waits for its lock
if err=$(sql chekt_upgraded_12 -c 'BEGIN ISOLATION LEVEL REPEATABLE READ' -c 'ALTER EXTENSION chekt_events UPDATE' -c 'COMMIT' 2>&1); then
  fail "the update from 0.12.0 ran at REPEATABLE READ"
fi
grep -q 'must run at READ COMMITTED' <<<"$err" || fail "the update from 0.12.0 at REPEATABLE READ failed with: $err"
sql chekt_upgraded_12 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(sql chekt_upgraded_12 -c "$alarms_12")
[ "$got" = "$before" ] || fail "after the update from 0.12.0, the alarms' answers are: $got"
got=$(sql chekt_upgraded_12 -c "SELECT string_agg(concat_ws(' ', alarm_id, event_type, event_id), ', ' ORDER BY alarm_id, created_at) FROM chekt.alarm_trail")
[ "$got" = "A-1 alarm.created e1, A-1 snapshot.created e6, A-1 alarm.acknowledged e2, A-1 alarm.resolved e7, A-4 alarm.created e4" ] ||
  fail "after the update from 0.12.0, chekt.alarm_trail holds: $got"
got=$(ingest_in chekt_upgraded_12 "$e7" "$e8")
[ "$got" = "duplicate accepted" ] || fail "after the update from 0.12.0, ingest answered: $got"
got=$(sql chekt_upgraded_12 -c "SELECT string_agg(concat_ws(' ', alarm_id, acknowledged_by, state), '; ' ORDER BY alarm_id) FROM chekt.alarm_lifecycle")
[ "$got" = "A-1 op-1 resolved; A-4 op-4 acknowledged" ] || fail "after the update from 0.12.0 and a new acknowledgement, the lifecycles are: $got"
got=$(sql chekt_upgraded_12 -c "SET ROLE chekt_upgrade_analyst" -c "SELECT count(*) FROM chekt.alarm_trail")
[ "$got" = "6" ] || fail "after the update from 0.12.0, the analyst reads of chekt.alarm_trail: $got"

# 0.13.0: the completeness report (the view, and one site over some days)
# is the same after the update, which reads the alarms' first events and
# only the days asked of the devices' events
fresh_db chekt_upgraded_13 0.13.0
sql chekt_upgraded_13 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
# A-9 resolved, never acknowledged; D-9 online twice (the offline between
# never came), its second online's downtime not the outage before it; p-9
# armed twice
e9='{"id":"e9","type":"alarm.created","created_at":"2026-05-03T08:00:00Z","data":{"alarm_id":"A-9","site_id":"S-1"}}'
e10='{"id":"e10","type":"alarm.resolved","created_at":"2026-05-03T08:30:00Z","data":{"alarm_id":"A-9","resolution":"handled"}}'
e11='{"id":"e11","type":"device.online","created_at":"2026-04-28T10:00:00Z","data":{"device_id":"D-9","site_id":"S-1"}}'
e12='{"id":"e12","type":"device.online","created_at":"2026-05-04T10:00:00Z","data":{"device_id":"D-9","site_id":"S-1","downtime_seconds":900}}'
e13='{"id":"e13","type":"partition.armed","created_at":"2026-04-20T22:00:00Z","data":{"partition_id":"p-9","site_id":"S-1"}}'
e14='{"id":"e14","type":"partition.armed","created_at":"2026-05-05T22:00:00Z","data":{"partition_id":"p-9","site_id":"S-1"}}'
got=$(ingest_in chekt_upgraded_13 "$e9" "$e10" "$e11" "$e12" "$e13" "$e14")
[ "$got" = "accepted accepted accepted accepted accepted accepted" ] || fail "0.13.0 ingested: $got"
gaps_13="SELECT concat_ws(' | ',
           (SELECT string_agg(concat_ws(' ', site_id, day, kind, occurrences, example_id), '; ' ORDER BY day, kind)
              FROM chekt.delivery_gaps WHERE kind <> 'quarantined'),
           (SELECT string_agg(concat_ws(' ', day, kind, occurrences), '; ' ORDER BY day, kind)
              FROM chekt.site_delivery_gaps('S-1', '2026-05-01', '2026-05-31', 'app-a')),
           (SELECT string_agg(concat_ws(' ', state, started_at, ended_at, end_known), '; ' ORDER BY started_at)
              FROM chekt.partition_periods))"
before=$(sql chekt_upgraded_13 -c "$gaps_13")
[ "$before" = "S-1 2026-05-03 alarm_acknowledgement_missing 1 A-9; S-1 2026-05-04 device_offline_missing 1 D-9; S-1 2026-05-05 partition_disarm_missing 1 p-9 | 2026-05-03 alarm_acknowledgement_missing 1; 2026-05-04 device_offline_missing 1; 2026-05-05 partition_disarm_missing 1 | armed 2026-04-20 22:00:00+00 2026-05-05 22:00:00+00 f; armed 2026-05-05 22:00:00+00" ] ||
  fail "0.13.0 answered about gaps: $before"
# as a dump of 0.12.0 restored into 0.13.0 left it: the update lists the
# alarms again rather than lose their gaps
sql chekt_upgraded_13 -c 'DELETE FROM chekt.alarm_firsts' >/dev/null
sql chekt_upgraded_13 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(sql chekt_upgraded_13 -c "$gaps_13")
[ "$got" = "$before" ] || fail "after the update from 0.13.0, the gaps are: $got"
got=$(sql chekt_upgraded_13 -c "SELECT string_agg(concat_ws(' ', site_id, day, kind), '; ') FROM chekt.device_gaps_of('app-a', 'D-9', '2026-05-04', '2026-05-04')")
[ "$got" = "S-1 2026-05-04 device_offline_missing" ] || fail "after the update from 0.13.0, chekt.device_gaps_of() answered: $got"
got=$(sql chekt_upgraded_13 -c "SET ROLE chekt_upgrade_analyst" -c "SELECT count(*) FROM chekt.device_gaps_of('app-a', 'D-9', '-infinity', 'infinity')")
[ "$got" = "1" ] || fail "after the update from 0.13.0, the analyst reads of chekt.device_gaps_of(): $got"

# 0.14.0, fed by this library before the update: chekt.alarm_firsts gets
# the first event of each alarm, type and month (an acknowledgement that
# happened first but came last adds a row; a later one none); the update
# lists every event in chekt.alarm_trail, with the same timeline and
# lifecycle, and warns that a policy of the owner's on a family no longer
# narrows the timeline
fresh_db chekt_upgraded_14 0.14.0
sql chekt_upgraded_14 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" \
                      -c "CREATE POLICY upgrade_own ON chekt.snapshot_events AS RESTRICTIVE FOR SELECT TO chekt_upgrade_analyst USING (true)" >/dev/null
e15='{"id":"e15","type":"alarm.created","created_at":"2026-05-06T08:00:00Z","data":{"alarm_id":"A-15","site_id":"S-1","device_id":"cam-15"}}'
e16='{"id":"e16","type":"alarm.acknowledged","created_at":"2026-05-06T08:02:00Z","data":{"alarm_id":"A-15","operator_id":"op-late"}}'
e17='{"id":"e17","type":"alarm.acknowledged","created_at":"2026-05-06T08:01:00Z","data":{"alarm_id":"A-15","operator_id":"op-first","reason":"seen"}}'
e18='{"id":"e18","type":"alarm.acknowledged","created_at":"2026-05-06T08:03:00Z","data":{"alarm_id":"A-15","operator_id":"op-third"}}'
e19='{"id":"e19","type":"relay.activated","created_at":"2026-05-06T08:04:00Z","data":{"relay_id":"R-15","trigger":"alarm.created:A-15","duration_seconds":5}}'
got=$(ingest_in chekt_upgraded_14 "$e15" "$e16" "$e17" "$e18" "$e19")
[ "$got" = "accepted accepted accepted accepted accepted" ] || fail "0.14.0 ingested: $got"
got=$(sql chekt_upgraded_14 -c "SELECT string_agg(concat_ws(' ', event_type, event_id, device_id, operator_id), ', ' ORDER BY created_at) FROM chekt.alarm_firsts")
[ "$got" = "alarm.created e15 cam-15, alarm.acknowledged e17 op-first, alarm.acknowledged e16 op-late, relay.activated e19" ] ||
  fail "0.14.0 fed by this library listed in chekt.alarm_firsts: $got"
alarms_14="SELECT concat_ws(' | ',
             (SELECT string_agg(concat_ws(' ', alarm_id, device_id, acknowledged_by, state), '; ') FROM chekt.alarm_lifecycle),
             (SELECT string_agg(concat_ws(' ', at, event_type, event_id, actor, detail, since_created_s), '; ')
                FROM chekt.alarm_timeline('A-15')))"
before=$(sql chekt_upgraded_14 -c "$alarms_14")
[ "$before" = "A-15 cam-15 op-first acknowledged | 2026-05-06 08:00:00+00 alarm.created e15 cam-15 alarm at S-1 0; 2026-05-06 08:01:00+00 alarm.acknowledged e17 op-first seen 60; 2026-05-06 08:02:00+00 alarm.acknowledged e16 op-late 120; 2026-05-06 08:03:00+00 alarm.acknowledged e18 op-third 180; 2026-05-06 08:04:00+00 relay.activated e19 relay R-15 for 5 s 240" ] ||
  fail "0.14.0 answered about A-15: $before"
dump14=$(mktemp)
pg_dump -Fc chekt_upgraded_14 >"$dump14"
out=$(sql chekt_upgraded_14 -c 'ALTER EXTENSION chekt_events UPDATE' 2>&1)
grep -q 'WARNING:  chekt.alarm_timeline() now reads chekt.alarm_trail, which your policies upgrade_own on chekt.snapshot_events do not cover' <<<"$out" ||
  fail "the update from 0.14.0 said: $out"
got=$(sql chekt_upgraded_14 -c "$alarms_14")
[ "$got" = "$before" ] || fail "after the update from 0.14.0, A-15's answers are: $got"
got=$(sql chekt_upgraded_14 -c "SELECT string_agg(event_id, ' ' ORDER BY created_at) FROM chekt.alarm_trail")
[ "$got" = "e15 e17 e16 e18 e19" ] || fail "after the update from 0.14.0, chekt.alarm_trail holds: $got"
sql chekt_upgraded_14 -c 'DROP POLICY upgrade_own ON chekt.snapshot_events' >/dev/null
# a dump taken at 0.14.0 restores into the version it was taken at, made
# first (the dump's CREATE EXTENSION IF NOT EXISTS then makes nothing; its
# CREATE SCHEMA chekt is left out), and the update follows: README,
# "Upgrading to 0.15.0"
fresh_db chekt_restored_14 0.14.0
pg_restore -l "$dump14" | grep -v ' SCHEMA - chekt ' >"$dump14.list"
pg_restore --exit-on-error -L "$dump14.list" -d chekt_restored_14 "$dump14" 2>"$dump14.err" ||
  fail "the dump of 0.14.0 did not restore into 0.14.0: $(cat "$dump14.err")"
rm -f "$dump14" "$dump14.err" "$dump14.list"
sql chekt_restored_14 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null 2>&1
got=$(sql chekt_restored_14 -c "$alarms_14")
[ "$got" = "$before" ] || fail "restored from 0.14.0 and updated, A-15's answers are: $got"
got=$(sql chekt_restored_14 -c "SELECT string_agg(event_id, ' ' ORDER BY created_at) FROM chekt.alarm_trail")
[ "$got" = "e15 e17 e16 e18 e19" ] || fail "restored from 0.14.0 and updated, chekt.alarm_trail holds: $got"

# 0.15.0: its months have the indexes of the alarms created (by time and
# site) and of the snapshots' alarms, which no question reads since the
# trail; the update drops them from every month, and the
# timeline, the lifecycle and ingest answer as before
fresh_db chekt_upgraded_15 0.15.0
sql chekt_upgraded_15 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
e20='{"id":"e20","type":"alarm.created","created_at":"2026-04-30T23:59:00Z","data":{"alarm_id":"A-20","site_id":"S-2","device_id":"cam-20"}}'
e21='{"id":"e21","type":"snapshot.created","created_at":"2026-05-01T00:00:10Z","data":{"snapshot_id":"s-21","alarm_id":"A-20","device_id":"cam-20","url":"https://x/21"}}'
e22='{"id":"e22","type":"relay.activated","created_at":"2026-05-01T00:01:00Z","data":{"relay_id":"R-20","trigger":"alarm.created:A-20","duration_seconds":5}}'
e23='{"id":"e23","type":"alarm.resolved","created_at":"2026-05-01T00:02:00Z","data":{"alarm_id":"A-20","resolution":"handled"}}'
# D-20 online twice at S-2 (the offline between never came); D-21 left S-2
# in April; D-22 comes online in May without a site after an offline at S-2
# in April whose downtime disagrees
e25='{"id":"e25","type":"device.online","created_at":"2026-05-02T10:00:00Z","data":{"device_id":"D-20","site_id":"S-2"}}'
e26='{"id":"e26","type":"device.online","created_at":"2026-05-03T10:00:00Z","data":{"device_id":"D-20","site_id":"S-2","downtime_seconds":60}}'
e27='{"id":"e27","type":"device.online","created_at":"2026-04-02T10:00:00Z","data":{"device_id":"D-21","site_id":"S-2"}}'
e28='{"id":"e28","type":"device.offline","created_at":"2026-04-29T10:00:00Z","data":{"device_id":"D-22","site_id":"S-2"}}'
e29='{"id":"e29","type":"device.online","created_at":"2026-05-04T10:00:00Z","data":{"device_id":"D-22","downtime_seconds":60}}'
got=$(ingest_in chekt_upgraded_15 "$e20" "$e21" "$e22" "$e23" "$e25" "$e26" "$e27" "$e28" "$e29")
[ "$got" = "accepted accepted accepted accepted accepted accepted accepted accepted accepted" ] || fail "0.15.0 ingested: $got"
gaps_15="SELECT string_agg(concat_ws(' ', site_id, day, kind, occurrences, example_id), '; ' ORDER BY day, kind)
           FROM chekt.site_delivery_gaps('S-2', '2026-05-01', '2026-05-31', 'app-a')"
gaps_before=$(sql chekt_upgraded_15 -c "$gaps_15")
[ "$gaps_before" = "S-2 2026-05-03 device_offline_missing 1 D-20; S-2 2026-05-04 downtime_disagrees 1 D-22" ] ||
  fail "0.15.0 answered about S-2's gaps: $gaps_before"
month_indexes_15="SELECT count(*) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE i.relnamespace = 'chekt_private'::regnamespace
                     AND (i.relname LIKE 'alarm_events_p%_created_%' OR i.relname LIKE 'snapshot_events_p%_alarm_id_idx')"
got=$(sql chekt_upgraded_15 -c "$month_indexes_15")
[ "$got" = "6" ] || fail "0.15.0's months of April and May have $got of the indexes 0.16.0 drops, not 6"
alarms_15="SELECT concat_ws(' | ',
             (SELECT string_agg(concat_ws(' ', alarm_id, site_id, device_id, state), '; ') FROM chekt.alarm_lifecycle),
             (SELECT string_agg(concat_ws(' ', at, event_type, event_id, actor, detail), '; ')
                FROM chekt.alarm_timeline('A-20')))"
before=$(sql chekt_upgraded_15 -c "$alarms_15")
before_counts=$(counted chekt_upgraded_15 "$counts")
sql chekt_upgraded_15 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
got=$(sql chekt_upgraded_15 -c "$month_indexes_15")
[ "$got" = "0" ] || fail "after the update from 0.15.0, the months still have $got of the indexes it drops"
[ "$(counted chekt_upgraded_15 "$counts")" = "$before_counts" ] || fail "the update from 0.15.0 changed the counts"
got=$(sql chekt_upgraded_15 -c "$alarms_15")
[ "$got" = "$before" ] || fail "after the update from 0.15.0, A-20's answers are: $got (before: $before)"
got=$(sql chekt_upgraded_15 -c "$gaps_15")
[ "$got" = "$gaps_before" ] || fail "after the update from 0.15.0, S-2's gaps are: $got"
e24='{"id":"e24","type":"snapshot.created","created_at":"2026-05-01T00:03:00Z","data":{"snapshot_id":"s-24","alarm_id":"A-20","url":"https://x/24"}}'
got=$(ingest_in chekt_upgraded_15 "$e24" "$e21")
[ "$got" = "accepted duplicate" ] || fail "after the update from 0.15.0, ingest answered: $got"
got=$(sql chekt_upgraded_15 -c "SELECT string_agg(event_id, ' ' ORDER BY created_at) FROM chekt.alarm_trail")
[ "$got" = "e20 e21 e22 e23 e24" ] || fail "after the update from 0.15.0, chekt.alarm_trail holds: $got"

# 0.16.0: one device's downtime found its onlines around the window in
# every month at once; 0.17.0 looks month by month and reads the outages
# through chekt.device_outages_within(), which an analyst of 0.16.0 is
# given by the update.  Same answers, for the owner and the analyst
fresh_db chekt_upgraded_16 0.16.0
sql chekt_upgraded_16 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
# D-30 online in March, offline in March (seen again in April), offline in
# May, online in July; nothing in June
e30='{"id":"e30","type":"device.online","created_at":"2026-03-05T10:00:00Z","data":{"device_id":"D-30","site_id":"S-3"}}'
e31='{"id":"e31","type":"device.offline","created_at":"2026-03-06T10:00:00Z","data":{"device_id":"D-30","site_id":"S-3","last_seen_at":"2026-03-06T09:59:00Z"}}'
e32='{"id":"e32","type":"device.offline","created_at":"2026-04-10T10:00:00Z","data":{"device_id":"D-30","site_id":"S-3","last_seen_at":"2026-04-10T09:00:00Z"}}'
e33='{"id":"e33","type":"device.offline","created_at":"2026-05-10T10:00:00Z","data":{"device_id":"D-30","site_id":"S-3"}}'
e34='{"id":"e34","type":"device.online","created_at":"2026-07-02T10:00:00Z","data":{"device_id":"D-30","site_id":"S-3","previous_status":"offline","downtime_seconds":4492800}}'
got=$(ingest_in chekt_upgraded_16 "$e30" "$e31" "$e32" "$e33" "$e34")
[ "$got" = "accepted accepted accepted accepted accepted" ] || fail "0.16.0 ingested: $got"
downtime_16="SELECT string_agg(concat_ws(' ', offline_at, online_at, in_window_s, ended_by), '; ' ORDER BY w, offline_at)
               FROM (VALUES (1, timestamptz '2026-06-01', timestamptz '2026-06-15'), (2, '2026-03-01', '2026-08-01'),
                            (3, '-infinity', 'infinity')) AS v (w, f, t),
                    LATERAL chekt.device_downtime('D-30', v.f, v.t, 'app-a')"
before=$(sql chekt_upgraded_16 -c "$downtime_16")
[ -n "$before" ] || fail "0.16.0 answered nothing about D-30's downtime"
before_counts=$(counted chekt_upgraded_16 "$counts")
sql chekt_upgraded_16 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
[ "$(counted chekt_upgraded_16 "$counts")" = "$before_counts" ] || fail "the update from 0.16.0 changed the counts"
got=$(sql chekt_upgraded_16 -c "$downtime_16")
[ "$got" = "$before" ] || fail "after the update from 0.16.0, D-30's downtime is: $got (before: $before)"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_16 -c "$downtime_16" 2>&1)
[ "$got" = "$before" ] || fail "after the update from 0.16.0, the analyst sees D-30's downtime as: $got"
got=$(ingest_in chekt_upgraded_16 "$e34")
[ "$got" = "duplicate" ] || fail "after the update from 0.16.0, ingest answered: $got"

# 0.17.0: every month of the four families linked to alarms has a key no
# question reads, and the trail's index has an entry per event; the update
# drops the keys and indexes the trail by alarm and app, while an ingest of
# an alarm's event is open (it waits for it).  Same timeline and lifecycle
# for the owner and the analyst, each app's alarm A-40 its own, and ingest
# dedupes in the months made before it as in those made after
fresh_db chekt_upgraded_17 0.17.0
sql chekt_upgraded_17 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.add_secret('app-b', 'secret-b')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
# app-b's own alarm A-40, in May
sql chekt_upgraded_17 -v b='{"id":"e40","type":"alarm.created","created_at":"2026-05-03T08:00:00Z","data":{"alarm_id":"A-40","site_id":"S-9"}}' <<'SQL' |
SELECT chekt.ingest('app-b', '1777795205', chekt.sign('secret-b', '1777795205', :'b'), :'b', '2026-05-03 08:00:05+00');
SQL
  grep -qx accepted || fail "0.17.0 did not accept app-b's A-40"
e40='{"id":"e40","type":"alarm.created","created_at":"2026-04-30T23:58:00Z","data":{"alarm_id":"A-40","site_id":"S-4","device_id":"cam-40","priority":"HIGH"}}'
e41='{"id":"e41","type":"verification.requested","created_at":"2026-04-30T23:59:00Z","data":{"alarm_id":"A-40","requested_by":"op-4","deadline_seconds":60}}'
e42='{"id":"e42","type":"snapshot.created","created_at":"2026-05-01T00:00:10Z","data":{"snapshot_id":"s-42","alarm_id":"A-40","device_id":"cam-40","url":"https://x/42"}}'
e43='{"id":"e43","type":"relay.activated","created_at":"2026-05-01T00:01:00Z","data":{"relay_id":"R-40","trigger":"alarm.created:A-40","duration_seconds":5}}'
e44='{"id":"e44","type":"alarm.acknowledged","created_at":"2026-05-01T00:02:00Z","data":{"alarm_id":"A-40","operator_id":"op-4"}}'
e45='{"id":"e45","type":"alarm.created","created_at":"2026-05-02T08:00:00Z","data":{"alarm_id":"A-41","site_id":"S-4"}}'
got=$(ingest_in chekt_upgraded_17 "$e40" "$e41" "$e42" "$e43" "$e44" "$e45")
[ "$got" = "accepted accepted accepted accepted accepted accepted" ] || fail "0.17.0 ingested: $got"
keys_17="SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          WHERE k.contype = 'p' AND c.relnamespace = 'chekt_private'::regnamespace
            AND c.relname ~ '^(alarm|snapshot|verification|relay)_events_p'"
trail_index_17="SELECT pg_get_indexdef('chekt.alarm_trail_alarm_idx'::regclass)"
got=$(sql chekt_upgraded_17 -c "$keys_17")
[ "$got" = "8" ] || fail "0.17.0's months of April and May have $got keys of the alarms' families, not 8"
alarms_17="SELECT concat_ws(' | ',
             (SELECT string_agg(concat_ws(' ', app, alarm_id, site_id, device_id, priority, acknowledged_by, state), '; ' ORDER BY app)
                FROM chekt.alarm_lifecycle WHERE alarm_id = 'A-40'),
             (SELECT string_agg(concat_ws(' ', app, at, event_type, event_id, actor, detail, since_created_s), '; ')
                FROM chekt.alarm_timeline('A-40')))"
before=$(sql chekt_upgraded_17 -c "$alarms_17")
[ -n "$before" ] || fail "0.17.0 answered nothing about A-40"
before_counts=$(counted chekt_upgraded_17 "$counts")
# an ingest of A-41's dispatch open across the update's start: the update
# waits for it (its locks tried again), and both succeed
e47='{"id":"e47","type":"alarm.dispatched","created_at":"2026-05-02T08:01:00Z","data":{"alarm_id":"A-41","responder_type":"guard"}}'
open_ingest=$(mktemp)
sql chekt_upgraded_17 -v b="$e47" >"$open_ingest" 2>&1 <<'SQL' &
BEGIN;
SELECT chekt.ingest('app-a', '1777708865', chekt.sign('secret-a', '1777708865', :'b'), :'b', '2026-05-02 08:01:05+00');
SELECT pg_sleep(1.5) /* open ingest */;
COMMIT;
SQL
open_pid=$!
for _ in $(seq 100); do
  [ "$(sql chekt_upgraded_17 -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%/* open ingest */%' AND pid <> pg_backend_pid()")" = 1 ] && break
  sleep 0.05
done
sql chekt_upgraded_17 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null || fail "the update from 0.17.0 failed beside an open ingest"
wait "$open_pid" || fail "the ingest open across the update from 0.17.0 failed: $(cat "$open_ingest")"
grep -qx accepted "$open_ingest" || fail "the ingest open across the update from 0.17.0 answered: $(cat "$open_ingest")"
rm -f "$open_ingest"
got=$(sql chekt_upgraded_17 -c "$keys_17")
[ "$got" = "0" ] || fail "after the update from 0.17.0, the alarms' months still have $got keys"
got=$(sql chekt_upgraded_17 -c "$trail_index_17")
[ "$got" = "CREATE INDEX alarm_trail_alarm_idx ON chekt.alarm_trail USING btree (alarm_id, app)" ] ||
  fail "after the update from 0.17.0, the trail's index is: $got"
got=$(sql chekt_upgraded_17 -c "SELECT string_agg(event_id || ':' || delivery_count, ' ' ORDER BY app, event_id) FROM chekt_private.events")
[ "$got" = "e40:1 e41:1 e42:1 e43:1 e44:1 e45:1 e47:1 e40:1" ] || fail "after the update from 0.17.0 beside an open ingest, the events are: $got"
# every count as before, and the open ingest's event and alarm row
expected_counts=$(echo "$before_counts" | awk '{ split($1, e, "/"); $1 = (e[1] + 1) "/" (e[2] + 1); $3 = $3 + 1; print }')
got=$(counted chekt_upgraded_17 "$counts")
[ "$got" = "$expected_counts" ] || fail "the update from 0.17.0 beside an open ingest left the counts $got (before: $before_counts)"
got=$(sql chekt_upgraded_17 -c "SELECT string_agg(concat_ws(' ', app, event_id, event_type), '; ' ORDER BY app, at) FROM chekt.alarm_timeline('A-40')")
[ "$got" = "app-a e40 alarm.created; app-a e41 verification.requested; app-a e42 snapshot.created; app-a e43 relay.activated; app-a e44 alarm.acknowledged; app-b e40 alarm.created" ] ||
  fail "after the update from 0.17.0, A-40's timeline of both apps is: $got"
got=$(sql chekt_upgraded_17 -c "SELECT string_agg(event_id, ' ') FROM chekt.alarm_timeline('A-40', 'app-b')")
[ "$got" = "e40" ] || fail "after the update from 0.17.0, app-b's A-40 is: $got"
got=$(sql chekt_upgraded_17 -c "$alarms_17")
[ "$got" = "$before" ] || fail "after the update from 0.17.0, A-40's answers are: $got (before: $before)"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_17 -c "$alarms_17" 2>&1)
[ "$got" = "$before" ] || fail "after the update from 0.17.0, the analyst sees A-40 as: $got"
e46='{"id":"e46","type":"alarm.resolved","created_at":"2026-06-01T00:00:00Z","data":{"alarm_id":"A-40","resolution":"handled"}}'
e41b='{"id":"e41","type":"verification.requested","created_at":"2026-04-30T23:59:00Z","data":{"alarm_id":"A-40","requested_by":"op-5","deadline_seconds":60}}'
got=$(ingest_in chekt_upgraded_17 "$e46" "$e41" "$e42" "$e46" "$e41b")
[ "$got" = "accepted duplicate duplicate duplicate id_conflict" ] || fail "after the update from 0.17.0, ingest answered: $got"
got=$(sql chekt_upgraded_17 -c "$keys_17")
[ "$got" = "0" ] || fail "the month of June, made after the update from 0.17.0, has $got keys of the alarms' families"
got=$(sql chekt_upgraded_17 -c "SELECT string_agg(event_id, ' ' ORDER BY created_at) FROM chekt.alarm_trail WHERE alarm_id = 'A-40' AND app = 'app-a'")
[ "$got" = "e40 e41 e42 e43 e44 e46" ] || fail "after the update from 0.17.0, A-40's trail holds: $got"
got=$(sql chekt_upgraded_17 -c "SELECT string_agg(event_id || ':' || delivery_count, ' ' ORDER BY event_id) FROM chekt_private.events WHERE event_id IN ('e41', 'e42', 'e46')")
[ "$got" = "e41:2 e42:2 e46:2" ] || fail "after the update from 0.17.0, the redeliveries were counted as: $got"

# 0.18.0: the update restates the lifecycle (its branch of alarms whose
# alarm.created never came lists them in the other branch's column order),
# a site's gaps (fenced, as Citus plans them) and grant_analyst() (its row
# computed before it is written), and adds chekt.distribute().  Site S-8
# has, for app-a, an alarm resolved and never acknowledged, an alarm known
# only by its acknowledgement, a device whose online disagrees with its outage, and a
# disarm after a disarm; app-b has its own A-80, acknowledged.  The lifecycle,
# the gaps and the daily summary are the same after the update, for the
# owner and for an analyst of app-a; the analyst's scope, changed after
# it, is app-b's at once; chekt.distribute() refuses a database without
# Citus and changes nothing
fresh_db chekt_upgraded_18 0.18.0
sql chekt_upgraded_18 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.add_secret('app-b', 'secret-b')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a'])" >/dev/null
sql chekt_upgraded_18 -v b='{"id":"b80","type":"alarm.created","created_at":"2026-05-04T09:30:00Z","data":{"alarm_id":"A-80","site_id":"S-8"}}' \
                      -v k='{"id":"b81","type":"alarm.acknowledged","created_at":"2026-05-04T09:31:00Z","data":{"alarm_id":"A-80","operator_id":"op-b"}}' <<'SQL' |
SELECT chekt.ingest('app-b', '1777887005', chekt.sign('secret-b', '1777887005', :'b'), :'b', '2026-05-04 09:30:05+00');
SELECT chekt.ingest('app-b', '1777887065', chekt.sign('secret-b', '1777887065', :'k'), :'k', '2026-05-04 09:31:05+00');
SQL
  tr '\n' ' ' | grep -qx 'accepted accepted ' || fail "0.18.0 did not accept app-b's A-80"
e80='{"id":"e80","type":"alarm.created","created_at":"2026-05-04T09:00:00Z","data":{"alarm_id":"A-80","site_id":"S-8","device_id":"cam-80","priority":"HIGH"}}'
e81='{"id":"e81","type":"alarm.resolved","created_at":"2026-05-04T09:20:00Z","data":{"alarm_id":"A-80","resolution":"false_alarm"}}'
e82='{"id":"e82","type":"alarm.acknowledged","created_at":"2026-05-04T10:00:00Z","data":{"alarm_id":"A-81","operator_id":"op-8"}}'
e83='{"id":"e83","type":"device.offline","created_at":"2026-05-04T11:00:00Z","data":{"device_id":"D-80","site_id":"S-8"}}'
e84='{"id":"e84","type":"device.online","created_at":"2026-05-04T12:00:00Z","data":{"device_id":"D-80","site_id":"S-8","previous_status":"offline","downtime_seconds":600}}'
e85='{"id":"e85","type":"partition.disarmed","created_at":"2026-05-05T07:00:00Z","data":{"partition_id":"P-80","site_id":"S-8"}}'
e86='{"id":"e86","type":"partition.disarmed","created_at":"2026-05-06T07:00:00Z","data":{"partition_id":"P-80","site_id":"S-8"}}'
got=$(ingest_in chekt_upgraded_18 "$e80" "$e81" "$e82" "$e83" "$e84" "$e85" "$e86")
[ "$got" = "accepted accepted accepted accepted accepted accepted accepted" ] || fail "0.18.0 ingested: $got"
site_18="SELECT concat_ws(' | ',
           (SELECT string_agg(concat_ws(' ', app, alarm_id, site_id, acknowledged_by, resolution, state), '; ' ORDER BY app, alarm_id)
              FROM chekt.alarm_lifecycle),
           (SELECT string_agg(concat_ws(':', app, day, kind, reason, occurrences, example_id), ' ' ORDER BY app, day, kind)
              FROM chekt.site_delivery_gaps('S-8', '2026-05-01', '2026-05-31')),
           (SELECT string_agg(concat_ws(':', app, day, kind, occurrences, example_id), ' ' ORDER BY app, day, kind)
              FROM chekt.delivery_gaps WHERE site_id = 'S-8'),
           (SELECT string_agg(concat_ws(' ', app, day, alarms, downtime_s), '; ' ORDER BY app, day)
              FROM chekt.site_daily_summary WHERE site_id = 'S-8'))"
before=$(sql chekt_upgraded_18 -c "$site_18")
case $before in
  "app-a A-80 S-8 false_alarm resolved; app-a A-81 op-8 acknowledged; app-b A-80 S-8 op-b acknowledged | "*":alarm_acknowledgement_missing:1:A-80 "*":downtime_disagrees:1:D-80 "*":partition_arm_missing:1:P-80 | "*" | app-a 2026-05-04 1 "*"; app-b 2026-05-04 1 "*) ;;
  *) fail "0.18.0 answers about S-8: $before" ;;
esac
before_analyst=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_18 -c "$site_18")
case $before_analyst in
  *app-b*|"") fail "0.18.0's analyst of app-a reads about S-8: $before_analyst" ;;
esac
before_counts=$(counted chekt_upgraded_18 "$counts")
sql chekt_upgraded_18 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
[ "$(counted chekt_upgraded_18 "$counts")" = "$before_counts" ] || fail "the update from 0.18.0 changed the counts"
got=$(sql chekt_upgraded_18 -c "$site_18")
[ "$got" = "$before" ] || fail "after the update from 0.18.0, S-8's answers are: $got (before: $before)"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_18 -c "$site_18" 2>&1)
[ "$got" = "$before_analyst" ] || fail "after the update from 0.18.0, the analyst reads S-8 as: $got (before: $before_analyst)"
# the scope changed by the restated grant_analyst(), read by the analyst's
# next statement in the same session
got=$(sql chekt_upgraded_18 <<'SQL' 2>&1
SET ROLE chekt_upgrade_analyst;
SELECT string_agg(DISTINCT app, ' ') FROM chekt.alarm_lifecycle;
RESET ROLE;
SELECT FROM chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-b']);
SET ROLE chekt_upgrade_analyst;
SELECT string_agg(DISTINCT app, ' ') FROM chekt.alarm_lifecycle;
RESET ROLE;
SELECT analyst::text || ':' || coalesce(apps::text, 'every app') FROM chekt_private.analysts;
SQL
)
[ "$(echo $got)" = "app-a app-b chekt_upgrade_analyst:{app-b}" ] || fail "after the update from 0.18.0, the analyst's scope changed as: $got"
sql chekt_upgraded_18 -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a'])" >/dev/null
got=$(sql chekt_upgraded_18 -c "SELECT chekt.distribute()" 2>&1) && fail "chekt.distribute() ran on a database without Citus: $got"
case $got in
  *"Citus is not installed in this database"*"HINT:  Run CREATE EXTENSION citus"*) ;;
  *) fail "chekt.distribute() without Citus said: $got" ;;
esac
got=$(sql chekt_upgraded_18 -c "$site_18")
[ "$got" = "$before" ] || fail "after chekt.distribute() refused, S-8's answers are: $got"
got=$(ingest_in chekt_upgraded_18 "$e85" "$e80")
[ "$got" = "duplicate duplicate" ] || fail "after the update from 0.18.0, ingest answered: $got"

# 0.19.0: the update adds chekt.analyst_scope_rows() and the Citus forms of
# chekt.analyst_scope and chekt.quarantine_daily, which a database not
# distributed does not take.  An analyst of app-a, app-b's deliveries
# refused (a forged one and a malformed one) beside app-a's: the scope, the
# quarantine by day and the gaps it shows, for the owner and for the
# analyst, are the same after the update, and the scope's rows are the
# view's
fresh_db chekt_upgraded_19 0.19.0
sql chekt_upgraded_19 -c "SELECT chekt.add_secret('app-a', 'secret-a')" \
                      -c "SELECT chekt.add_secret('app-b', 'secret-b')" \
                      -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst', ARRAY['app-a'])" >/dev/null
e90='{"id":"e90","type":"alarm.created","created_at":"2026-05-07T09:00:00Z","data":{"alarm_id":"A-90","site_id":"S-9"}}'
got=$(sql chekt_upgraded_19 -v b="$e90" <<'SQL' | tr '\n' ' '
SELECT chekt.ingest('app-b', '1778144400', chekt.sign('not-secret-b', '1778144400', :'b'), :'b', '2026-05-07 09:00:05+00');
SELECT chekt.ingest('app-b', '1778144400', chekt.sign('secret-b', '1778144400', '{"id":'), '{"id":', '2026-05-07 09:00:05+00');
SQL
)
[ "$got" = "bad_signature malformed_json " ] || fail "0.19.0 answered app-b's deliveries: $got"
got=$(ingest_in chekt_upgraded_19 "$e90" '{"id":"e91","type":"alarm.created","created_at":"2026-05-07T09:01:00Z","data":{"site_id":"S-9"}}')
[ "$got" = "accepted invalid_payload" ] || fail "0.19.0 ingested: $got"
quarantine_19="SELECT concat_ws(' | ',
                 (SELECT string_agg(concat_ws(':', analyst, app), ' ' ORDER BY analyst, app) FROM chekt.analyst_scope),
                 (SELECT string_agg(concat_ws(':', app, day, reason, deliveries, example_rejected_id IS NOT NULL), ' ' ORDER BY app, reason)
                    FROM chekt.quarantine_daily),
                 (SELECT string_agg(concat_ws(':', app, day, kind, reason, occurrences), ' ' ORDER BY app, kind, reason)
                    FROM chekt.delivery_gaps))"
before=$(sql chekt_upgraded_19 -c "$quarantine_19")
before_analyst=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_19 -c "$quarantine_19")
[ "$before_analyst" = "chekt_upgrade_analyst:app-a | app-a:2026-05-07:invalid_payload:1:f | app-a:2026-05-07:quarantined:invalid_payload:1" ] ||
  fail "0.19.0's analyst of app-a reads: $before_analyst"
before_counts=$(counted chekt_upgraded_19 "$counts")
sql chekt_upgraded_19 -c 'ALTER EXTENSION chekt_events UPDATE' >/dev/null
[ "$(counted chekt_upgraded_19 "$counts")" = "$before_counts" ] || fail "the update from 0.19.0 changed the counts"
got=$(sql chekt_upgraded_19 -c "$quarantine_19")
[ "$got" = "$before" ] || fail "after the update from 0.19.0, the owner reads: $got (before: $before)"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_19 -c "$quarantine_19")
[ "$got" = "$before_analyst" ] || fail "after the update from 0.19.0, the analyst reads: $got (before: $before_analyst)"
got=$(PGOPTIONS="-c role=chekt_upgrade_analyst" sql chekt_upgraded_19 \
        -c "SELECT string_agg(concat_ws(':', analyst, app), ' ' ORDER BY analyst, app) FROM chekt.analyst_scope_rows()")
[ "$got" = "chekt_upgrade_analyst:app-a" ] || fail "after the update from 0.19.0, chekt.analyst_scope_rows() gives the analyst: $got"
got=$(ingest_in chekt_upgraded_19 "$e90")
[ "$got" = "duplicate" ] || fail "after the update from 0.19.0, ingest answered: $got"

fresh_db chekt_fresh
sql chekt_fresh -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
# the feeder's grants as README documents them, which the update gave the
# 0.7.0 feeder: the schemas compare equal with them
documented_feeder="GRANT USAGE ON SCHEMA chekt, chekt_private TO chekt_upgrade_feeder;
                   GRANT INSERT ON chekt_private.inbox TO chekt_upgrade_feeder"
# every object of schemas chekt and chekt_private as text: columns, constraints, indexes,
# triggers, view and function definitions, comments and privileges
schema() {
  sql "$1" <<'SQL'
SELECT format('%s %s %s %s %s', c.oid::regclass, c.relkind, c.relacl, c.relrowsecurity, obj_description(c.oid, 'pg_class'))
  FROM pg_class c WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT format('%s %s %s %s %s', p.polname, p.polrelid::regclass, p.polcmd, p.polroles::regrole[],
              pg_get_expr(p.polqual, p.polrelid))
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT format('%s %s', t.oid::regtype, obj_description(t.oid, 'pg_type'))
  FROM pg_type t WHERE t.typnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT format('%s.%s %s %s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
              a.attnotnull, a.attcollation::regcollation, pg_get_expr(d.adbin, d.adrelid),
              col_description(c.oid, a.attnum))
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT format('%s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
 WHERE connamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace))
UNION ALL
SELECT format('%s %s %s', tgname, tgenabled, pg_get_triggerdef(oid)) FROM pg_trigger
 WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace))
UNION ALL
SELECT format('%s %s', c.relname, pg_get_viewdef(c.oid)) FROM pg_class c
 WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace) AND c.relkind = 'v'
UNION ALL
SELECT format('%s %s %s', p.oid::regprocedure, p.proacl, obj_description(p.oid, 'pg_proc'))
       || pg_get_functiondef(p.oid)
  FROM pg_proc p WHERE p.pronamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
UNION ALL
SELECT format('%s %s', e.extconfig::regclass[], e.extcondition) FROM pg_extension e WHERE e.extname = 'chekt_events'
UNION ALL
SELECT format('%s %s %s', n.nspname, n.nspacl, obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n WHERE n.nspname IN ('chekt', 'chekt_private')
UNION ALL
-- the privileges pg_dump takes as given by CREATE EXTENSION (and so leaves out)
SELECT format('init %s %s', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.initprivs)
  FROM pg_init_privs i JOIN pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'chekt_events')
ORDER BY 1;
SQL
}
sql chekt_fresh -c "$documented_feeder" >/dev/null
for upgraded in chekt_upgraded chekt_upgraded_04 chekt_upgraded_05 chekt_upgraded_06 chekt_upgraded_07 chekt_upgraded_09 chekt_upgraded_10 chekt_upgraded_11 chekt_upgraded_12 chekt_upgraded_13 chekt_upgraded_14 chekt_upgraded_15 chekt_upgraded_16 chekt_upgraded_17 chekt_upgraded_18 chekt_upgraded_19; do
  [ $upgraded = chekt_upgraded ] && sql chekt_upgraded -c "SELECT chekt.grant_analyst('chekt_upgrade_analyst')" >/dev/null
  [ $upgraded = chekt_upgraded_07 ] || sql $upgraded -c "$documented_feeder" >/dev/null
  # the months the update made, made in the fresh install as ingest makes
  # them: the same partitions either way
  sql chekt_fresh >/dev/null <<SQL
DO \$\$
DECLARE leaf regclass;
BEGIN
  FOR leaf IN SELECT i.inhrelid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent
               WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace) AND c.relkind = 'p' LOOP
    EXECUTE format('DROP TABLE %s', leaf);
  END LOOP;
END
\$\$;
SELECT chekt_private.create_month(to_timestamp(m, 'YYYYMM')::timestamp AT TIME ZONE 'UTC')
  FROM unnest('$(sql $upgraded -Atc "SELECT array_agg(DISTINCT substring(relname FROM '_p([0-9]{6})\$')) FROM pg_class WHERE relispartition AND relkind = 'r' AND relnamespace = 'chekt_private'::regnamespace")'::text[]) AS m;
SQL
  if ! diff <(schema $upgraded) <(schema chekt_fresh) >/dev/null; then
    diff <(schema $upgraded) <(schema chekt_fresh) | head -20
    fail "the schema of $upgraded differs from a fresh install"
  fi
done
echo "0.1.0, 0.4.0 (two apps, an analyst), 0.5.0 (a lost online), 0.6.0 (a lost disarm), 0.7.0 (a feeder), 0.9.0 (months made by ingest), 0.10.0 (ids trimmed), 0.11.0 (a device's downtime), 0.12.0 (an alarm's lifecycle and timeline), 0.13.0 (a site's gaps), 0.14.0 (an alarm's first events, fed by this library), 0.15.0 (indexes no question reads), 0.16.0 (a device's onlines month by month), 0.17.0 (keys no question reads), 0.18.0 (a site's answers, an analyst's scope) and 0.19.0 (the quarantine an analyst reads) with data updated to $default: data kept, new questions answered, the feeder still feeding, same schema as a fresh install"
