-- chekt_events 0.1.0 -> 0.2.0: asking the events
--
-- alarm_timeline() and device_downtime(); the views BI tools read
-- (alarm_lifecycle, device_outages, device_status, partition_status,
-- site_daily_summary); grant_analyst(); the indexes they need.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.2.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- Indexes for the questions (the family keys serve alarm_id, device_id and
-- partition_id lookups already)
-------------------------------------------------------------------------------

CREATE INDEX snapshot_events_alarm_id_idx ON chekt.snapshot_events (alarm_id)
  WHERE alarm_id IS NOT NULL;
CREATE INDEX relay_events_alarm_id_idx ON chekt.relay_events (alarm_id)
  WHERE alarm_id IS NOT NULL;
-- alarms by site and time, and by time alone (alarm_lifecycle filters)
CREATE INDEX alarm_events_created_site_idx ON chekt.alarm_events (site_id, created_at)
  WHERE event_type = 'alarm.created';
CREATE INDEX alarm_events_created_at_idx ON chekt.alarm_events (created_at)
  WHERE event_type = 'alarm.created';

-------------------------------------------------------------------------------
-- Alarms
-------------------------------------------------------------------------------

CREATE VIEW chekt.alarm_lifecycle WITH (security_invoker = true) AS
SELECT a.alarm_id,
       a.site_id,
       a.device_id,
       a.priority,
       a.trigger,
       a.location,
       a.created_at,
       k.created_at AS acknowledged_at,
       k.operator_id AS acknowledged_by,
       d.created_at AS dispatched_at,
       d.responder_type,
       d.eta_seconds,
       r.created_at AS resolved_at,
       r.resolution,
       extract(epoch FROM k.created_at - a.created_at)::double precision AS time_to_acknowledge_s,
       extract(epoch FROM d.created_at - a.created_at)::double precision AS time_to_dispatch_s,
       extract(epoch FROM r.created_at - a.created_at)::double precision AS time_to_resolve_s,
       CASE WHEN r.created_at IS NOT NULL THEN 'resolved'
            WHEN d.created_at IS NOT NULL THEN 'dispatched'
            WHEN k.created_at IS NOT NULL THEN 'acknowledged'
            ELSE 'open' END AS state,
       r.resolution = 'false-positive' AS is_false_positive
  FROM (-- each alarm's first alarm.created (a filter on its site or time
        -- reaches the index), and the alarms whose alarm.created never came
        SELECT c.alarm_id, c.site_id, c.device_id, c.priority, c.trigger, c.location, c.created_at
          FROM chekt.alarm_events c
         WHERE c.event_type = 'alarm.created'
           AND NOT EXISTS (SELECT FROM chekt.alarm_events e
                            WHERE e.alarm_id = c.alarm_id AND e.event_type = 'alarm.created'
                              AND (e.created_at, e.event_id) < (c.created_at, c.event_id))
        UNION ALL
        SELECT x.alarm_id, NULL, NULL, NULL, NULL, NULL, NULL
          FROM (SELECT DISTINCT alarm_id FROM chekt.alarm_events) AS x
         WHERE NOT EXISTS (SELECT FROM chekt.alarm_events e
                            WHERE e.alarm_id = x.alarm_id AND e.event_type = 'alarm.created')) AS a
  -- the first event of each other kind wins
  LEFT JOIN LATERAL (SELECT e.created_at, e.operator_id FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.event_type = 'alarm.acknowledged'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS k ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.responder_type, e.eta_seconds FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.event_type = 'alarm.dispatched'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS d ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.resolution FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.event_type = 'alarm.resolved'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS r ON true;

COMMENT ON VIEW chekt.alarm_lifecycle IS
  'one row per alarm: where and how it started, who acknowledged, dispatched and resolved it, how fast; the first event of each kind wins';
COMMENT ON COLUMN chekt.alarm_lifecycle.alarm_id IS 'the alarm';
COMMENT ON COLUMN chekt.alarm_lifecycle.site_id IS 'site of the alarm (from alarm.created; NULL if that never arrived)';
COMMENT ON COLUMN chekt.alarm_lifecycle.device_id IS 'device that triggered it (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.priority IS 'priority, e.g. HIGH (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.trigger IS 'what triggered it, e.g. motion (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.location IS 'where at the site (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.created_at IS 'when the alarm was created; NULL if alarm.created never arrived';
COMMENT ON COLUMN chekt.alarm_lifecycle.acknowledged_at IS 'when it was first acknowledged';
COMMENT ON COLUMN chekt.alarm_lifecycle.acknowledged_by IS 'the operator (human or app) who first acknowledged it';
COMMENT ON COLUMN chekt.alarm_lifecycle.dispatched_at IS 'when a responder was first dispatched';
COMMENT ON COLUMN chekt.alarm_lifecycle.responder_type IS 'kind of responder first dispatched, e.g. guard';
COMMENT ON COLUMN chekt.alarm_lifecycle.eta_seconds IS 'estimated time of arrival of the first dispatch, in seconds';
COMMENT ON COLUMN chekt.alarm_lifecycle.resolved_at IS 'when it was first resolved';
COMMENT ON COLUMN chekt.alarm_lifecycle.resolution IS 'outcome: handled, false-positive, escalated, or a value CHeKT adds later';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_acknowledge_s IS 'seconds from creation to first acknowledgement';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_dispatch_s IS 'seconds from creation to first dispatch';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_resolve_s IS 'seconds from creation to first resolution';
COMMENT ON COLUMN chekt.alarm_lifecycle.state IS 'furthest stage reached: open, acknowledged, dispatched or resolved';
COMMENT ON COLUMN chekt.alarm_lifecycle.is_false_positive IS 'true if resolved as false-positive, false if resolved otherwise, NULL while unresolved';

CREATE FUNCTION chekt.alarm_timeline(alarm_id text)
RETURNS TABLE (at timestamptz, event_type text, event_id text, actor text, detail text,
               since_created_s double precision)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  alarm_created timestamptz;
BEGIN
  SELECT min(a.created_at) INTO alarm_created
    FROM chekt.alarm_events a
   WHERE a.alarm_id = alarm_timeline.alarm_id AND a.event_type = 'alarm.created';

  RETURN QUERY
  SELECT t.at, t.event_type, t.event_id, t.actor, t.detail,
         extract(epoch FROM t.at - alarm_created)::double precision
    FROM (SELECT a.created_at AS at, a.event_type, a.event_id,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN a.device_id
                   WHEN 'alarm.acknowledged' THEN a.operator_id
                   WHEN 'alarm.dispatched' THEN a.responder_id
                 END AS actor,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN concat_ws(' ', a.priority, a.trigger, 'alarm at', a.site_id, nullif(concat('(', a.location, ')'), '()'))
                   WHEN 'alarm.acknowledged' THEN a.reason
                   WHEN 'alarm.dispatched' THEN concat_ws(', ', a.responder_type, 'ETA ' || a.eta_seconds || ' s', a.tracking_url)
                   WHEN 'alarm.resolved' THEN concat_ws(': ', a.resolution, a.notes)
                   ELSE NULL
                 END AS detail,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN 0 WHEN 'alarm.acknowledged' THEN 4
                   WHEN 'alarm.dispatched' THEN 5 WHEN 'alarm.resolved' THEN 6 ELSE 7
                 END AS lifecycle_order
            FROM chekt.alarm_events a
           WHERE a.alarm_id = alarm_timeline.alarm_id
          UNION ALL
          SELECT s.created_at, s.event_type, s.event_id, s.device_id, s.url, 1
            FROM chekt.snapshot_events s
           WHERE s.alarm_id = alarm_timeline.alarm_id
          UNION ALL
          SELECT r.created_at, r.event_type, r.event_id, r.device_id,
                 concat_ws(' ', 'relay', r.relay_id, 'for ' || r.duration_seconds || ' s'), 2
            FROM chekt.relay_events r
           WHERE r.alarm_id = alarm_timeline.alarm_id
          UNION ALL
          SELECT v.created_at, v.event_type, v.event_id, v.requested_by,
                 'deadline ' || v.deadline_seconds || ' s', 3
            FROM chekt.verification_events v
           WHERE v.alarm_id = alarm_timeline.alarm_id) AS t
   ORDER BY t.at, t.lifecycle_order, t.event_id;
END
$$;

COMMENT ON FUNCTION chekt.alarm_timeline(text) IS
  'every event linked to an alarm (alarm.*, its snapshots, verification requests and the relays it triggered) in time order, ties in lifecycle order; since_created_s is NULL when alarm.created never arrived';

-------------------------------------------------------------------------------
-- Devices
-------------------------------------------------------------------------------

-- a device's events in time order, to find its onlines around a window
CREATE INDEX device_events_device_time_idx ON chekt.device_events (device_id, created_at);

CREATE FUNCTION chekt.device_outages_between(device text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (device_id text, site_id text, offline_at timestamptz, online_at timestamptz,
               downtime_s double precision, ongoing boolean)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH RECURSIVE walk (device_id) AS (
    -- every device, by a loose scan of the (device_id, created_at) index
    (SELECT e.device_id FROM chekt.device_events e WHERE device IS NULL ORDER BY e.device_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.device_id FROM chekt.device_events e
             WHERE e.device_id > w.device_id ORDER BY e.device_id LIMIT 1)
      FROM walk w WHERE w.device_id IS NOT NULL
  ), devices AS (
    SELECT device AS device_id WHERE device IS NOT NULL
    UNION ALL
    SELECT w.device_id FROM walk w WHERE w.device_id IS NOT NULL
  ), bounds AS (
    -- a device's last online at or before the window (which ends every
    -- earlier outage) and its first online at or after it (which ends any
    -- outage the window leaves open)
    SELECT d.device_id,
           coalesce((SELECT max(x.created_at) FROM chekt.device_events x
                      WHERE x.device_id = d.device_id AND x.event_type = 'device.online'
                        AND x.created_at <= from_ts), '-infinity') AS lower,
           coalesce((SELECT min(x.created_at) FROM chekt.device_events x
                      WHERE x.device_id = d.device_id AND x.event_type = 'device.online'
                        AND x.created_at >= to_ts), 'infinity') AS upper
      FROM devices d
  ), events AS (
    -- the events between them: all that outages overlapping the window are
    -- made of
    SELECT e.*
      FROM bounds b,
           LATERAL (SELECT * FROM chekt.device_events x
                     WHERE x.device_id = b.device_id
                       AND x.created_at BETWEEN b.lower AND b.upper) AS e
  ), ordered AS (
    -- in event time (an offline before an online at the same instant:
    -- 'device.offline' sorts first), each numbered by how many onlines came
    -- before it: an outage is the offlines of one number closed by the
    -- online that takes the next
    SELECT e.device_id, e.site_id, e.event_type, e.created_at, e.downtime_seconds,
           CASE WHEN e.event_type = 'device.offline' THEN coalesce(e.last_seen_at, e.created_at) END AS offline_from,
           coalesce(count(*) FILTER (WHERE e.event_type = 'device.online')
                      OVER (PARTITION BY e.device_id
                            ORDER BY e.created_at, e.event_type, e.event_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS outage
      FROM events e
  ), outage AS (
    SELECT o.device_id, o.outage,
           min(o.offline_from) AS offline_from,
           max(o.created_at) FILTER (WHERE o.event_type = 'device.online') AS online_at,
           max(o.downtime_seconds) FILTER (WHERE o.event_type = 'device.online') AS downtime_seconds,
           (array_agg(o.site_id ORDER BY o.created_at DESC) FILTER (WHERE o.site_id IS NOT NULL))[1] AS site_id
      FROM ordered o
     GROUP BY o.device_id, o.outage
  ), bounded AS (
    -- an online without an offline before it: the outage began
    -- downtime_seconds earlier, but not before the previous online
    SELECT t.device_id, t.site_id, t.online_at,
           coalesce(t.offline_from,
                    CASE WHEN t.downtime_seconds IS NOT NULL
                         THEN greatest(t.online_at - t.downtime_seconds * interval '1 second',
                                       lag(t.online_at) OVER (PARTITION BY t.device_id ORDER BY t.outage))
                    END) AS offline_at
      FROM outage t
  )
  SELECT b.device_id,
         b.site_id,
         b.offline_at,
         b.online_at,
         extract(epoch FROM coalesce(b.online_at, now()) - b.offline_at)::double precision,
         b.online_at IS NULL
    FROM bounded b
   WHERE b.offline_at IS NOT NULL
     AND b.offline_at < to_ts
     AND (b.online_at IS NULL OR b.online_at > from_ts);
END;

COMMENT ON FUNCTION chekt.device_outages_between(text, timestamptz, timestamptz) IS
  'the outages of a device (NULL: of every device) that overlap the window, computed from the events around it; the one definition behind device_outages and device_downtime()';

CREATE VIEW chekt.device_outages WITH (security_invoker = true) AS
SELECT * FROM chekt.device_outages_between(NULL, '-infinity', 'infinity');

COMMENT ON VIEW chekt.device_outages IS
  'every outage of every device: from the offline event''s last_seen_at (else its created_at) to the next device.online; an online without an offline before it counts back downtime_seconds; an offline with no online after it is ongoing';
COMMENT ON COLUMN chekt.device_outages.device_id IS 'the device';
COMMENT ON COLUMN chekt.device_outages.site_id IS 'the device''s site, as its latest event of the outage gives it';
COMMENT ON COLUMN chekt.device_outages.offline_at IS 'when the device went offline';
COMMENT ON COLUMN chekt.device_outages.online_at IS 'when it came back; NULL while the outage goes on';
COMMENT ON COLUMN chekt.device_outages.downtime_s IS 'length of the outage in seconds (until now for an ongoing one)';
COMMENT ON COLUMN chekt.device_outages.ongoing IS 'true while no device.online has ended the outage';

CREATE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (device_id text, site_id text, offline_at timestamptz, online_at timestamptz,
               downtime_s double precision, in_window_s double precision, ongoing boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device.';
  END IF;

  RETURN QUERY
  SELECT o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
         greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                   - greatest(o.offline_at, from_ts)), 0)::double precision,
         o.ongoing
    FROM chekt.device_outages_between(device, from_ts, to_ts) o
   ORDER BY o.device_id, o.offline_at;
END
$$;

COMMENT ON FUNCTION chekt.device_downtime(text, timestamptz, timestamptz) IS
  'every outage of a device (NULL: of every device) that overlaps the window from_ts to to_ts, with its length and the seconds of it inside the window';

CREATE VIEW chekt.device_status WITH (security_invoker = true) AS
SELECT DISTINCT ON (e.device_id)
       e.device_id,
       e.site_id,
       CASE e.event_type WHEN 'device.offline' THEN 'offline' ELSE 'online' END AS status,
       CASE e.event_type WHEN 'device.offline' THEN coalesce(e.last_seen_at, e.created_at)
            ELSE e.created_at END AS since,
       e.created_at AS last_event_at,
       e.event_id AS last_event_id
  FROM chekt.device_events e
 ORDER BY e.device_id, e.created_at DESC, e.event_type DESC, e.event_id DESC;

COMMENT ON VIEW chekt.device_status IS 'the latest known status of each device, from its latest event in event time';
COMMENT ON COLUMN chekt.device_status.device_id IS 'the device';
COMMENT ON COLUMN chekt.device_status.site_id IS 'the device''s site, from its latest event';
COMMENT ON COLUMN chekt.device_status.status IS 'online or offline';
COMMENT ON COLUMN chekt.device_status.since IS 'since when (for offline: when it was last seen)';
COMMENT ON COLUMN chekt.device_status.last_event_at IS 'created_at of the latest event';
COMMENT ON COLUMN chekt.device_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Partitions
-------------------------------------------------------------------------------

CREATE VIEW chekt.partition_status WITH (security_invoker = true) AS
SELECT DISTINCT ON (p.partition_id)
       p.partition_id,
       p.site_id,
       CASE p.event_type WHEN 'partition.armed' THEN 'armed' ELSE 'disarmed' END AS state,
       p.mode,
       p.initiated_by,
       p.operator_id,
       p.created_at AS since,
       p.event_id AS last_event_id
  FROM chekt.partition_events p
 ORDER BY p.partition_id, p.created_at DESC, p.event_id DESC;

COMMENT ON VIEW chekt.partition_status IS 'the current arm state of each partition, from its latest event in event time';
COMMENT ON COLUMN chekt.partition_status.partition_id IS 'the partition';
COMMENT ON COLUMN chekt.partition_status.site_id IS 'the partition''s site';
COMMENT ON COLUMN chekt.partition_status.state IS 'armed or disarmed';
COMMENT ON COLUMN chekt.partition_status.mode IS 'arming mode, e.g. away (armed only)';
COMMENT ON COLUMN chekt.partition_status.initiated_by IS 'who changed it: user, schedule, remote (the payload''s "by")';
COMMENT ON COLUMN chekt.partition_status.operator_id IS 'the operator, when disarmed manually';
COMMENT ON COLUMN chekt.partition_status.since IS 'when the partition entered this state';
COMMENT ON COLUMN chekt.partition_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Sites, by UTC day
-------------------------------------------------------------------------------

CREATE VIEW chekt.site_daily_summary WITH (security_invoker = true) AS
WITH alarm_day AS (
  SELECT site_id, (created_at AT TIME ZONE 'UTC')::date AS day,
         count(*) AS alarms,
         count(resolved_at) AS resolved_alarms,
         count(*) FILTER (WHERE is_false_positive) AS false_positives,
         avg(time_to_acknowledge_s) AS mean_time_to_acknowledge_s
    FROM chekt.alarm_lifecycle
   WHERE created_at IS NOT NULL AND site_id IS NOT NULL
   GROUP BY 1, 2
), downtime_day AS (
  -- each outage cut at UTC midnights
  SELECT o.site_id, d.day::date AS day,
         sum(extract(epoch FROM least(coalesce(o.online_at, now()), (d.day + interval '1 day') AT TIME ZONE 'UTC')
                                - greatest(o.offline_at, d.day AT TIME ZONE 'UTC')))::double precision AS downtime_s
    FROM chekt.device_outages o,
         generate_series(date_trunc('day', o.offline_at AT TIME ZONE 'UTC'),
                         date_trunc('day', coalesce(o.online_at, now()) AT TIME ZONE 'UTC'),
                         interval '1 day') AS d (day)
   WHERE o.site_id IS NOT NULL
   GROUP BY 1, 2
)
SELECT coalesce(a.day, t.day) AS day,
       coalesce(a.site_id, t.site_id) AS site_id,
       coalesce(a.alarms, 0) AS alarms,
       coalesce(a.resolved_alarms, 0) AS resolved_alarms,
       coalesce(a.false_positives, 0) AS false_positives,
       a.false_positives::double precision / nullif(a.resolved_alarms, 0) AS false_positive_rate,
       a.mean_time_to_acknowledge_s,
       coalesce(t.downtime_s, 0) AS downtime_s
  FROM alarm_day a
  FULL JOIN downtime_day t ON t.site_id = a.site_id AND t.day = a.day;

COMMENT ON VIEW chekt.site_daily_summary IS
  'per site and UTC day: alarms created, false positives among the resolved ones, mean time to acknowledge, device downtime';
COMMENT ON COLUMN chekt.site_daily_summary.day IS 'the day, in UTC, of the alarms'' creation and of the downtime';
COMMENT ON COLUMN chekt.site_daily_summary.site_id IS 'the site';
COMMENT ON COLUMN chekt.site_daily_summary.alarms IS 'alarms created that day';
COMMENT ON COLUMN chekt.site_daily_summary.resolved_alarms IS 'of those, how many are resolved (denominator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positives IS 'of those, how many were resolved as false-positive (numerator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positive_rate IS 'false_positives / resolved_alarms; NULL when none is resolved';
COMMENT ON COLUMN chekt.site_daily_summary.mean_time_to_acknowledge_s IS 'mean seconds from creation to first acknowledgement of that day''s alarms';
COMMENT ON COLUMN chekt.site_daily_summary.downtime_s IS 'seconds of device downtime at the site within that day (ongoing outages until now)';

-------------------------------------------------------------------------------
-- The analytic surface, and who may read it
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- the analytic surface, listed once
  relations text := 'chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
                     chekt.partition_status, chekt.site_daily_summary,
                     chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
                     chekt.verification_events, chekt.partition_events, chekt.relay_events,
                     chekt.event_families, chekt.event_types, chekt.event_fields';
  functions text := 'chekt.alarm_timeline(text), chekt.device_downtime(text, timestamptz, timestamptz),
                     chekt.device_outages_between(text, timestamptz, timestamptz)';
BEGIN
  IF give THEN
    EXECUTE format('GRANT USAGE ON SCHEMA chekt TO %s', analyst);
    EXECUTE format('GRANT SELECT ON %s TO %s', relations, analyst);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', functions, analyst);
  ELSE
    EXECUTE format('REVOKE SELECT ON %s FROM %s', relations, analyst);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', functions, analyst);
    EXECUTE format('REVOKE USAGE ON SCHEMA chekt FROM %s', analyst);
  END IF;
END
$$;

COMMENT ON FUNCTION chekt.analyst_privileges(regrole, boolean) IS
  'gives (true) or takes back (false) read access to the analytic surface; called by grant_analyst() and revoke_analyst()';

CREATE FUNCTION chekt.grant_analyst(analyst regrole)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT chekt.analyst_privileges(analyst, true) $$;

COMMENT ON FUNCTION chekt.grant_analyst(regrole) IS
  'lets a role read the analytic surface (the views, the family tables, the type catalog, alarm_timeline() and device_downtime()): no secrets, no raw deliveries, no quarantine, no writes';

CREATE FUNCTION chekt.revoke_analyst(analyst regrole)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT chekt.analyst_privileges(analyst, false) $$;

COMMENT ON FUNCTION chekt.revoke_analyst(regrole) IS 'takes back what chekt.grant_analyst() gave';

REVOKE ALL ON chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
              chekt.partition_status, chekt.site_daily_summary
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.alarm_timeline(text),
                           chekt.device_downtime(text, timestamptz, timestamptz),
                           chekt.device_outages_between(text, timestamptz, timestamptz),
                           chekt.grant_analyst(regrole), chekt.revoke_analyst(regrole),
                           chekt.analyst_privileges(regrole, boolean)
  FROM PUBLIC;
