--
-- Plans that do not depend on lucky statistics (issue 13): a month analysed
-- while it was empty, then filled, must still take redeliveries by its key.
-- Before 0.9.0 the duplicate count chose, from such statistics, an index
-- scan with a filter that read 351,203 rows for 40 ids.  Read here from the
-- partition's own counters: rows read by sequential scans, and index
-- entries fetched, while 40 redeliveries are counted.
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('regress_plans', 'plans-secret') > 0 AS added;
SET stats_fetch_consistency = none;

-- March 2024, made and analysed while empty, never analysed again
SELECT chekt_private.create_month('2024-03-01');
ALTER TABLE chekt_private.events_p202403 SET (autovacuum_enabled = false);
ALTER TABLE chekt_private.alarm_events_p202403 SET (autovacuum_enabled = false);
ANALYZE chekt_private.events_p202403, chekt_private.alarm_events_p202403;
SELECT relname, reltuples FROM pg_class
 WHERE relname IN ('events_p202403', 'alarm_events_p202403') ORDER BY relname;

-- how far chekt_private.event_ids is known complete (0.11.0): ids created
-- later are looked up there only, never in their month
SELECT latest_created_at < '2024-03-01' AS march_ids_all_in_event_ids
  FROM chekt_private.event_ids_trimmed;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE plans_key_scans AS
SELECT coalesce(idx_scan, 0) AS idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'events_p202403_pkey';

-- 20,000 alarms of that month, as one stream
CREATE TEMP TABLE plans_body AS
SELECT a, format('{"id":"evt_plans_%s","type":"alarm.created","created_at":"%s","data":{"alarm_id":"A-plans-%s","site_id":"S-%s"}}',
                 a, to_char(timestamptz '2024-03-02' + a * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                 a, a % 40) AS body
  FROM generate_series(1, 20000) AS a;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', t, extract(epoch FROM t)::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM t)::bigint::text, body), body
  FROM plans_body, LATERAL (SELECT timestamptz '2024-03-02' + a * interval '1 minute' AS t) AS r;
-- 20,000 new ids, and not one look at the month's key (before 0.11.0, one
-- each: 20,000)
SELECT pg_stat_force_next_flush();
SELECT s.idx_scan - b.idx_scan AS month_key_scans
  FROM pg_stat_user_indexes s, plans_key_scans b WHERE s.indexrelname = 'events_p202403_pkey';
SELECT count(*) AS stored FROM chekt_private.events_p202403 WHERE app = 'regress_plans';

-- the partition's counters before the redeliveries
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE plans_before AS
SELECT relname, coalesce(seq_tup_read, 0) AS seq_tup_read, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch
  FROM pg_stat_user_tables WHERE relname IN ('events_p202403', 'alarm_events_p202403');

-- 40 of them delivered again: counted, each found by its key
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', t, extract(epoch FROM t)::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM t)::bigint::text, body), body
  FROM plans_body, LATERAL (SELECT timestamptz '2024-03-02' + a * interval '1 minute' + interval '5 minutes' AS t) AS r
 WHERE a % 500 = 0;
SELECT pg_stat_force_next_flush();
SELECT count(*) AS counted_twice FROM chekt_private.events_p202403
 WHERE app = 'regress_plans' AND delivery_count = 2;

-- rows read by a sequential scan: none; index entries fetched: the 40 (and
-- no more than a few per redelivery), not the month.  The alarms' months
-- have no index since 0.18.0 (nothing fetched by one: empty), and ingest
-- reads none of their rows
SELECT s.relname, s.seq_tup_read - b.seq_tup_read AS rows_read_by_seq_scans,
       s.idx_tup_fetch - b.idx_tup_fetch <= 3 * 40 AS fetched_by_key_only
  FROM pg_stat_user_tables s JOIN plans_before b USING (relname)
 ORDER BY s.relname;

-- the ids of those 40 trimmed from chekt_private.event_ids, as
-- chekt.maintain() trims them after id_window: recorded, and the next
-- redeliveries still found in the month, counted a third time (were a
-- trimmed id taken for a new one, its event would be stored twice and the
-- batch fail on the month's key)
DELETE FROM chekt_private.event_ids
 WHERE app = 'regress_plans' AND event_id IN (SELECT 'evt_plans_' || a FROM plans_body WHERE a % 500 = 0);
SELECT latest_created_at AS latest_trimmed FROM chekt_private.event_ids_trimmed;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', t, extract(epoch FROM t)::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM t)::bigint::text, body), body
  FROM plans_body, LATERAL (SELECT timestamptz '2024-03-02' + a * interval '1 minute' + interval '9 minutes' AS t) AS r
 WHERE a % 500 = 0;
SELECT delivery_count, count(*) FROM chekt_private.events_p202403
 WHERE app = 'regress_plans' GROUP BY delivery_count ORDER BY delivery_count;

-- a record that is wrong (here: an id removed with the trigger off) costs
-- a second, careful attempt at the batch, which looks at the month: found,
-- counted, nothing fails
BEGIN;
ALTER TABLE chekt_private.event_ids DISABLE TRIGGER event_ids_deleted;
DELETE FROM chekt_private.event_ids WHERE app = 'regress_plans' AND event_id = 'evt_plans_999';
SELECT chekt.ingest('regress_plans', '1709424000',
                    'sha256=' || chekt.sign('plans-secret', '1709424000', body), body, '2024-03-03 00:00:00+00')
  FROM plans_body WHERE a = 999;
ROLLBACK;

-- every id gone at once: every stored event counts as trimmed
BEGIN;
TRUNCATE chekt_private.event_ids;
SELECT t.latest_created_at = (SELECT max(created_at) FROM chekt_private.events) AS latest_is_newest_event
  FROM chekt_private.event_ids_trimmed t;
SELECT chekt.ingest('regress_plans', '1709424000',
                    'sha256=' || chekt.sign('plans-secret', '1709424000', body), body, '2024-03-03 00:00:00+00')
  FROM plans_body WHERE a = 1000;
ROLLBACK;

-- a month of chekt_private.events made by hand without its key (the table
-- has none to give it) is refused, with what to do: new ids are stored
-- there without a look at the month, and its key is what catches one taken
-- wrongly for new
BEGIN;
CREATE TABLE chekt_private.events_p202405 PARTITION OF chekt_private.events
  FOR VALUES FROM ('2024-05-01 00:00:00+00') TO ('2024-06-01 00:00:00+00');
SELECT chekt.ingest('regress_plans', '1714608000', 'sha256=' || chekt.sign('plans-secret', '1714608000', b), b,
                    '2024-05-02 00:00:00+00')
  FROM (VALUES ('{"id":"evt_plans_may","type":"alarm.created","created_at":"2024-05-02T00:00:00Z","data":{"alarm_id":"A-may","site_id":"S-1"}}')) AS v (b);
ROLLBACK;

-- one device's downtime reads only the months from the device's last
-- online before the window to its first online after it (issue 13,
-- contract 4): here June and July 2024, however many months lie behind,
-- in the app given or in every app that has the device; and the question
-- about every device of the app likewise.  Before 0.12.0 the first two
-- also looked the device up in every month's key, and the third walked
-- every month's index for the app's devices.
CREATE TEMP TABLE plans_device AS
SELECT format('{"id":"evt_cam_%s_%s","type":"device.%s","created_at":"%s","data":{"device_id":"cam-months","site_id":"S-1"%s}}',
              to_char(at, 'MMDD'), kind, kind, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              CASE kind WHEN 'online' THEN ',"previous_status":"offline","downtime_seconds":600'
                        ELSE format(',"last_seen_at":"%s"', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END) AS body,
       at
  FROM generate_series(timestamptz '2024-01-05 10:00', '2024-07-05 10:00', interval '1 month') AS m (m),
       LATERAL (VALUES (m, 'offline'), (m + interval '10 minutes', 'online'),
                       (m + interval '10 days', 'offline'), (m + interval '10 days 10 minutes', 'online')) AS e (at, kind);
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', at + interval '1 minute', extract(epoch FROM at + interval '1 minute')::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM at + interval '1 minute')::bigint::text, body), body
  FROM plans_device;
SELECT to_char(created_at, 'YYYY-MM') AS month, count(*) AS device_events
  FROM chekt.device_events WHERE device_id = 'cam-months' GROUP BY 1 ORDER BY 1;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE plans_device_scans AS
SELECT relname, seq_scan + coalesce(idx_scan, 0) AS scans
  FROM pg_stat_user_tables WHERE relname LIKE 'device\_events\_p2024%';
SELECT offline_at, online_at, in_window_s, ended_by
  FROM chekt.device_downtime('cam-months', '2024-06-10', '2024-06-20', 'regress_plans');
SELECT app, offline_at, online_at, in_window_s
  FROM chekt.device_downtime('cam-months', '2024-06-10', '2024-06-20');
SELECT device_id, offline_at, online_at, in_window_s
  FROM chekt.device_downtime(NULL, '2024-06-10', '2024-06-20', 'regress_plans');
SELECT pg_stat_force_next_flush();
SELECT s.relname, s.seq_scan + coalesce(s.idx_scan, 0) > b.scans AS read
  FROM pg_stat_user_tables s JOIN plans_device_scans b USING (relname)
 ORDER BY s.relname;
-- the months it was found in
SELECT app, month FROM chekt.device_months WHERE device_id = 'cam-months' ORDER BY month;

-- its onlines around the window looked for month by month (0.17.0), back
-- past a month with no online and months with no event, and on past one
-- with only an offline: the same outages as chekt.device_outages_of()
-- finds, which asks every month at once
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', at + interval '1 minute', extract(epoch FROM at + interval '1 minute')::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM at + interval '1 minute')::bigint::text, b), b
  FROM (VALUES (timestamptz '2024-01-05 10:00+00', '{"id":"evt_walk_1","type":"device.online","created_at":"2024-01-05T10:00:00Z","data":{"device_id":"cam-walk","site_id":"S-walk"}}'),
               ('2024-01-06 10:00+00', '{"id":"evt_walk_2","type":"device.offline","created_at":"2024-01-06T10:00:00Z","data":{"device_id":"cam-walk","site_id":"S-walk","last_seen_at":"2024-01-06T09:59:00Z"}}'),
               ('2024-03-10 10:00+00', '{"id":"evt_walk_3","type":"device.offline","created_at":"2024-03-10T10:00:00Z","data":{"device_id":"cam-walk","site_id":"S-walk","last_seen_at":"2024-03-10T09:00:00Z"}}'),
               ('2024-05-10 10:00+00', '{"id":"evt_walk_4","type":"device.offline","created_at":"2024-05-10T10:00:00Z","data":{"device_id":"cam-walk","site_id":"S-walk"}}'),
               ('2024-06-20 10:00+00', '{"id":"evt_walk_5","type":"device.online","created_at":"2024-06-20T10:00:00Z","data":{"device_id":"cam-walk","site_id":"S-walk","previous_status":"offline"}}'))
       AS e (at, b);
SELECT offline_at, online_at, in_window_s, ended_by
  FROM chekt.device_downtime('cam-walk', '2024-04-01', '2024-04-15');
SELECT count(*) AS windows, count(*) FILTER (WHERE d.differing > 0) AS outages_not_the_same
  FROM (VALUES (timestamptz '2024-04-01', timestamptz '2024-04-15'), ('2024-01-01', '2024-01-05'),
               ('2024-01-05 10:00', '2024-01-05 10:00'), ('2024-06-20 10:00', '2024-07-01'),
               ('-infinity', 'infinity'), ('2023-01-01', '2023-02-01')) AS w (f, t),
       LATERAL (SELECT count(*) AS differing
                  FROM ((SELECT offline_at, online_at, ended_by FROM chekt.device_downtime('cam-walk', w.f, w.t)
                         EXCEPT SELECT offline_at, online_at, ended_by FROM chekt.device_outages_of('regress_plans', 'cam-walk', w.f, w.t))
                        UNION ALL
                        (SELECT offline_at, online_at, ended_by FROM chekt.device_outages_of('regress_plans', 'cam-walk', w.f, w.t)
                         EXCEPT SELECT offline_at, online_at, ended_by FROM chekt.device_downtime('cam-walk', w.f, w.t))) AS x) AS d;
-- NULL for an online there is none of, as -infinity and infinity are
SELECT offline_at, online_at, ended_by
  FROM chekt.device_outages_within('regress_plans', 'cam-walk', '2024-04-01', '2024-04-15', NULL, NULL);
-- a window ending in the first month timestamps have: no rows, no error
-- (a first 0.17.0 computed that month's start, which is out of range)
SELECT count(*) AS outages_before_time_began
  FROM chekt.device_downtime('cam-walk', '-infinity', '4714-11-24 00:00:00+00 BC');

-- a site's completeness report over some days reads, of its devices'
-- events, only the months around those days, and of its alarms only their
-- first events (issue 13, contract 4): before 0.14.0 it worked out every
-- outage and online of each device since its first event, probing every
-- month, and looked the site's alarms up in every month of
-- chekt.alarm_events.  cam-months comes online on 16 June after the online
-- of the 15th: the offline between never came.  p-months is armed on the
-- 5th of every month, and again on 15 June: the disarms between never
-- came (0.14.0: the site's partitions are read from the last instant
-- before the days whose arms and disarms did not balance)
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', at + interval '1 minute', extract(epoch FROM at + interval '1 minute')::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM at + interval '1 minute')::bigint::text, b), b
  FROM (SELECT timestamptz '2024-06-16 10:00+00' AS at,
               '{"id":"evt_cam_0616_online","type":"device.online","created_at":"2024-06-16T10:00:00Z","data":{"device_id":"cam-months","site_id":"S-1","previous_status":"offline"}}' AS b
        UNION ALL
        SELECT m, format('{"id":"evt_arm_%s","type":"partition.armed","created_at":"%s","data":{"partition_id":"p-months","site_id":"S-1"}}',
                         to_char(m, 'MMDD'), to_char(m, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
          FROM generate_series(timestamptz '2024-01-05 20:00+00', '2024-07-05 20:00+00', interval '1 month') AS m
        UNION ALL
        SELECT '2024-06-15 20:00+00',
               '{"id":"evt_arm_0615","type":"partition.armed","created_at":"2024-06-15T20:00:00Z","data":{"partition_id":"p-months","site_id":"S-1"}}') AS e
 ORDER BY at;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE plans_gap_scans AS
SELECT indexrelname, idx_scan FROM pg_stat_user_indexes
 WHERE relname ~ '^(device|alarm|partition)_events_p2024';
SELECT app, site_id, day, kind, occurrences, example_id
  FROM chekt.site_delivery_gaps('S-1', '2024-06-12', '2024-06-18', 'regress_plans');
SELECT pg_stat_force_next_flush();
-- (beside one probe of each month's site indexes, which list the site's
-- partitions)
SELECT s.indexrelname AS gaps_read
  FROM pg_stat_user_indexes s JOIN plans_gap_scans b USING (indexrelname)
 WHERE s.idx_scan > b.idx_scan AND s.indexrelname NOT LIKE '%site\_idx'
 ORDER BY 1;
-- and of the devices' months, only those from the days on: a device has a
-- gap of the days only with an event from their first on, so the site's
-- devices are listed from those months (until 0.16.0 every month's site
-- index was probed for every device the site ever had)
SELECT DISTINCT substring(s.indexrelname FROM '^device_events_p[0-9]{6}') AS device_months_read
  FROM pg_stat_user_indexes s JOIN plans_gap_scans b USING (indexrelname)
 WHERE s.idx_scan > b.idx_scan AND s.indexrelname LIKE 'device\_events%'
 ORDER BY 1;
DROP TABLE plans_gap_scans;

-- an alarm's timeline and the lifecycles read no month at all (issue 13,
-- contract 4): alarms carry no time, and before 0.13.0 the timeline looked
-- the alarm up in every month of four families, and the lifecycle view
-- planned and probed them all; until 0.15.0 the timeline read every month
-- between its alarm's first and last events.
-- A-span starts on 28 June and ends on 2 July; A-jan is in January, but
-- for the relay its creation set off, which names it in its trigger on
-- 1 February.  A-span's second acknowledgement happened first but arrives
-- last.
CREATE TEMP TABLE plans_alarm AS
SELECT format('{"id":"%s","type":"%s","created_at":"%s","data":%s}',
              id, type, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), data) AS body, at, n
  FROM (VALUES
    (1, 'evt_span_created', 'alarm.created', timestamptz '2024-06-28 10:00', '{"alarm_id":"A-span","site_id":"S-span","priority":"HIGH"}'),
    (2, 'evt_span_snapshot', 'snapshot.created', '2024-06-28 10:00:05', '{"snapshot_id":"snap-span","alarm_id":"A-span","url":"https://x/s.jpg"}'),
    (3, 'evt_span_ack', 'alarm.acknowledged', '2024-06-28 10:02', '{"alarm_id":"A-span","operator_id":"op-late"}'),
    (4, 'evt_span_resolved', 'alarm.resolved', '2024-07-02 09:00', '{"alarm_id":"A-span","resolution":"handled"}'),
    (5, 'evt_jan_created', 'alarm.created', '2024-01-10 08:00', '{"alarm_id":"A-jan","site_id":"S-span"}'),
    (6, 'evt_jan_resolved', 'alarm.resolved', '2024-01-10 08:30', '{"alarm_id":"A-jan","resolution":"false-positive"}'),
    (7, 'evt_span_ack_first', 'alarm.acknowledged', '2024-06-28 10:01', '{"alarm_id":"A-span","operator_id":"op-first"}'),
    (8, 'evt_jan_relay', 'relay.activated', '2024-02-01 00:00:30', '{"relay_id":"R-jan","trigger":"alarm.created:A-jan","duration_seconds":30}'))
    AS e (n, id, type, at, data);
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'regress_plans', at + interval '1 minute' + n * interval '1 hour',
       extract(epoch FROM at + interval '1 minute' + n * interval '1 hour')::bigint::text,
       'sha256=' || chekt.sign('plans-secret', extract(epoch FROM at + interval '1 minute' + n * interval '1 hour')::bigint::text, body), body
  FROM plans_alarm ORDER BY n;
-- every event of the two alarms once, with what the timeline shows of it
-- (the relay's alarm named by its trigger)
SELECT alarm_id, event_type, to_char(created_at, 'YYYY-MM-DD HH24:MI') AS at, event_id, site_id,
       coalesce(operator_id, resolution, url, relay_id || ' ' || duration_seconds) AS shown
  FROM chekt.alarm_trail WHERE alarm_id IN ('A-span', 'A-jan') ORDER BY alarm_id, created_at, event_id;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE plans_alarm_scans AS
SELECT relname, seq_scan + coalesce(idx_scan, 0) AS scans
  FROM pg_stat_user_tables
 WHERE relname ~ '^(alarm|snapshot|relay|verification)_events_p2024';
SELECT event_type, event_id, actor, detail, since_created_s FROM chekt.alarm_timeline('A-span');
SELECT pg_stat_force_next_flush();
SELECT s.relname AS timeline_read
  FROM pg_stat_user_tables s JOIN plans_alarm_scans b USING (relname)
 WHERE s.seq_scan + coalesce(s.idx_scan, 0) > b.scans
 ORDER BY s.relname;
DROP TABLE plans_alarm_scans;
-- A-jan's relay, in a month of its own
SELECT event_type, event_id, detail FROM chekt.alarm_timeline('A-jan');
CREATE TEMP TABLE plans_alarm_scans AS
SELECT relname, seq_scan + coalesce(idx_scan, 0) AS scans
  FROM pg_stat_user_tables
 WHERE relname ~ '^(alarm|snapshot|relay|verification)_events_p2024';
SELECT alarm_id, created_at, acknowledged_at, acknowledged_by, resolved_at, state, is_false_positive
  FROM chekt.alarm_lifecycle
 WHERE site_id = 'S-span' AND created_at >= timestamptz '2024-07-15' - interval '30 days';
SELECT alarm_id, acknowledged_by, resolution, state FROM chekt.alarm_lifecycle WHERE alarm_id IN ('A-span', 'A-jan') ORDER BY alarm_id;
SELECT pg_stat_force_next_flush();
SELECT count(*) AS months_the_lifecycle_read
  FROM pg_stat_user_tables s JOIN plans_alarm_scans b USING (relname)
 WHERE s.seq_scan + coalesce(s.idx_scan, 0) > b.scans;

-- events deleted by hand keep their rows in chekt.alarm_trail (the family
-- tables have no trigger, so that they can be distributed) until
-- chekt.rebuild_listings() makes them again from the events
DELETE FROM chekt.alarm_events WHERE event_id = 'evt_span_ack_first';
SELECT alarm_id, acknowledged_by FROM chekt.alarm_lifecycle WHERE alarm_id = 'A-span';
-- (in any session time zone: the months are UTC months)
SET TimeZone = 'America/New_York';
SELECT listing, listed > 0 AS has_rows FROM chekt.rebuild_listings() ORDER BY listing::text;
SET TimeZone = 'UTC';
SELECT month, count(*) AS rows FROM chekt.device_months WHERE device_id = 'cam-months' GROUP BY month ORDER BY month;
SELECT alarm_id, acknowledged_by, acknowledged_at FROM chekt.alarm_lifecycle WHERE alarm_id = 'A-span';
SELECT event_type, event_id FROM chekt.alarm_trail WHERE alarm_id = 'A-span' ORDER BY created_at;
SELECT event_type, event_id, actor FROM chekt.alarm_timeline('A-span');
-- and only at READ COMMITTED, whose statements see what committed while it
-- waited for its lock
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM chekt.rebuild_listings();
ROLLBACK;

-- ingest refuses to go on without the index it looks a device's months up
-- in, and says how to make it again (chekt.alarm_trail needs none: each
-- event's row is written once, when the event is first stored)
BEGIN;
DROP INDEX chekt.device_months_device_idx;
SELECT chekt.ingest('regress_plans', '1720000000', 'sha256=' || chekt.sign('plans-secret', '1720000000', b), b,
                    '2024-07-03 09:46:40+00')
  FROM (VALUES ('{"id":"evt_months_online","type":"device.online","created_at":"2024-07-03T09:40:00Z","data":{"device_id":"cam-months"}}')) AS v (b);
ROLLBACK;
BEGIN;
DROP INDEX chekt.alarm_trail_alarm_idx;
SELECT chekt.ingest('regress_plans', '1720000000', 'sha256=' || chekt.sign('plans-secret', '1720000000', b), b,
                    '2024-07-03 09:46:40+00')
  FROM (VALUES ('{"id":"evt_span_dispatched","type":"alarm.dispatched","created_at":"2024-07-03T09:40:00Z","data":{"alarm_id":"A-span"}}')) AS v (b);
SELECT event_type, event_id FROM chekt.alarm_trail WHERE event_id = 'evt_span_dispatched';
ROLLBACK;

-- what ingest writes into a month besides its rows: the indexes that
-- chekt_private.month_indexes() names, and nothing no question reads.
-- Until 0.16.0 an alarms' month also had the alarms created by time and
-- by site, and a snapshots' and a relays' month their alarm, all read from
-- chekt.alarm_trail since 0.13.0 and 0.15.0; until 0.18.0 the months of
-- the four families linked to alarms had a key each, which no question
-- reads either (chekt.alarm_trail holds their rows, indexed by alarm)
SELECT t.relname AS month, coalesce(string_agg(i.relname, ', ' ORDER BY i.relname), '(none)') AS indexes
  FROM pg_class t
  LEFT JOIN pg_index x ON x.indrelid = t.oid
  LEFT JOIN pg_class i ON i.oid = x.indexrelid
 WHERE t.relnamespace = 'chekt_private'::regnamespace AND t.relname LIKE '%\_p202407' AND t.relkind = 'r'
 GROUP BY t.relname ORDER BY t.relname;

-- months dropped from a session east of UTC: the first month kept keeps
-- its devices' months (as first written, 0.12.0 compared their dates in
-- the session's zone, and deleted July's here) and its alarms' events:
-- A-span is then an alarm whose creation is gone
SET TimeZone = 'Asia/Seoul';
SELECT chekt.drop_events_before('2024-07-15 00:00:00+00') AS months_dropped;
SET TimeZone = 'UTC';
SELECT app, month FROM chekt.device_months WHERE device_id = 'cam-months' ORDER BY month;
SELECT alarm_id, event_type, to_char(created_at, 'YYYY-MM-DD HH24:MI') AS at
  FROM chekt.alarm_trail WHERE alarm_id IN ('A-span', 'A-jan') ORDER BY alarm_id, created_at;
SELECT alarm_id, created_at, resolved_at, state FROM chekt.alarm_lifecycle WHERE alarm_id IN ('A-span', 'A-jan');
SELECT count(*) AS outages_in_july
  FROM chekt.device_downtime(NULL, '2024-07-01', '2024-08-01', 'regress_plans');

-- clean up for the tests that follow: the months dropped, and their
-- devices' months with them
SELECT chekt.drop_events_before('2024-08-01') AS months_dropped;
SELECT count(*) AS device_months_left FROM chekt.device_months WHERE device_id = 'cam-months';
SELECT count(*) AS alarm_trail_left FROM chekt.alarm_trail WHERE app = 'regress_plans';
SELECT chekt.set_storage_policy('kept_from', NULL);
DELETE FROM chekt_private.apps;
