-- chekt_events 0.16.0 -> 0.17.0: one device's downtime reads only the
-- months around its window
--
-- At the contract's size (issue 13, contract 4: 9.6M deliveries over 24
-- months), one device's downtime over 30 days took 0.478 ms against
-- 0.308 ms unpartitioned (1.55x; the bound is 1.2x).  Its last online
-- before the window was asked of every month before it in one statement,
-- and its outages from there of every month too: the statements could not
-- know which months they would read until they ran, so each set up a scan
-- of every month (most of the time, not the reading).  chekt.device_downtime()
-- now looks for those onlines month by month among the months
-- chekt.device_months lists for the device, nearest first, and asks the
-- outages between them of chekt.device_outages_within(), the body of
-- chekt.device_outages_of() with those onlines given: each statement names
-- its months.  The same rows (docs/decisions.md, "One device's months
-- (0.17.0)").  device_outages_of() answers as before, through the same
-- body, for every other question.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.17.0'" to load this file. \quit

-- the outages made of a device's events between two of its onlines
CREATE FUNCTION chekt.device_outages_within(app text, device text, from_ts timestamptz, to_ts timestamptz,
                                            lower_ts timestamptz, upper_ts timestamptz)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  WITH numbered_runs AS (
    -- the events from lower_ts to upper_ts (all that outages overlapping
    -- the window are made of), each numbered by the onlines before it (its
    -- run), with the latest of those
    SELECT e.site_id, e.event_type, e.event_id, e.created_at, e.downtime_seconds, e.last_seen_at,
           coalesce(count(*) FILTER (WHERE e.event_type = 'device.online') OVER w, 0) AS run,
           max(e.created_at) FILTER (WHERE e.event_type = 'device.online') OVER w AS run_started_at
      FROM (SELECT * FROM chekt.device_events x
             WHERE x.app = device_outages_within.app AND x.device_id = device
               AND x.created_at BETWEEN coalesce(lower_ts, '-infinity') AND coalesce(upper_ts, 'infinity')
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
  SELECT device_outages_within.app,
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
COMMENT ON FUNCTION chekt.device_outages_within(text, text, timestamptz, timestamptz, timestamptz, timestamptz) IS
  'the outages of one device of one app that overlap the window from_ts to to_ts, made of its events from lower_ts to upper_ts, which must be its last device.online at or before from_ts and its first at or after to_ts (NULL, or -infinity and infinity, if none): chekt.device_outages_of() finds them, chekt.device_downtime() month by month';
REVOKE ALL ON FUNCTION chekt.device_outages_within(text, text, timestamptz, timestamptz, timestamptz, timestamptz) FROM PUBLIC;

-- its onlines found as before, the rest its body
CREATE OR REPLACE FUNCTION chekt.device_outages_of(app text, device text, from_ts timestamptz, to_ts timestamptz)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  WITH bounds AS (
    -- the device's last online at or before the window (which ends every
    -- earlier outage) and its first online at or after it (which ends any
    -- outage the window leaves open); OFFSET 0 keeps them values, which row
    -- level security lets reach the index device_outages_within() reads (a
    -- subquery in a qual is not leakproof, and would stay a filter)
    SELECT coalesce((SELECT max(x.created_at) FROM chekt.device_events x
                      WHERE x.app = device_outages_of.app AND x.device_id = device
                        AND x.event_type = 'device.online'
                        AND x.created_at <= from_ts), '-infinity') AS lower,
           coalesce((SELECT min(x.created_at) FROM chekt.device_events x
                      WHERE x.app = device_outages_of.app AND x.device_id = device
                        AND x.event_type = 'device.online'
                        AND x.created_at >= to_ts), 'infinity') AS upper
    OFFSET 0
  )
  SELECT o.*
    FROM bounds b
   CROSS JOIN LATERAL chekt.device_outages_within(device_outages_of.app, device, from_ts, to_ts, b.lower, b.upper) AS o;
END;
COMMENT ON FUNCTION chekt.device_outages_of(text, text, timestamptz, timestamptz) IS
  'the outages of one device of one app that overlap the window, computed from the events around it: an outage ends at the next device.online or, when that never arrived, at the first later device.offline whose last_seen_at proves the device was alive (ended_by seen_again); what device_outages_between(), device_outages, device_downtime() and delivery_gaps are made of, through device_outages_within() (0.17.0)';

CREATE OR REPLACE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz,
                                                 app text DEFAULT NULL)
RETURNS SETOF chekt.device_downtime_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
-- its statements planned once per session: the window and the months
-- named prune at execution
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  one_app text;
  lower_month date;
  upper_month date;
  lower_ts timestamptz;
  upper_ts timestamptz;
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device, and NULL as app for every app.';
  END IF;

  IF device IS NOT NULL THEN
    -- app by app, its last online at or before the window and its first at
    -- or after it, looked for month by month among the months
    -- chekt.device_months lists for it, nearest first (usually found in the
    -- first): each statement then reads the month it names and no other,
    -- where one over every month before the window set up a scan of each
    FOR one_app, lower_month, upper_month IN
        SELECT m.app, max(m.month) FILTER (WHERE m.month <= (from_ts AT TIME ZONE 'UTC')::date),
               min(m.month) FILTER (WHERE m.month + interval '1 month' > to_ts AT TIME ZONE 'UTC')
          FROM chekt.device_months m
         WHERE m.device_id = device AND (device_downtime.app IS NULL OR m.app = device_downtime.app)
         GROUP BY m.app ORDER BY m.app LOOP
      lower_ts := NULL;
      WHILE lower_month IS NOT NULL LOOP
        SELECT max(x.created_at) INTO lower_ts FROM chekt.device_events x
         WHERE x.app = one_app AND x.device_id = device AND x.event_type = 'device.online'
           AND x.created_at >= lower_month::timestamp AT TIME ZONE 'UTC'
           AND x.created_at < (lower_month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
           AND x.created_at <= from_ts;
        EXIT WHEN lower_ts IS NOT NULL;
        lower_month := (SELECT max(m.month) FROM chekt.device_months m
                         WHERE m.app = one_app AND m.device_id = device AND m.month < lower_month);
      END LOOP;
      upper_ts := NULL;
      WHILE upper_month IS NOT NULL LOOP
        SELECT min(x.created_at) INTO upper_ts FROM chekt.device_events x
         WHERE x.app = one_app AND x.device_id = device AND x.event_type = 'device.online'
           AND x.created_at >= upper_month::timestamp AT TIME ZONE 'UTC'
           AND x.created_at < (upper_month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
           AND x.created_at >= to_ts;
        EXIT WHEN upper_ts IS NOT NULL;
        upper_month := (SELECT min(m.month) FROM chekt.device_months m
                         WHERE m.app = one_app AND m.device_id = device AND m.month > upper_month);
      END LOOP;
      -- its outages, which read only the months from the one to the other
      RETURN QUERY
      SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
             greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                       - greatest(o.offline_at, from_ts)), 0)::double precision,
             o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
        FROM chekt.device_outages_within(one_app, device, from_ts, to_ts, lower_ts, upper_ts) AS o
       ORDER BY o.offline_at;
    END LOOP;
    RETURN;
  END IF;

  RETURN QUERY
  SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
         greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                   - greatest(o.offline_at, from_ts)), 0)::double precision,
         o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
    FROM chekt.device_outages_between(NULL, from_ts, to_ts, device_downtime.app) AS o
   ORDER BY o.app, o.device_id, o.offline_at;
END
$$;

-- the analysts' surface, with chekt.device_outages_within()
CREATE OR REPLACE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  functions text := 'chekt.alarm_timeline(text, text),
                     chekt.device_downtime(text, timestamptz, timestamptz, text),
                     chekt.device_gaps_of(text, text, date, date),
                     chekt.device_outages_between(text, timestamptz, timestamptz, text),
                     chekt.device_outages_of(text, text, timestamptz, timestamptz),
                     chekt.device_outages_within(text, text, timestamptz, timestamptz, timestamptz, timestamptz),
                     chekt.partition_periods_of(text, text, timestamptz, timestamptz),
                     chekt.site_delivery_gaps(text, date, date, text)';
BEGIN
  IF give THEN
    EXECUTE format('GRANT USAGE ON SCHEMA chekt TO %s', analyst);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA chekt TO %s', analyst);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', functions, analyst);
  ELSE
    EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA chekt FROM %s', analyst);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', functions, analyst);
    EXECUTE format('REVOKE USAGE ON SCHEMA chekt FROM %s', analyst);
  END IF;
END
$$;

-- the analysts keep their surface, with what is new in it
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt_private.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;

-- last: those grants are ordinary ones, which pg_dump keeps
SELECT chekt_private.keep_update_grants();
