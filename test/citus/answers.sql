-- Every stored row and every question's answer of a database, as one line
-- per table, view or question: name, rows, md5 of the rows in text order.
-- test/integration/citus_matches_single_node.sh runs it on a single node
-- and on a Citus coordinator, and the two outputs must be the same.
--
--   psql -X -q -A -t -v ON_ERROR_STOP=1 -f test/citus/answers.sql
--
-- Only what a stream determines is compared: no serial number, no time of
-- the clock (rejected_at, now()-based durations are left out or bounded).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
-- (on Citus, the temporary function below stays on this node, unannounced)
SET citus.enable_ddl_propagation = off;
\o /dev/null

CREATE TEMP TABLE answer (name text PRIMARY KEY, n bigint, digest text);

-- rows of a query, digested in text order (or the error it raised)
CREATE FUNCTION pg_temp.digest(name text, query text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('INSERT INTO answer SELECT %L, count(*), md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text), '''')) FROM (%s) r',
                 name, query);
EXCEPTION WHEN OTHERS THEN
  -- a question that fails is an answer that differs: the diff shows why
  INSERT INTO answer VALUES (name, -1, 'error: ' || SQLERRM);
END
$$;

-- what was stored
SELECT pg_temp.digest('events', 'SELECT app, event_id, event_type, created_at, received_at, body, delivery_count, last_received_at FROM chekt_private.events');
SELECT pg_temp.digest('event_ids', 'SELECT * FROM chekt_private.event_ids');
SELECT pg_temp.digest('rejected', 'SELECT app, received_at, signed_at, signature, body, reason, detail, event_id, retries, body_bytes, body_length, body_sha256, truncated FROM chekt_private.rejected');
SELECT pg_temp.digest(f.family || '_events', format('SELECT * FROM chekt.%I', f.family || '_events'))
  FROM chekt.event_families f;
SELECT pg_temp.digest('alarm_trail', 'SELECT * FROM chekt.alarm_trail');
SELECT pg_temp.digest('device_months', 'SELECT DISTINCT * FROM chekt.device_months');

-- the views (what depends on the clock aside)
SELECT pg_temp.digest('alarm_lifecycle', 'SELECT * FROM chekt.alarm_lifecycle');
SELECT pg_temp.digest('device_status', 'SELECT * FROM chekt.device_status');
SELECT pg_temp.digest('device_outages', 'SELECT app, device_id, site_id, offline_at, online_at, CASE WHEN NOT ongoing THEN downtime_s END, ongoing, ended_by, end_known, start_known, reported_downtime_s FROM chekt.device_outages');
SELECT pg_temp.digest('partition_status', 'SELECT * FROM chekt.partition_status');
SELECT pg_temp.digest('partition_periods', 'SELECT app, partition_id, site_id, state, mode, initiated_by, operator_id, started_at, ended_at, ongoing, end_known, CASE WHEN NOT ongoing THEN duration_s END, started_by_event_id FROM chekt.partition_periods');

SELECT pg_temp.digest('quarantine_daily', 'SELECT app, day, reason, deliveries FROM chekt.quarantine_daily');
SELECT pg_temp.digest('delivery_gaps', 'SELECT app, site_id, day, kind, reason, occurrences FROM chekt.delivery_gaps');

-- the functions, over every alarm, device, site and partition there is
-- (their arguments gathered first, into tables of this node)
CREATE TEMP TABLE alarm_arg AS SELECT DISTINCT app, alarm_id FROM chekt.alarm_trail;
CREATE TEMP TABLE device_arg AS SELECT DISTINCT app, device_id FROM chekt.device_months;
CREATE TEMP TABLE site_arg AS
  SELECT DISTINCT app, site_id FROM chekt.alarm_trail WHERE site_id IS NOT NULL
  UNION SELECT DISTINCT app, site_id FROM chekt.device_events WHERE site_id IS NOT NULL;
CREATE TEMP TABLE partition_arg AS SELECT DISTINCT app, partition_id FROM chekt.partition_events;
SELECT min(created_at) - interval '1 day' AS t0, max(created_at) + interval '1 day' AS t1
  FROM chekt_private.events \gset

-- (ongoing outages reach into every day up to today: the stream's days only)
SELECT pg_temp.digest('site_daily_summary', format('SELECT * FROM chekt.site_daily_summary WHERE day <= %L::date', :'t1'));
SELECT pg_temp.digest('alarm_timeline', 'SELECT a.app, t.* FROM alarm_arg a, LATERAL chekt.alarm_timeline(a.alarm_id, a.app) t');
SELECT pg_temp.digest('device_downtime', format('SELECT d.app, t.app, t.device_id, t.site_id, t.offline_at, t.online_at, CASE WHEN NOT t.ongoing THEN t.downtime_s END, t.in_window_s, t.ongoing, t.ended_by, t.end_known, t.start_known, t.reported_downtime_s FROM device_arg d, LATERAL chekt.device_downtime(d.device_id, %L, %L, d.app) t', :'t0', :'t1'));
SELECT pg_temp.digest('device_outages_between', format('SELECT d.app, t.app, t.device_id, t.site_id, t.offline_at, t.online_at, CASE WHEN NOT t.ongoing THEN t.downtime_s END, t.ongoing, t.ended_by, t.end_known, t.start_known, t.reported_downtime_s FROM device_arg d, LATERAL chekt.device_outages_between(d.device_id, %L, %L, d.app) t', :'t0', :'t1'));
SELECT pg_temp.digest('device_gaps_of', format('SELECT d.app, t.* FROM device_arg d, LATERAL chekt.device_gaps_of(d.app, d.device_id, %L::date, %L::date) t', :'t0', :'t1'));
SELECT pg_temp.digest('site_delivery_gaps', format('SELECT s.app, t.* FROM site_arg s, LATERAL chekt.site_delivery_gaps(s.site_id, %L::date, %L::date, s.app) t', :'t0', :'t1'));
SELECT pg_temp.digest('partition_periods_of', format('SELECT t.app, t.partition_id, t.site_id, t.state, t.mode, t.initiated_by, t.operator_id, t.started_at, t.ended_at, t.ongoing, t.end_known, CASE WHEN NOT t.ongoing THEN t.duration_s END, t.started_by_event_id FROM partition_arg p, LATERAL chekt.partition_periods_of(p.app, p.partition_id, %L, %L) t', :'t0', :'t1'));


-- the views as a BI tool filters them, by literals: by a site (and a
-- time), by an alarm, by a state; each name's rows together (a filter
-- that fails is an answer that differs)
CREATE TEMP TABLE filtered (name text, r text);
CREATE FUNCTION pg_temp.filtered(name text, query text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('INSERT INTO filtered SELECT %L, r::text FROM (%s) r', name, query);
EXCEPTION WHEN OTHERS THEN
  INSERT INTO filtered VALUES (name, 'error: ' || SQLERRM);
END
$$;
CREATE TEMP TABLE some_site AS SELECT DISTINCT site_id FROM site_arg ORDER BY 1 LIMIT 25;
SELECT pg_temp.filtered('alarm_lifecycle, a site since a time',
         format('SELECT * FROM chekt.alarm_lifecycle WHERE site_id = %L AND created_at >= %L', site_id, :'t0'::timestamptz + interval '1 day 2 hours'))
  FROM some_site;
SELECT pg_temp.filtered('alarm_lifecycle, an alarm', format('SELECT * FROM chekt.alarm_lifecycle WHERE alarm_id = %L', alarm_id))
  FROM (SELECT DISTINCT alarm_id FROM alarm_arg ORDER BY 1 LIMIT 25) a;
SELECT pg_temp.filtered('alarm_lifecycle, a state', format('SELECT * FROM chekt.alarm_lifecycle WHERE state = %L', state))
  FROM unnest(ARRAY['open', 'acknowledged', 'dispatched', 'resolved']) AS state;
SELECT pg_temp.filtered('alarm_lifecycle, no alarm.created', 'SELECT * FROM chekt.alarm_lifecycle WHERE created_at IS NULL');
SELECT pg_temp.filtered('device_status, a site', format('SELECT * FROM chekt.device_status WHERE site_id = %L', site_id))
  FROM some_site;
SELECT pg_temp.filtered('device_outages, a site',
         format('SELECT app, device_id, site_id, offline_at, online_at, CASE WHEN NOT ongoing THEN downtime_s END, ongoing, ended_by, end_known, start_known, reported_downtime_s FROM chekt.device_outages WHERE site_id = %L', site_id))
  FROM some_site;
SELECT pg_temp.filtered('partition_periods, a site',
         format('SELECT app, partition_id, site_id, state, mode, initiated_by, operator_id, started_at, ended_at, ongoing, end_known, CASE WHEN NOT ongoing THEN duration_s END, started_by_event_id FROM chekt.partition_periods WHERE site_id = %L', site_id))
  FROM some_site;
SELECT pg_temp.filtered('site_daily_summary, a site', format('SELECT * FROM chekt.site_daily_summary WHERE site_id = %L AND day <= %L::date', site_id, :'t1'))
  FROM some_site;
SELECT pg_temp.filtered('delivery_gaps, a site', format('SELECT app, site_id, day, kind, reason, occurrences FROM chekt.delivery_gaps WHERE site_id = %L', site_id))
  FROM some_site;
INSERT INTO answer SELECT name, -1, min(r) FROM filtered WHERE r LIKE 'error: %' GROUP BY name;
SELECT pg_temp.digest(name, format('SELECT r FROM filtered WHERE name = %L', name))
  FROM (SELECT DISTINCT name FROM filtered) n WHERE NOT EXISTS (SELECT FROM answer a WHERE a.name = n.name);

\o
SELECT name, n, digest FROM answer ORDER BY name;
