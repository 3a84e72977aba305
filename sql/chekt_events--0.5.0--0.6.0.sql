-- chekt_events 0.5.0 -> 0.6.0: answers stay true when deliveries are lost
--
-- CHeKT gives up on a delivery after 24 hours, so an event store has
-- holes.  The answers now say what they infer: an outage ends at the first
-- evidence that the device was alive again (a later device.offline whose
-- last_seen_at is after the outage began), not only at a device.online;
-- outages say how they ended and whether that end is known.  Arm and
-- disarm periods say when the change between two arms (or two disarms)
-- never arrived.  chekt.delivery_gaps lists, per app, site and UTC day,
-- every such inference and the quarantine by reason.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.6.0'" to load this file. \quit

DROP VIEW chekt.site_daily_summary;
DROP VIEW chekt.device_outages;
DROP VIEW chekt.partition_status;
DROP VIEW chekt.device_status;
DROP FUNCTION chekt.device_downtime(text, timestamptz, timestamptz, text);
DROP FUNCTION chekt.device_outages_between(text, timestamptz, timestamptz, text);
DROP TYPE chekt.device_downtime_entry;
DROP TYPE chekt.device_outage;

-------------------------------------------------------------------------------
-- Devices: outages, ended by an online or by evidence of life
-------------------------------------------------------------------------------

CREATE TYPE chekt.device_outage AS (
  app                  text,
  device_id            text,
  site_id              text,
  offline_at           timestamptz,
  online_at            timestamptz,
  downtime_s           double precision,
  ongoing              boolean,
  ended_by             text,
  end_known            boolean,
  start_known          boolean,
  reported_downtime_s  double precision
);

COMMENT ON TYPE chekt.device_outage IS 'an outage of a device of an app: a row of chekt.device_outages_between() and chekt.device_outages';
COMMENT ON COLUMN chekt.device_outage.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_outage.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_outage.site_id IS 'the device''s site, as its latest event of the outage gives it';
COMMENT ON COLUMN chekt.device_outage.offline_at IS 'when the device went offline: the offline''s last_seen_at, else its created_at (for an online without an offline: counted back by its downtime_seconds, never before the device''s previous event)';
COMMENT ON COLUMN chekt.device_outage.online_at IS 'when it came back (ended_by online), or the latest it can have come back (ended_by seen_again: when a later offline says it was last seen); NULL while the outage goes on';
COMMENT ON COLUMN chekt.device_outage.downtime_s IS 'seconds from offline_at to online_at (until now for an ongoing outage); an upper bound when end_known is false, in doubt when start_known is false';
COMMENT ON COLUMN chekt.device_outage.ongoing IS 'true while nothing has ended the outage';
COMMENT ON COLUMN chekt.device_outage.ended_by IS 'online: a device.online ended it; seen_again: its online never arrived, but a later device.offline says the device was seen alive after the outage began; NULL while ongoing';
COMMENT ON COLUMN chekt.device_outage.end_known IS 'true when a device.online ended the outage, false when the end is inferred (seen_again: it ended at or before online_at), NULL while ongoing';
COMMENT ON COLUMN chekt.device_outage.start_known IS 'true unless the device.online that ended the outage reports a downtime_seconds more than 120 s away from it (CHeKT counts from its offline notice, sent after a 60 s debounce): then the start stands, taken from the offline (or for an online without an offline, from the previous online), but is in doubt, and chekt.delivery_gaps says so (downtime_disagrees)';
COMMENT ON COLUMN chekt.device_outage.reported_downtime_s IS 'the downtime_seconds of the device.online that ended the outage, as CHeKT reported it (counted from its offline notice); NULL when there is none';

-- How an outage is found, per device of an app, in event time (at the same
-- instant an offline before an online, and offlines last seen latest
-- first, so that a tie never makes an outage of its own):
--  - a run is the events after one device.online up to and including the
--    next; an online ends every outage of its run;
--  - an offline's last_seen_at counts no later than its notice and no
--    earlier than the run's start (the device was alive at the previous
--    online: an outage never reaches back across an earlier event);
--  - within a run, the first offline starts an outage at its last_seen_at
--    (else its created_at); a later offline whose last_seen_at is after the
--    start of the outage going on proves the device was alive then: that
--    outage ended at or before it (seen_again) and a new one starts there;
--    an offline that proves nothing new (no, the same or an earlier
--    last_seen_at) belongs to the outage going on.  The outage going on
--    starts at the greatest of the run's first start and the last_seen_at
--    of the run's offlines before, which is how it is computed below;
--  - a run with no offline whose online reports a positive
--    downtime_seconds is an outage counted back from the online, but not
--    before the run's start (the previous online).
-- Written for one device, so that every caller (one device, the fleet, a
-- site's devices in delivery_gaps) runs it once per device on an index
-- range, and its windows need no partitions.
CREATE FUNCTION chekt.device_outages_of(app text, device text, from_ts timestamptz, to_ts timestamptz)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  WITH bounds AS (
    -- the device's last online at or before the window (which ends every
    -- earlier outage) and its first online at or after it (which ends any
    -- outage the window leaves open); OFFSET 0 keeps them values, which row
    -- level security lets reach the index below (a subquery in a qual is
    -- not leakproof, and would stay a filter)
    SELECT coalesce((SELECT max(x.created_at) FROM chekt.device_events x
                      WHERE x.app = device_outages_of.app AND x.device_id = device
                        AND x.event_type = 'device.online'
                        AND x.created_at <= from_ts), '-infinity') AS lower,
           coalesce((SELECT min(x.created_at) FROM chekt.device_events x
                      WHERE x.app = device_outages_of.app AND x.device_id = device
                        AND x.event_type = 'device.online'
                        AND x.created_at >= to_ts), 'infinity') AS upper
    OFFSET 0
  ), numbered_runs AS (
    -- the events between them (all that outages overlapping the window are
    -- made of), each numbered by the onlines before it (its run), with the
    -- latest of those
    SELECT e.site_id, e.event_type, e.event_id, e.created_at, e.downtime_seconds, e.last_seen_at,
           coalesce(count(*) FILTER (WHERE e.event_type = 'device.online') OVER w, 0) AS run,
           max(e.created_at) FILTER (WHERE e.event_type = 'device.online') OVER w AS run_started_at
      FROM bounds b,
           LATERAL (SELECT * FROM chekt.device_events x
                     WHERE x.app = device_outages_of.app AND x.device_id = device
                       AND x.created_at BETWEEN b.lower AND b.upper
                    OFFSET 0) AS e
    WINDOW w AS (ORDER BY e.created_at, e.event_type, e.last_seen_at DESC NULLS LAST,
                          e.downtime_seconds DESC NULLS LAST, e.event_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ), runs AS (
    -- an offline's last_seen_at, no later than its notice and no earlier
    -- than its run's start, and the start of the outage it would begin
    SELECT r.*, CASE WHEN r.event_type = 'device.offline' THEN coalesce(r.seen_at, r.created_at) END AS starts_at
      FROM (SELECT n.site_id, n.event_type, n.event_id, n.created_at, n.downtime_seconds, n.run,
                   n.last_seen_at AS order_seen_at, n.run_started_at,
                   CASE WHEN n.event_type = 'device.offline' AND n.last_seen_at IS NOT NULL
                        THEN greatest(least(n.last_seen_at, n.created_at), n.run_started_at) END AS seen_at
              FROM numbered_runs n) AS r
  ), starts AS (
    -- an offline starts an outage when it is its run's first event, or
    -- when its last_seen_at is after the start of the outage going on
    SELECT r.*,
           r.event_type = 'device.offline'
           AND (row_number() OVER w = 1
                OR coalesce(r.seen_at > greatest(first_value(r.starts_at) OVER w,
                                                 max(r.seen_at) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
                            false)) AS starts
      FROM runs r
    WINDOW w AS (PARTITION BY r.run ORDER BY r.created_at, r.event_type, r.order_seen_at DESC NULLS LAST,
                                             r.downtime_seconds DESC NULLS LAST, r.event_id)
  ), numbered AS (
    -- each event numbered by the outage starts up to it in its run (an
    -- online takes its run's last outage; 0 is a run without an offline)
    SELECT s.*,
           count(*) FILTER (WHERE s.starts)
             OVER (PARTITION BY s.run ORDER BY s.created_at, s.event_type, s.order_seen_at DESC NULLS LAST,
                                               s.downtime_seconds DESC NULLS LAST, s.event_id
                   ROWS UNBOUNDED PRECEDING) AS outage
      FROM starts s
  ), outage AS (
    SELECT n.run, n.outage,
           max(n.starts_at) FILTER (WHERE n.starts) AS offline_from,
           max(n.created_at) FILTER (WHERE n.event_type = 'device.online') AS online_at,
           max(n.downtime_seconds) FILTER (WHERE n.event_type = 'device.online') AS downtime_seconds,
           (array_agg(n.site_id ORDER BY n.created_at DESC, n.event_type DESC, n.order_seen_at NULLS FIRST,
                                         n.downtime_seconds NULLS FIRST, n.event_id DESC)
              FILTER (WHERE n.site_id IS NOT NULL))[1] AS site_id
      FROM numbered n
     GROUP BY n.run, n.outage
  ), ended AS (
    -- an outage followed by another in its run ended by evidence: at the
    -- latest when the next one starts
    SELECT t.*,
           lead(t.offline_from) OVER (PARTITION BY t.run ORDER BY t.outage) AS seen_again_at,
           lag(t.online_at) OVER (ORDER BY t.run, t.outage) AS previous_online_at
      FROM outage t
  ), bounded AS (
    SELECT x.site_id,
           coalesce(x.offline_from,
                    -- an online without an offline: counted back (an
                    -- online at the instant of the previous one is a
                    -- repeated notice, no outage)
                    CASE WHEN x.downtime_seconds > 0 AND (x.online_at > x.previous_online_at) IS NOT false
                         THEN greatest(x.online_at - x.downtime_seconds * interval '1 second',
                                       x.previous_online_at)
                    END) AS offline_at,
           coalesce(x.seen_again_at, x.online_at) AS online_at,
           CASE WHEN x.seen_again_at IS NOT NULL THEN 'seen_again'
                WHEN x.online_at IS NOT NULL THEN 'online' END AS ended_by,
           CASE WHEN x.seen_again_at IS NULL THEN x.downtime_seconds END AS reported_downtime_s
      FROM ended x
  ), checked AS (
    -- an online's downtime_seconds against the start found: CHeKT counts
    -- from its offline notice, sent after a 60 s debounce, so more than
    -- twice that apart is a disagreement
    SELECT b.*,
           coalesce(b.ended_by IS DISTINCT FROM 'online'
                    OR abs(b.reported_downtime_s - extract(epoch FROM b.online_at - b.offline_at)) <= 120,
                    true) AS start_known
      FROM bounded b
  )
  SELECT device_outages_of.app,
         device,
         b.site_id::text,
         b.offline_at,
         b.online_at,
         extract(epoch FROM coalesce(b.online_at, now()) - b.offline_at)::double precision,
         b.ended_by IS NULL,
         b.ended_by,
         CASE b.ended_by WHEN 'online' THEN true WHEN 'seen_again' THEN false END,
         b.start_known,
         b.reported_downtime_s::double precision
    FROM checked b
   WHERE b.offline_at IS NOT NULL
     AND b.offline_at < to_ts
     AND (b.online_at IS NULL OR b.online_at > from_ts);
END;

COMMENT ON FUNCTION chekt.device_outages_of(text, text, timestamptz, timestamptz) IS
  'the outages of one device of one app that overlap the window, computed from the events around it: an outage ends at the next device.online or, when that never arrived, at the first later device.offline whose last_seen_at proves the device was alive (ended_by seen_again); the one definition behind device_outages_between(), device_outages, device_downtime() and delivery_gaps';

CREATE FUNCTION chekt.device_outages_between(device text, from_ts timestamptz, to_ts timestamptz,
                                             app text DEFAULT NULL)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  WITH RECURSIVE walk (app, device_id) AS (
    -- every device of every app (or of the app asked about), by a loose
    -- scan of the (app, device_id, created_at) index
    (SELECT e.app, e.device_id FROM chekt.device_events e
      WHERE device IS NULL AND device_outages_between.app IS NULL
      ORDER BY e.app, e.device_id LIMIT 1)
    UNION ALL
    (SELECT e.app, e.device_id FROM chekt.device_events e
      WHERE device IS NULL AND e.app = device_outages_between.app
      ORDER BY e.app, e.device_id LIMIT 1)
    UNION ALL
    SELECT n.app, n.device_id
      FROM walk w,
           LATERAL ((SELECT e.app, e.device_id FROM chekt.device_events e
                      WHERE device_outages_between.app IS NULL
                        AND (e.app, e.device_id) > (w.app, w.device_id)
                      ORDER BY e.app, e.device_id LIMIT 1)
                    UNION ALL
                    (SELECT e.app, e.device_id FROM chekt.device_events e
                      WHERE e.app = device_outages_between.app AND e.device_id > w.device_id
                      ORDER BY e.app, e.device_id LIMIT 1)) AS n
  ), devices AS (
    -- the device asked about, under each app that has it
    SELECT DISTINCT e.app, e.device_id FROM chekt.device_events e
     WHERE e.device_id = device
       AND (device_outages_between.app IS NULL OR e.app = device_outages_between.app)
    UNION ALL
    SELECT w.app, w.device_id FROM walk w
  )
  SELECT o.*
    FROM devices d
   CROSS JOIN LATERAL chekt.device_outages_of(d.app, d.device_id, from_ts, to_ts) AS o;
END;

COMMENT ON FUNCTION chekt.device_outages_between(text, timestamptz, timestamptz, text) IS
  'the outages of a device (NULL: of every device) of one app (NULL: of every app the caller may read) that overlap the window, as chekt.device_outages_of() finds them; a device id under two apps is two devices';

CREATE VIEW chekt.device_outages WITH (security_invoker = true) AS
SELECT * FROM chekt.device_outages_between(NULL, '-infinity', 'infinity');

COMMENT ON VIEW chekt.device_outages IS
  'every outage of every device of every app: from the offline event''s last_seen_at (else its created_at) to the next device.online of the same device and app, or, when that online never arrived, to the last_seen_at of the first later offline that proves the device was alive (ended_by seen_again, end_known false, downtime_s an upper bound); an online whose downtime_seconds disagrees with the start found leaves it in doubt (start_known false); an online without an offline before it counts back downtime_seconds, never before the device''s previous event; an offline with nothing after it is ongoing';

CREATE TYPE chekt.device_downtime_entry AS (
  app                  text,
  device_id            text,
  site_id              text,
  offline_at           timestamptz,
  online_at            timestamptz,
  downtime_s           double precision,
  in_window_s          double precision,
  ongoing              boolean,
  ended_by             text,
  end_known            boolean,
  start_known          boolean,
  reported_downtime_s  double precision
);

COMMENT ON TYPE chekt.device_downtime_entry IS 'a row of chekt.device_downtime(): an outage that overlaps the window';
COMMENT ON COLUMN chekt.device_downtime_entry.downtime_s IS 'length of the whole outage in seconds (until now for an ongoing one); an upper bound when end_known is false, in doubt when start_known is false';
COMMENT ON COLUMN chekt.device_downtime_entry.in_window_s IS 'seconds of the outage inside the window; an upper bound when end_known is false, in doubt when start_known is false';

-- the view, and device_downtime()'s rows but for their lengths, say of each
-- column what the type says
DO $$
DECLARE
  target text;
  col record;
BEGIN
  FOREACH target IN ARRAY ARRAY['chekt.device_outages', 'chekt.device_downtime_entry'] LOOP
    FOR col IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS description
                 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = (SELECT t.typrelid FROM pg_catalog.pg_type t WHERE t.oid = 'chekt.device_outage'::regtype)
                  AND a.attnum > 0 AND NOT a.attisdropped
                  AND NOT (target = 'chekt.device_downtime_entry' AND a.attname = 'downtime_s')
    LOOP
      EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col.attname, col.description);
    END LOOP;
  END LOOP;
END
$$;

-- no parallel workers: a Gather inside the per-device part would start
-- its workers again for every device (an analyst's fleet week took 42 s at
-- 9M events, under row level security); jit off: the outage query is index
-- lookups and window functions, which JIT does not speed up, and its estimate (a recursive walk of every
-- device) crosses jit_above_cost: compiling it took 0.75 s of a 0.9 s
-- answer at 1.6M events, and made a plan cached for one device pay it on
-- every call
CREATE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz,
                                      app text DEFAULT NULL)
RETURNS SETOF chekt.device_downtime_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
AS $$
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device, and NULL as app for every app.';
  END IF;

  RETURN QUERY
  SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
         greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                   - greatest(o.offline_at, from_ts)), 0)::double precision,
         o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
    FROM chekt.device_outages_between(device, from_ts, to_ts, device_downtime.app) o
   ORDER BY o.app, o.device_id, o.offline_at;
END
$$;

COMMENT ON FUNCTION chekt.device_downtime(text, timestamptz, timestamptz, text) IS
  'every outage of a device (NULL: of every device) of one app (NULL: of every app the caller may read) that overlaps the window from_ts to to_ts, with its length, the seconds of it inside the window, and how it ended (ended_by, end_known: an inferred end makes both lengths upper bounds)';

-- an offline device is down since its ongoing outage began, by the rules
-- above (its latest offline may only repeat an older notice)
CREATE VIEW chekt.device_status WITH (security_invoker = true) AS
SELECT l.app,
       l.device_id,
       l.site_id,
       CASE l.event_type WHEN 'device.offline' THEN 'offline' ELSE 'online' END AS status,
       CASE l.event_type
         WHEN 'device.offline'
         THEN (SELECT o.offline_at FROM chekt.device_outages_of(l.app, l.device_id, l.created_at, 'infinity') AS o
                WHERE o.ongoing)
         ELSE l.created_at
       END AS since,
       l.created_at AS last_event_at,
       l.event_id AS last_event_id
  FROM (SELECT DISTINCT ON (e.app, e.device_id) e.*
          FROM chekt.device_events e
         ORDER BY e.app, e.device_id, e.created_at DESC, e.event_type DESC, e.last_seen_at NULLS FIRST,
                  e.downtime_seconds NULLS FIRST, e.event_id DESC) AS l;

COMMENT ON VIEW chekt.device_status IS 'the latest known status of each device of each app, from its latest event in event time';
COMMENT ON COLUMN chekt.device_status.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_status.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_status.site_id IS 'the device''s site, from its latest event';
COMMENT ON COLUMN chekt.device_status.status IS 'online or offline';
COMMENT ON COLUMN chekt.device_status.since IS 'since when: for online, its latest online; for offline, the start of its ongoing outage in chekt.device_outages';
COMMENT ON COLUMN chekt.device_status.last_event_at IS 'created_at of the latest event';
COMMENT ON COLUMN chekt.device_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Partitions: armed and disarmed periods, and the changes that never came
-------------------------------------------------------------------------------

-- a site's alarms by UTC day too: the day of delivery_gaps and
-- site_daily_summary is computed, and a filter on it reaches this index
-- (the created_at range of alarm_lifecycle still does)
DROP INDEX chekt.alarm_events_created_site_idx;
CREATE INDEX alarm_events_created_site_idx ON chekt.alarm_events
  (site_id, ((created_at AT TIME ZONE 'UTC')::date), created_at)
  WHERE event_type = 'alarm.created';
COMMENT ON INDEX chekt.alarm_events_created_site_idx IS 'a site''s alarms by the time (and UTC day) of their alarm.created';

-- a site's devices and partitions, for the per-site questions (a filter on
-- the site of delivery_gaps or site_daily_summary starts here)
CREATE INDEX device_events_site_idx ON chekt.device_events (app, site_id, device_id);
COMMENT ON INDEX chekt.device_events_site_idx IS 'the devices of a site';
CREATE INDEX partition_events_site_idx ON chekt.partition_events (app, site_id, partition_id);
COMMENT ON INDEX chekt.partition_events_site_idx IS 'the partitions of a site';

-- Arms and disarms at one instant are taken in the order that needs the
-- fewest missing changes: alternating, starting with the change opposite
-- the state before the instant.  So an instant with more arms than
-- disarms leaves the partition armed, one with more disarms disarmed, and
-- a balanced one as it found it: the state before an instant is the
-- majority of the last unbalanced instant before it, or, before the first
-- unbalanced instant, the opposite of that one's majority (what lets it
-- alternate); with no unbalanced instant at all, disarmed.  The majorities
-- travel as microseconds * 2 + (armed), so that one max() or min() finds
-- the nearest one and its side.
CREATE VIEW chekt.partition_periods WITH (security_invoker = true) AS
SELECT p.app,
       p.partition_id,
       p.site_id,
       CASE p.event_type WHEN 'partition.armed' THEN 'armed' ELSE 'disarmed' END AS state,
       p.mode,
       p.initiated_by,
       p.operator_id,
       p.created_at AS started_at,
       p.next_at AS ended_at,
       p.next_type IS NULL AS ongoing,
       p.next_type <> p.event_type AS end_known,
       extract(epoch FROM coalesce(p.next_at, now()) - p.created_at)::double precision AS duration_s,
       p.event_id AS started_by_event_id
  FROM (SELECT o.*,
               lead(o.created_at) OVER w AS next_at,
               lead(o.event_type) OVER w AS next_type
          FROM (SELECT e.*,
                       -- its place at its instant: the opposite changes at
                       -- 0, 2, 4..., the others at 1, 3, 5...
                       2 * (row_number() OVER (PARTITION BY e.app, e.partition_id, e.created_at, e.event_type
                                               ORDER BY e.event_id) - 1)
                       + (e.event_type = i.type_before)::int AS place
                  FROM chekt.partition_events e
                  JOIN (SELECT m.app, m.partition_id, m.created_at,
                               CASE WHEN coalesce(m.before % 2, 1 - m.from_here % 2, 0) = 1
                                    THEN 'partition.armed' ELSE 'partition.disarmed' END AS type_before
                          FROM (SELECT n.app, n.partition_id, n.created_at,
                                       max(n.majority) OVER (PARTITION BY n.app, n.partition_id ORDER BY n.created_at
                                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
                                       min(n.majority) OVER (PARTITION BY n.app, n.partition_id ORDER BY n.created_at
                                                             ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS from_here
                                  FROM (SELECT x.app, x.partition_id, x.created_at,
                                               CASE WHEN count(*) FILTER (WHERE x.event_type = 'partition.armed')
                                                         <> count(*) FILTER (WHERE x.event_type = 'partition.disarmed')
                                                    THEN (extract(epoch FROM x.created_at) * 1000000)::bigint * 2
                                                         + (count(*) FILTER (WHERE x.event_type = 'partition.armed')
                                                            > count(*) FILTER (WHERE x.event_type = 'partition.disarmed'))::int
                                               END AS majority
                                          FROM chekt.partition_events x
                                         GROUP BY x.app, x.partition_id, x.created_at) AS n) AS m) AS i
                    ON i.app = e.app AND i.partition_id = e.partition_id AND i.created_at = e.created_at) AS o
        WINDOW w AS (PARTITION BY o.app, o.partition_id ORDER BY o.created_at, o.place, o.event_id)) AS p;

COMMENT ON VIEW chekt.partition_periods IS
  'every armed or disarmed period of every partition of every app, from its event to the partition''s next event in event time (at one instant, in the order that needs the fewest missing changes); two arms (or two disarms) in a row are two periods, the first with end_known false: the disarm (arm) between them never arrived, so it ended at some time before ended_at';
COMMENT ON COLUMN chekt.partition_periods.app IS 'the app of the partition''s events';
COMMENT ON COLUMN chekt.partition_periods.partition_id IS 'the partition (unique within its app)';
COMMENT ON COLUMN chekt.partition_periods.site_id IS 'the partition''s site, from the event that started the period';
COMMENT ON COLUMN chekt.partition_periods.state IS 'armed or disarmed';
COMMENT ON COLUMN chekt.partition_periods.mode IS 'arming mode, e.g. away (armed only)';
COMMENT ON COLUMN chekt.partition_periods.initiated_by IS 'who changed it: user, schedule, remote (the payload''s "by")';
COMMENT ON COLUMN chekt.partition_periods.operator_id IS 'the operator, when disarmed manually';
COMMENT ON COLUMN chekt.partition_periods.started_at IS 'when the partition entered this state (created_at of the event)';
COMMENT ON COLUMN chekt.partition_periods.ended_at IS 'the created_at of the partition''s next event; when end_known is false, the latest the period can have ended; NULL while the period goes on';
COMMENT ON COLUMN chekt.partition_periods.ongoing IS 'true for the partition''s latest period';
COMMENT ON COLUMN chekt.partition_periods.end_known IS 'true when the next event is the opposite change, false when it is the same change again (the change between them never arrived), NULL while ongoing';
COMMENT ON COLUMN chekt.partition_periods.duration_s IS 'seconds from started_at to ended_at (until now while ongoing); an upper bound when end_known is false';
COMMENT ON COLUMN chekt.partition_periods.started_by_event_id IS 'id of the event that started the period';

-- the current state is the ongoing period, so that status and periods
-- never disagree (on the order of a tie, above all)
CREATE VIEW chekt.partition_status WITH (security_invoker = true) AS
SELECT p.app,
       p.partition_id,
       p.site_id,
       p.state,
       p.mode,
       p.initiated_by,
       p.operator_id,
       p.started_at AS since,
       p.started_by_event_id AS last_event_id
  FROM chekt.partition_periods p
 WHERE p.ongoing;

COMMENT ON VIEW chekt.partition_status IS 'the current arm state of each partition of each app, from its latest event in event time (its ongoing period in chekt.partition_periods)';
COMMENT ON COLUMN chekt.partition_status.app IS 'the app of the partition''s events';
COMMENT ON COLUMN chekt.partition_status.partition_id IS 'the partition (unique within its app)';
COMMENT ON COLUMN chekt.partition_status.site_id IS 'the partition''s site';
COMMENT ON COLUMN chekt.partition_status.state IS 'armed or disarmed';
COMMENT ON COLUMN chekt.partition_status.mode IS 'arming mode, e.g. away (armed only)';
COMMENT ON COLUMN chekt.partition_status.initiated_by IS 'who changed it: user, schedule, remote (the payload''s "by")';
COMMENT ON COLUMN chekt.partition_status.operator_id IS 'the operator, when disarmed manually';
COMMENT ON COLUMN chekt.partition_status.since IS 'when the partition entered this state';
COMMENT ON COLUMN chekt.partition_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Sites, per app and UTC day: known and upper-bound downtime apart
-------------------------------------------------------------------------------

CREATE VIEW chekt.site_daily_summary WITH (security_invoker = true) AS
WITH alarm_day AS (
  SELECT app, site_id, (created_at AT TIME ZONE 'UTC')::date AS day,
         count(*) AS alarms,
         count(resolved_at) AS resolved_alarms,
         count(*) FILTER (WHERE is_false_positive) AS false_positives,
         avg(time_to_acknowledge_s) AS mean_time_to_acknowledge_s
    FROM chekt.alarm_lifecycle
   WHERE created_at IS NOT NULL AND site_id IS NOT NULL
   GROUP BY 1, 2, 3
), downtime_day AS (
  -- each outage cut at UTC midnights
  SELECT o.app, o.site_id, d.day::date AS day,
         sum(c.seconds) FILTER (WHERE o.end_known IS DISTINCT FROM false AND o.start_known) AS downtime_s,
         sum(c.seconds) AS downtime_upper_bound_s
    FROM chekt.device_outages o,
         generate_series(date_trunc('day', o.offline_at AT TIME ZONE 'UTC'),
                         date_trunc('day', coalesce(o.online_at, now()) AT TIME ZONE 'UTC'),
                         interval '1 day') AS d (day),
         LATERAL (SELECT extract(epoch FROM least(coalesce(o.online_at, now()), (d.day + interval '1 day') AT TIME ZONE 'UTC')
                                          - greatest(o.offline_at, d.day AT TIME ZONE 'UTC'))::double precision AS seconds) AS c
   WHERE o.site_id IS NOT NULL
     AND c.seconds > 0
   GROUP BY 1, 2, 3
)
SELECT coalesce(a.app, t.app) AS app,
       coalesce(a.day, t.day) AS day,
       coalesce(a.site_id, t.site_id) AS site_id,
       coalesce(a.alarms, 0) AS alarms,
       coalesce(a.resolved_alarms, 0) AS resolved_alarms,
       coalesce(a.false_positives, 0) AS false_positives,
       a.false_positives::double precision / nullif(a.resolved_alarms, 0) AS false_positive_rate,
       a.mean_time_to_acknowledge_s,
       coalesce(t.downtime_s, 0) AS downtime_s,
       coalesce(t.downtime_upper_bound_s, 0) AS downtime_upper_bound_s
  FROM alarm_day a
  FULL JOIN downtime_day t ON t.app = a.app AND t.site_id = a.site_id AND t.day = a.day;

COMMENT ON VIEW chekt.site_daily_summary IS
  'per app, site and UTC day (a site id is unique only within its app): alarms created, false positives among the resolved ones, mean time to acknowledge, device downtime known and at most';
COMMENT ON COLUMN chekt.site_daily_summary.app IS 'the app of the site''s events';
COMMENT ON COLUMN chekt.site_daily_summary.day IS 'the day, in UTC, of the alarms'' creation and of the downtime';
COMMENT ON COLUMN chekt.site_daily_summary.site_id IS 'the site (unique within its app)';
COMMENT ON COLUMN chekt.site_daily_summary.alarms IS 'alarms created that day';
COMMENT ON COLUMN chekt.site_daily_summary.resolved_alarms IS 'of those, how many are resolved (denominator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positives IS 'of those, how many were resolved as false-positive (numerator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positive_rate IS 'false_positives / resolved_alarms; NULL when none is resolved';
COMMENT ON COLUMN chekt.site_daily_summary.mean_time_to_acknowledge_s IS 'mean seconds from creation to first acknowledgement of that day''s alarms';
COMMENT ON COLUMN chekt.site_daily_summary.downtime_s IS 'seconds of known device downtime at the site within that day: outages ended by a device.online whose start is not in doubt (start_known), and ongoing ones until now';
COMMENT ON COLUMN chekt.site_daily_summary.downtime_upper_bound_s IS 'downtime_s plus the outages whose online never arrived (ended_by seen_again) or whose start is in doubt, at their longest: the most the devices can have been down';

-------------------------------------------------------------------------------
-- The completeness report
-------------------------------------------------------------------------------

-- The quarantine by app, reason and UTC day of receipt, for everyone who
-- may read the app: the view reads chekt.rejected with its owner's
-- rights (an analyst may not read the deliveries themselves), while the
-- functions in its filter run as the reader, so a reader who may read
-- chekt.rejected (the owner) counts every app and any other only the apps
-- chekt.visible_apps() gives it; security_barrier keeps a reader's own
-- functions from seeing rows before that filter.
CREATE VIEW chekt.quarantine_daily WITH (security_barrier = true) AS
SELECT r.app,
       (r.received_at AT TIME ZONE 'UTC')::date AS day,
       r.reason,
       count(*) AS deliveries,
       -- rejected ids count every app's refusals: only for who may read them
       CASE WHEN (SELECT pg_catalog.has_table_privilege('chekt.rejected', 'SELECT'))
            THEN min(r.rejected_id) END AS example_rejected_id
  FROM chekt.rejected r
 WHERE (SELECT pg_catalog.has_table_privilege('chekt.rejected', 'SELECT'))
    OR coalesce(r.app = ANY ((SELECT chekt.visible_apps())::text[]), true)
 GROUP BY 1, 2, 3;

COMMENT ON VIEW chekt.quarantine_daily IS
  'the quarantine counted per app, UTC day of receipt and reason, for the apps the reader may read (the deliveries themselves stay unreadable to analysts); the app is the one the delivery named, which for an unauthenticated delivery is only a claim';
COMMENT ON COLUMN chekt.quarantine_daily.app IS 'the app the delivery named';
COMMENT ON COLUMN chekt.quarantine_daily.day IS 'the UTC day it was received';
COMMENT ON COLUMN chekt.quarantine_daily.reason IS 'why it was refused (a reason code of chekt.rejected)';
COMMENT ON COLUMN chekt.quarantine_daily.deliveries IS 'how many deliveries';
COMMENT ON COLUMN chekt.quarantine_daily.example_rejected_id IS 'the rejected_id of the first of them, for a reader of chekt.rejected (the owner); NULL for an analyst, whom the sequence would tell of other apps'' refusals';

CREATE VIEW chekt.delivery_gaps WITH (security_invoker = true) AS
WITH alarm_gap AS (
  -- alarms whose alarm.created never came: no site is known
  SELECT a.app, NULL::text AS site_id,
         (a.first_at AT TIME ZONE 'UTC')::date AS day,
         'alarm_created_missing'::text AS kind, a.alarm_id::text AS example
    FROM (SELECT e.app, e.alarm_id, min(e.created_at) AS first_at
            FROM chekt.alarm_events e
           GROUP BY e.app, e.alarm_id
          HAVING NOT bool_or(e.event_type = 'alarm.created')) AS a
  UNION ALL
  -- alarms resolved, never acknowledged, at the site and on the day of
  -- their first alarm.created (as alarm_lifecycle has them)...
  SELECT c.app, c.site_id::text, (c.created_at AT TIME ZONE 'UTC')::date,
         'alarm_acknowledgement_missing', c.alarm_id::text
    FROM chekt.alarm_events c
   WHERE c.event_type = 'alarm.created'
     AND EXISTS (SELECT FROM chekt.alarm_events e
                  WHERE e.alarm_id = c.alarm_id AND e.app = c.app AND e.event_type = 'alarm.resolved')
     AND NOT EXISTS (SELECT FROM chekt.alarm_events e
                      WHERE e.alarm_id = c.alarm_id AND e.app = c.app
                        AND (e.event_type = 'alarm.acknowledged'
                             OR (e.event_type = 'alarm.created' AND (e.created_at, e.event_id) < (c.created_at, c.event_id))))
  UNION ALL
  -- ...or, when that never came either, on the day of their resolution
  SELECT a.app, NULL, (a.resolved_at AT TIME ZONE 'UTC')::date,
         'alarm_acknowledgement_missing', a.alarm_id::text
    FROM (SELECT e.app, e.alarm_id, min(e.created_at) FILTER (WHERE e.event_type = 'alarm.resolved') AS resolved_at
            FROM chekt.alarm_events e
           GROUP BY e.app, e.alarm_id
          HAVING NOT bool_or(e.event_type IN ('alarm.created', 'alarm.acknowledged'))) AS a
   WHERE a.resolved_at IS NOT NULL
), device_gap AS (
  -- per device and site: its outages (once, under the site they give)...
  SELECT d.app, d.site_id::text AS site_id, g.day, g.kind, d.device_id::text AS example
    FROM (SELECT DISTINCT e.app, e.site_id, e.device_id FROM chekt.device_events e) AS d
   CROSS JOIN LATERAL (
     SELECT k.day, k.kind
       FROM chekt.device_outages_of(d.app, d.device_id, '-infinity', 'infinity') AS o,
            LATERAL (VALUES ((o.offline_at AT TIME ZONE 'UTC')::date, 'outage_end_inferred'::text,
                             o.ended_by = 'seen_again'),
                            ((o.online_at AT TIME ZONE 'UTC')::date, 'downtime_disagrees',
                             NOT o.start_known)) AS k (day, kind, hit)
      WHERE k.hit AND o.site_id IS NOT DISTINCT FROM d.site_id
     UNION ALL
     -- ...and its onlines that follow an online: the offline between never came
     SELECT (x.created_at AT TIME ZONE 'UTC')::date, 'device_offline_missing'
       FROM (SELECT e.created_at, e.event_type, e.site_id,
                    lag(e.event_type) OVER w AS previous_type,
                    lag(e.created_at) OVER w AS previous_at
               FROM chekt.device_events e
              WHERE e.app = d.app AND e.device_id = d.device_id
             WINDOW w AS (ORDER BY e.created_at, e.event_type, e.last_seen_at DESC NULLS LAST,
                                   e.downtime_seconds DESC NULLS LAST, e.event_id)) AS x
      WHERE x.event_type = 'device.online' AND x.previous_type = 'device.online'
        -- (two onlines at one instant are one notice repeated)
        AND x.previous_at < x.created_at
        AND x.site_id IS NOT DISTINCT FROM d.site_id) AS g
), partition_gap AS (
  -- per partition and site: two arms (disarms) in a row, the disarm (arm)
  -- between never came (on the day of the second)
  SELECT p.app, p.site_id::text, (g.ended_at AT TIME ZONE 'UTC')::date,
         CASE g.state WHEN 'armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END,
         p.partition_id::text
    FROM (SELECT DISTINCT e.app, e.site_id, e.partition_id FROM chekt.partition_events e) AS p
   CROSS JOIN LATERAL (
     -- OFFSET 0: one partition's periods at a time (pulled up, the join
     -- could not reach into the view's windows, which would then run over
     -- every partition)
     SELECT x.state, x.ended_at FROM chekt.partition_periods x
      WHERE x.app = p.app AND x.partition_id = p.partition_id
        AND NOT x.end_known AND x.site_id IS NOT DISTINCT FROM p.site_id
     OFFSET 0) AS g
), gap AS (
  SELECT * FROM alarm_gap
  UNION ALL SELECT * FROM device_gap
  UNION ALL SELECT * FROM partition_gap
)
SELECT g.app, g.site_id, g.day, g.kind, NULL::text AS reason, count(*) AS occurrences, min(g.example) AS example_id
  FROM gap g
 GROUP BY g.app, g.site_id, g.day, g.kind
UNION ALL
SELECT q.app, NULL, q.day, 'quarantined', q.reason, q.deliveries, q.example_rejected_id::text
  FROM chekt.quarantine_daily q;

COMMENT ON VIEW chekt.delivery_gaps IS
  'the completeness report: per app, site and UTC day, how often an answer had to infer something a lost delivery would have said (alarm_created_missing, alarm_acknowledgement_missing, device_offline_missing, outage_end_inferred, downtime_disagrees, partition_disarm_missing, partition_arm_missing), and the quarantine by reason (quarantined); README.md, "Deliveries that never arrived", says what each means and what to do';
COMMENT ON COLUMN chekt.delivery_gaps.app IS 'the app of the events (for quarantined: the app the deliveries named)';
COMMENT ON COLUMN chekt.delivery_gaps.site_id IS 'the site, when the events say it; NULL for alarm_created_missing (the site is in the alarm.created that never came) and quarantined';
COMMENT ON COLUMN chekt.delivery_gaps.day IS 'the UTC day: of the alarm''s creation (else its first event), of an outage''s start (outage_end_inferred), of the online (device_offline_missing, downtime_disagrees), of the second of two arms or disarms, of the quarantined deliveries'' receipt';
COMMENT ON COLUMN chekt.delivery_gaps.kind IS 'alarm_created_missing: an alarm''s alarm.created never came; alarm_acknowledgement_missing: resolved, never acknowledged; device_offline_missing: an online after an online; outage_end_inferred: an outage whose online never came, ended by a later offline''s last_seen_at; downtime_disagrees: an online''s downtime_seconds and the outage it ends (from the offline before it, else from the previous online) differ by more than 120 s (start_known false); partition_disarm_missing, partition_arm_missing: two arms or two disarms in a row; quarantined: deliveries refused';
COMMENT ON COLUMN chekt.delivery_gaps.reason IS 'for quarantined, the reason code; NULL otherwise';
COMMENT ON COLUMN chekt.delivery_gaps.occurrences IS 'how many alarms, outages, onlines, arms or disarms, or quarantined deliveries';
COMMENT ON COLUMN chekt.delivery_gaps.example_id IS 'one of them, to look at: the alarm id (chekt.alarm_timeline()), the device id (chekt.device_downtime()), the partition id (chekt.partition_periods) or the rejected_id (chekt.rejected)';

-------------------------------------------------------------------------------
-- The analytic surface, who may read it
-------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- the analytic surface, listed once
  relations text := 'chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
                     chekt.partition_status, chekt.partition_periods, chekt.site_daily_summary,
                     chekt.delivery_gaps, chekt.quarantine_daily,
                     chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
                     chekt.verification_events, chekt.partition_events, chekt.relay_events,
                     chekt.event_families, chekt.event_types, chekt.event_fields';
  functions text := 'chekt.alarm_timeline(text, text),
                     chekt.device_downtime(text, timestamptz, timestamptz, text),
                     chekt.device_outages_between(text, timestamptz, timestamptz, text),
                     chekt.device_outages_of(text, text, timestamptz, timestamptz)';
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

REVOKE ALL ON chekt.device_outages, chekt.device_status, chekt.partition_periods, chekt.partition_status, chekt.site_daily_summary,
              chekt.quarantine_daily, chekt.delivery_gaps
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.device_downtime(text, timestamptz, timestamptz, text),
                           chekt.device_outages_between(text, timestamptz, timestamptz, text),
                           chekt.device_outages_of(text, text, timestamptz, timestamptz)
  FROM PUBLIC;

-- the analysts keep their surface, with what is new in it
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;
