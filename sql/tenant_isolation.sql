--
-- Each app's events are its own.  (Seen on 0.4.0, with apps app-a and
-- app-b: an event signed by app-a carrying an event id app-b later used was
-- accepted; app-b's genuine event was then quarantined as id_conflict, and
-- app-a's forged alarm.resolved / false-positive was what alarm_lifecycle
-- showed for app-b's alarm.  No view said which app a row came from.)
--

SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT chekt.add_secret('app-a', 'secret-a') > 0 AS added,
       chekt.add_secret('app-b', 'secret-b') > 0 AS added;

-- deliver an event of an app, signed by its secret, received 5 s after it was created
CREATE FUNCTION pg_temp.ev(app text, id text, type text, created timestamptz, data text)
RETURNS text LANGUAGE sql AS $$
  SELECT chekt.ingest(app, extract(epoch FROM r)::bigint::text,
                      chekt.sign(CASE app WHEN 'app-a' THEN 'secret-a' ELSE 'secret-b' END,
                                 extract(epoch FROM r)::bigint::text, b), b, r)
    FROM (SELECT format('{"id":"%s","type":"%s","created_at":"%s","data":%s}', id, type,
                        to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), data) AS b,
                 created + interval '5 seconds' AS r) AS d
$$;

--
-- The attack: app-a sends, first, an event with the id app-b will use,
-- resolving app-b's alarm as a false positive; then app-b's genuine events
--
SELECT pg_temp.ev('app-a', 'evt-b-2', 'alarm.resolved', '2026-05-26 10:21:50+00',
                  '{"alarm_id":"A-77","resolution":"false-positive","notes":"forged"}') AS forged_first;
SELECT pg_temp.ev('app-b', 'evt-b-1', 'alarm.created', '2026-05-26 10:21:34+00',
                  '{"alarm_id":"A-77","site_id":"S-1","priority":"HIGH"}') AS genuine_created,
       pg_temp.ev('app-b', 'evt-b-2', 'alarm.acknowledged', '2026-05-26 10:22:00+00',
                  '{"alarm_id":"A-77","operator_id":"op-b"}') AS genuine_same_id;
-- and the reverse order: app-b first, app-a's forgery with the same id after
SELECT pg_temp.ev('app-b', 'evt-b-3', 'alarm.resolved', '2026-05-26 10:30:00+00',
                  '{"alarm_id":"A-77","resolution":"handled"}') AS genuine_first;
SELECT pg_temp.ev('app-a', 'evt-b-3', 'alarm.resolved', '2026-05-26 10:29:00+00',
                  '{"alarm_id":"A-77","resolution":"false-positive"}') AS forged_after;
-- a redelivery of app-b's event is app-b's duplicate, and only app-b's
SELECT pg_temp.ev('app-b', 'evt-b-3', 'alarm.resolved', '2026-05-26 10:30:00+00',
                  '{"alarm_id":"A-77","resolution":"handled"}') AS redelivered;

SELECT app, event_id, event_type, delivery_count FROM chekt_private.events ORDER BY app, event_id;
SELECT count(*) AS quarantined FROM chekt_private.rejected;
-- app-b's alarm is app-b's; app-a's forgeries are an alarm of app-a's own
SELECT app, alarm_id, site_id, acknowledged_by, resolution, state, is_false_positive
  FROM chekt.alarm_lifecycle ORDER BY app, alarm_id;
SELECT app, event_type, event_id, detail FROM chekt.alarm_timeline('A-77', 'app-b');
SELECT app, event_type, event_id, detail FROM chekt.alarm_timeline('A-77');
SELECT count(*) AS of_no_such_app FROM chekt.alarm_timeline('A-77', 'app-c');

--
-- Overlapping alarm, device, partition and site ids: two alarms, two
-- devices, two partitions, two sites
--
SELECT pg_temp.ev('app-a', 'a-snap', 'snapshot.created', '2026-05-26 10:21:35+00',
                  '{"snapshot_id":"snap-1","device_id":"cam-1","alarm_id":"A-77"}'),
       pg_temp.ev('app-b', 'b-snap', 'snapshot.created', '2026-05-26 10:21:35+00',
                  '{"snapshot_id":"snap-1","device_id":"cam-1","alarm_id":"A-77"}'),
       pg_temp.ev('app-b', 'b-relay', 'relay.activated', '2026-05-26 10:21:36+00',
                  '{"relay_id":"rel-1","device_id":"cam-1","trigger":"alarm.created:A-77"}'),
       pg_temp.ev('app-a', 'a-ver', 'verification.requested', '2026-05-26 10:21:37+00',
                  '{"alarm_id":"A-77","requested_by":"op-a"}');
SELECT pg_temp.ev('app-a', 'a-off', 'device.offline', '2026-05-26 08:00:00+00',
                  '{"device_id":"cam-1","site_id":"S-1","last_seen_at":"2026-05-26T07:59:00Z"}'),
       pg_temp.ev('app-b', 'b-off', 'device.offline', '2026-05-26 09:00:00+00',
                  '{"device_id":"cam-1","site_id":"S-1","last_seen_at":"2026-05-26T09:00:00Z"}'),
       pg_temp.ev('app-a', 'a-on', 'device.online', '2026-05-26 09:30:00+00',
                  '{"device_id":"cam-1","site_id":"S-1"}'),
       pg_temp.ev('app-b', 'b-on', 'device.online', '2026-05-26 09:10:00+00',
                  '{"device_id":"cam-1","site_id":"S-1"}'),
       -- app-a's camera goes down again and stays down
       pg_temp.ev('app-a', 'a-off2', 'device.offline', '2026-05-26 12:00:00+00',
                  '{"device_id":"cam-1","site_id":"S-1"}');
SELECT pg_temp.ev('app-a', 'a-arm', 'partition.armed', '2026-05-26 22:00:00+00',
                  '{"partition_id":"p-1","site_id":"S-1","mode":"away","by":"schedule"}'),
       pg_temp.ev('app-b', 'b-dis', 'partition.disarmed', '2026-05-26 22:05:00+00',
                  '{"partition_id":"p-1","site_id":"S-1","by":"user","operator_id":"op-b"}');

SELECT app, event_type, event_id FROM chekt.alarm_timeline('A-77') ORDER BY app, at, event_id;
-- an outage never spans two apps' events: app-b's online does not end app-a's outage
SELECT app, device_id, site_id, offline_at, online_at,
       CASE WHEN NOT ongoing THEN downtime_s END AS downtime_s, ongoing
  FROM chekt.device_outages ORDER BY app, offline_at;
SELECT * FROM chekt.device_downtime('cam-1', '2026-05-26', '2026-05-27', 'app-b');
SELECT app, offline_at, online_at, in_window_s, ongoing
  FROM chekt.device_downtime('cam-1', '2026-05-26', '2026-05-27 00:00:00+00');
SELECT app, device_id, status, since FROM chekt.device_status ORDER BY app, device_id;
SELECT app, partition_id, state, since FROM chekt.partition_status ORDER BY app, partition_id;
SELECT app, day, site_id, alarms, resolved_alarms, false_positives, downtime_s
  FROM chekt.site_daily_summary WHERE day = '2026-05-26' ORDER BY app, site_id;
-- the older call forms still work
SELECT count(*) AS timeline_rows FROM chekt.alarm_timeline('A-77');
SELECT count(*) AS downtime_rows FROM chekt.device_downtime(NULL, '2026-05-26', '2026-05-27');

--
-- Analysts scoped to apps: the database enforces it, in every table, view
-- and function of the analytic surface
--
-- gaps of each app for the completeness report (app-a's alarm.resolved
-- above came without its alarm.created; app-b loses one too; at site S-1
-- app-a's partition is armed again and app-b's disarmed again: the change
-- between never came), and one refused delivery of each
SELECT pg_temp.ev('app-b', 'b-ack-88', 'alarm.acknowledged', '2026-05-26 11:00:00+00',
                  '{"alarm_id":"A-88","operator_id":"op-b"}') AS b_created_lost,
       pg_temp.ev('app-a', 'a-arm-2', 'partition.armed', '2026-05-27 22:00:00+00',
                  '{"partition_id":"p-1","site_id":"S-1","mode":"away","by":"schedule"}') AS a_disarm_lost,
       pg_temp.ev('app-b', 'b-dis-2', 'partition.disarmed', '2026-05-27 22:05:00+00',
                  '{"partition_id":"p-1","site_id":"S-1","by":"user","operator_id":"op-b"}') AS b_arm_lost;
SELECT app, chekt.ingest(app, '1779789600', 'sha256=' || repeat('0', 64), '{"id":"forged"}',
                         '2026-05-26 10:00:00+00') AS forged
  FROM (VALUES ('app-a'), ('app-b')) AS v (app);
CREATE ROLE regress_analyst_b;
CREATE ROLE regress_analyst_all;
CREATE ROLE regress_bi_user IN ROLE regress_analyst_b;    -- reads through a group role
CREATE ROLE regress_by_hand;
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY['app-b']);
SELECT chekt.grant_analyst('regress_analyst_all');
-- a role given SELECT by hand, outside grant_analyst(), reads no app
GRANT USAGE ON SCHEMA chekt TO regress_by_hand;
GRANT SELECT ON chekt.alarm_events TO regress_by_hand;
SELECT analyst, apps FROM chekt_private.analysts ORDER BY analyst::text;

-- the apps each row of every object comes from, as a role sees them
CREATE FUNCTION pg_temp.apps_seen() RETURNS TABLE (object text, apps text)
LANGUAGE sql AS $$
  SELECT 'alarm_events', string_agg(DISTINCT app, ',') FROM chekt.alarm_events
  UNION ALL SELECT 'device_events', string_agg(DISTINCT app, ',') FROM chekt.device_events
  UNION ALL SELECT 'snapshot_events', string_agg(DISTINCT app, ',') FROM chekt.snapshot_events
  UNION ALL SELECT 'verification_events', string_agg(DISTINCT app, ',') FROM chekt.verification_events
  UNION ALL SELECT 'partition_events', string_agg(DISTINCT app, ',') FROM chekt.partition_events
  UNION ALL SELECT 'relay_events', string_agg(DISTINCT app, ',') FROM chekt.relay_events
  UNION ALL SELECT 'alarm_lifecycle', string_agg(DISTINCT app, ',') FROM chekt.alarm_lifecycle
  UNION ALL SELECT 'device_outages', string_agg(DISTINCT app, ',') FROM chekt.device_outages
  UNION ALL SELECT 'device_status', string_agg(DISTINCT app, ',') FROM chekt.device_status
  UNION ALL SELECT 'partition_status', string_agg(DISTINCT app, ',') FROM chekt.partition_status
  UNION ALL SELECT 'site_daily_summary', string_agg(DISTINCT app, ',') FROM chekt.site_daily_summary
  UNION ALL SELECT 'partition_periods', string_agg(DISTINCT app, ',') FROM chekt.partition_periods
  UNION ALL SELECT 'delivery_gaps', string_agg(DISTINCT app, ',') FROM chekt.delivery_gaps
  UNION ALL SELECT 'delivery_gaps (quarantined)', string_agg(DISTINCT app, ',') FROM chekt.delivery_gaps WHERE kind = 'quarantined'
  UNION ALL SELECT 'quarantine_daily', string_agg(DISTINCT app, ',') FROM chekt.quarantine_daily
  UNION ALL SELECT 'alarm_timeline()', string_agg(DISTINCT app, ',') FROM chekt.alarm_timeline('A-77')
  UNION ALL SELECT 'alarm_timeline(app-a)', string_agg(DISTINCT app, ',') FROM chekt.alarm_timeline('A-77', 'app-a')
  UNION ALL SELECT 'device_downtime()', string_agg(DISTINCT app, ',')
              FROM chekt.device_downtime(NULL, '-infinity', 'infinity')
  UNION ALL SELECT 'device_downtime(app-a)', string_agg(DISTINCT app, ',')
              FROM chekt.device_downtime('cam-1', '-infinity', 'infinity', 'app-a')
  UNION ALL SELECT 'device_outages_between()', string_agg(DISTINCT app, ',')
              FROM chekt.device_outages_between(NULL, '-infinity', 'infinity')
  UNION ALL SELECT 'site_delivery_gaps(S-1)', string_agg(DISTINCT app, ',')
              FROM chekt.site_delivery_gaps('S-1', '-infinity', 'infinity')
  UNION ALL SELECT 'site_delivery_gaps(S-1, app-a)', string_agg(DISTINCT app, ',')
              FROM chekt.site_delivery_gaps('S-1', '-infinity', 'infinity', 'app-a')
$$;
GRANT EXECUTE ON FUNCTION pg_temp.apps_seen() TO PUBLIC;
SELECT object, apps AS seen_by_owner FROM pg_temp.apps_seen();
SET ROLE regress_analyst_b;
SELECT object, apps AS seen_by_analyst_of_app_b FROM pg_temp.apps_seen();
SELECT * FROM chekt.analyst_scope;
-- its form on Citus (chekt.analyst_scope_rows(), which reads the analysts
-- as their owner): the view's rows, for the role and for a member of it
SELECT * FROM chekt.analyst_scope_rows();
RESET ROLE;
SET ROLE regress_bi_user;
SELECT (SELECT array_agg((analyst, app)::text ORDER BY analyst, app) FROM chekt.analyst_scope)
       = (SELECT array_agg((analyst, app)::text ORDER BY analyst, app) FROM chekt.analyst_scope_rows()) AS scope_rows_are_the_view,
       (SELECT string_agg(analyst || ':' || coalesce(app, 'every app'), ' ') FROM chekt.analyst_scope_rows()) AS scope_of_member;
SELECT object, apps AS seen_by_member_of_analyst_b FROM pg_temp.apps_seen() WHERE apps IS DISTINCT FROM 'app-b';
RESET ROLE;
SET ROLE regress_analyst_all;
SELECT object, apps AS seen_by_analyst_of_every_app FROM pg_temp.apps_seen() WHERE apps <> 'app-a,app-b';
RESET ROLE;
SET ROLE regress_by_hand;
SELECT count(*) AS seen_by_a_role_granted_by_hand FROM chekt.alarm_events;
RESET ROLE;
-- the forms chekt.distribute() gives the views an analyst reads with their
-- owner's rights (chekt_private.use_citus_reader_forms()): each reader's
-- rows (or refusal) are the single node's, for the owner, an analyst, a
-- member of one, an analyst of every app and a role with no scope
CREATE TEMP TABLE reader_views (form text, reader text, scope text, quarantine text);
GRANT INSERT ON reader_views TO PUBLIC;
CREATE FUNCTION pg_temp.read_views(form text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  scope text;
  quarantine text;
BEGIN
  BEGIN
    SELECT coalesce(string_agg(analyst || ':' || coalesce(app, 'every app'), ' ' ORDER BY analyst, app), 'none')
      INTO scope FROM chekt.analyst_scope;
  EXCEPTION WHEN OTHERS THEN
    scope := SQLERRM;
  END;
  BEGIN
    SELECT coalesce(string_agg(concat_ws(':', app, day, reason, deliveries, example_rejected_id), ' '
                               ORDER BY app, day, reason), 'none')
      INTO quarantine FROM chekt.quarantine_daily;
  EXCEPTION WHEN OTHERS THEN
    quarantine := SQLERRM;
  END;
  INSERT INTO reader_views VALUES (form, current_user, scope, quarantine);
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.read_views(text) TO PUBLIC;
BEGIN;
SELECT pg_temp.read_views('single node');
SET LOCAL ROLE regress_analyst_b; SELECT pg_temp.read_views('single node'); RESET ROLE;
SET LOCAL ROLE regress_bi_user; SELECT pg_temp.read_views('single node'); RESET ROLE;
SET LOCAL ROLE regress_analyst_all; SELECT pg_temp.read_views('single node'); RESET ROLE;
SET LOCAL ROLE regress_by_hand; SELECT pg_temp.read_views('single node'); RESET ROLE;
SELECT chekt_private.use_citus_reader_forms();
SELECT pg_temp.read_views('Citus');
SET LOCAL ROLE regress_analyst_b; SELECT pg_temp.read_views('Citus'); RESET ROLE;
SET LOCAL ROLE regress_bi_user; SELECT pg_temp.read_views('Citus'); RESET ROLE;
SET LOCAL ROLE regress_analyst_all; SELECT pg_temp.read_views('Citus'); RESET ROLE;
SET LOCAL ROLE regress_by_hand; SELECT pg_temp.read_views('Citus'); RESET ROLE;
SELECT CASE WHEN s.reader = current_user THEN 'the owner' ELSE s.reader END AS reader,
       s.scope IS NOT DISTINCT FROM c.scope AS same_scope,
       s.quarantine IS NOT DISTINCT FROM c.quarantine AS same_quarantine,
       left(s.scope, 40) AS scope,
       -- (the owner's example_rejected_id shown as id: the sequence runs on across runs)
       left(regexp_replace(s.quarantine, '(:[0-9]+):[0-9]+', '\1:id', 'g'), 40) AS quarantine
  FROM reader_views s JOIN reader_views c ON c.reader = s.reader AND c.form = 'Citus'
 WHERE s.form = 'single node'
 ORDER BY s.reader = current_user DESC, s.reader;
ROLLBACK;

-- the type catalog has no app: every analyst reads it whole
SET ROLE regress_analyst_b;
SELECT count(*) AS event_types FROM chekt.event_types;
-- and nothing else: no raw deliveries, no quarantine, no secrets
SELECT count(*) FROM chekt_private.events;
SELECT count(*) FROM chekt_private.analysts;
RESET ROLE;

-- a parallel plan reads the scope too: an analyst's first question of a
-- session, planned parallel, read the scope in the leader of a parallel
-- operation, where no new snapshot may be taken (seen at 10M events:
-- "cannot update SecondarySnapshot during a parallel operation")
CREATE ROLE regress_parallel_analyst;
SELECT chekt.grant_analyst('regress_parallel_analyst', ARRAY['app-b']);
CREATE FUNCTION pg_temp.plan_is_parallel(query text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line LIKE '%Gather%' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_is_parallel(text) TO PUBLIC;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
SET ROLE regress_parallel_analyst;
SELECT app, count(*) AS alarm_rows FROM chekt.alarm_events GROUP BY app ORDER BY app;
SELECT pg_temp.plan_is_parallel('SELECT app, count(*) FROM chekt.alarm_events GROUP BY app') AS was_parallel;
SELECT app, count(*) AS device_rows FROM chekt.device_events GROUP BY app ORDER BY app;
RESET ROLE;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
SELECT chekt.revoke_analyst('regress_parallel_analyst');
DROP ROLE regress_parallel_analyst;

-- widening and narrowing is one call
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY['app-a', 'app-b']);
SET ROLE regress_analyst_b;
SELECT string_agg(DISTINCT app, ',') AS widened FROM chekt.alarm_lifecycle;
RESET ROLE;
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY['app-a']);
SET ROLE regress_analyst_b;
SELECT string_agg(DISTINCT app, ',') AS narrowed FROM chekt.alarm_lifecycle;
RESET ROLE;
-- an app not registered (yet) is allowed, with a warning
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY['app-a', 'app-later']);
-- what is wrong is said (and a NULL app written by hand, which would read
-- as every app, is refused by the table)
\set VERBOSITY terse
INSERT INTO chekt_private.analysts (analyst, apps) VALUES ('regress_by_hand', ARRAY['app-a', NULL]);
\set VERBOSITY default
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY[]::text[]);
SELECT chekt.grant_analyst('regress_analyst_b', ARRAY['app-a', NULL]);
SELECT chekt.grant_analyst(NULL);
-- revoke_analyst() takes the surface and the scope away
SELECT chekt.revoke_analyst('regress_analyst_b');
SELECT analyst, apps FROM chekt_private.analysts ORDER BY analyst::text;
SET ROLE regress_analyst_b;
SELECT count(*) FROM chekt.alarm_lifecycle;
RESET ROLE;

-- clean up
SELECT chekt.revoke_analyst('regress_analyst_all');
REVOKE ALL ON chekt.alarm_events FROM regress_by_hand;
REVOKE USAGE ON SCHEMA chekt FROM regress_by_hand;
DROP ROLE regress_bi_user, regress_analyst_b, regress_analyst_all, regress_by_hand;
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
         chekt.verification_events, chekt.partition_events, chekt.relay_events,
         chekt.alarm_trail, chekt.device_months;
DELETE FROM chekt_private.apps;
