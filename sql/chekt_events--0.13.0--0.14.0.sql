-- chekt_events 0.13.0 -> 0.14.0: the completeness report of a site over
-- some days reads those days, not the site's whole history
--
-- Over monthly partitions (issue 13, contract 4, two years in 24 months
-- against the same data unpartitioned), chekt.site_delivery_gaps() for one
-- site over 30 days took 2.9 times as long: the view it filtered worked out
-- every outage and every online of each of the site's devices since the
-- first event (the days are known only after), probing each of the 24
-- months per device, and looked up each of the site's alarms' resolution
-- and acknowledgement in every month of chekt.alarm_events.
--
-- - chekt.device_gaps_of() holds the device rules once, for a span of UTC
--   days: outages from chekt.device_outages_of() over the span, and onlines
--   after an online from the event just before the span.  The view calls it
--   over every day, site_delivery_gaps() over the days asked.
-- - chekt.partition_periods_of() gives the periods of one partition that
--   overlap a window, read from the last instant before it whose arms and
--   disarms did not balance (a new month index on app, partition_id and
--   created_at finds it); the view chekt.partition_periods keeps one pass
--   over every partition, and now counts each instant by a window.
-- - the alarm rules read chekt.alarm_firsts (0.13.0), which is not
--   partitioned: the earliest of an alarm's rows of a type is its first
--   event of that type.
-- - chekt.utc_midnight() bounds UTC days, so that days beyond the range of
--   timestamps stand for every day.
-- docs/decisions.md, "The completeness report over days (0.14.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.14.0'" to load this file. \quit

-- the instant a UTC day starts; -infinity and infinity for the days beyond
-- the range of timestamps (and for days a day's arithmetic there would take
-- out of it), so that any two days make a span (in schema chekt: the
-- PL/pgSQL functions that call it look it up as their caller, who may be an
-- analyst)
CREATE FUNCTION chekt.utc_midnight(day date)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN day <= date '4714-11-24 BC' THEN '-infinity'::timestamptz
            WHEN day >= date '294276-12-31' THEN 'infinity'::timestamptz
            ELSE day::timestamp AT TIME ZONE 'UTC' END;
COMMENT ON FUNCTION chekt.utc_midnight(date) IS
  'the instant a UTC day starts: -infinity up to 4714-11-24 BC, infinity from 294276-12-31 (the ends of the range of timestamps, where a microsecond or a day more would leave it); how the functions that take UTC days bound them';

-- the gaps one device's events show between two UTC days
CREATE FUNCTION chekt.device_gaps_of(app text, device text, from_day date, to_day date)
RETURNS TABLE (site_id text, day date, kind text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  -- (the span's instants written out, from the first day's midnight to the
  -- midnight after the last, rather than kept in a common table: so they
  -- are expressions of the parameters of the query that calls it, which
  -- prunes months by them before it starts)
  WITH gap AS (
    -- its outages ended by a later offline (on the day they started) or
    -- whose online disagrees with them (on the day of the online); an
    -- outage that ends on the span's first instant is in it
    SELECT k.site_id, k.day, k.kind
      FROM chekt.device_outages_of(device_gaps_of.app, device_gaps_of.device,
                                   chekt.utc_midnight(device_gaps_of.from_day) - interval '1 microsecond',
                                   chekt.utc_midnight(device_gaps_of.to_day) + interval '1 day') AS o
     CROSS JOIN LATERAL (VALUES (o.site_id, (o.offline_at AT TIME ZONE 'UTC')::date, 'outage_end_inferred'::text,
                                 o.ended_by = 'seen_again'),
                                (o.site_id, (o.online_at AT TIME ZONE 'UTC')::date, 'downtime_disagrees',
                                 NOT o.start_known)) AS k (site_id, day, kind, hit)
     WHERE k.hit
    UNION ALL
    -- its onlines that follow an online: the offline between never came
    SELECT x.site_id, (x.created_at AT TIME ZONE 'UTC')::date, 'device_offline_missing'
      FROM (-- the instant of its last events before the span, whose order
            -- decides whether the span's first online follows an online
            SELECT coalesce((SELECT max(e.created_at) FROM chekt.device_events e
                              WHERE e.app = device_gaps_of.app AND e.device_id = device_gaps_of.device
                                AND e.created_at < chekt.utc_midnight(device_gaps_of.from_day)),
                            '-infinity') AS at
            OFFSET 0) AS b
     CROSS JOIN LATERAL (
       SELECT e.created_at, e.event_type, e.site_id,
              lag(e.event_type) OVER w AS previous_type,
              lag(e.created_at) OVER w AS previous_at
         FROM chekt.device_events e
        WHERE e.app = device_gaps_of.app AND e.device_id = device_gaps_of.device
          AND e.created_at >= b.at AND e.created_at < chekt.utc_midnight(device_gaps_of.to_day) + interval '1 day'
       WINDOW w AS (ORDER BY e.created_at, e.event_type, e.last_seen_at DESC NULLS LAST,
                             e.downtime_seconds DESC NULLS LAST, e.event_id)) AS x
     WHERE x.event_type = 'device.online' AND x.previous_type = 'device.online'
       -- (two onlines at one instant are one notice repeated)
       AND x.previous_at < x.created_at
       AND x.created_at >= chekt.utc_midnight(device_gaps_of.from_day)
  )
  SELECT g.site_id::text, g.day, g.kind FROM gap g
   WHERE g.day BETWEEN device_gaps_of.from_day AND device_gaps_of.to_day;
END;
COMMENT ON FUNCTION chekt.device_gaps_of(text, text, date, date) IS
  'the completeness gaps one device of an app shows from from_day to to_day (UTC days, both included; ''-infinity'' and ''infinity'' for every day): a row per outage_end_inferred, downtime_disagrees and device_offline_missing of chekt.delivery_gaps, with the site its events give; reads only the months of those days and of the events just around them';
REVOKE ALL ON FUNCTION chekt.device_gaps_of(text, text, date, date) FROM PUBLIC;

-- the periods of the partitions in one pass over their events: each
-- instant's counts by window rather than by a join with a grouping of the
-- same rows, so that one partition's periods read its months once, not
-- twice; the rows are 0.6.0's
CREATE OR REPLACE VIEW chekt.partition_periods WITH (security_invoker = true) AS
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
          FROM (SELECT m.*,
                       -- its place at its instant: the opposite changes at
                       -- 0, 2, 4..., the others at 1, 3, 5...
                       2 * (row_number() OVER (PARTITION BY m.app, m.partition_id, m.created_at, m.event_type
                                               ORDER BY m.event_id) - 1)
                       + (m.event_type = CASE WHEN coalesce(m.before & 1, 1 - (m.from_here & 1), 0) = 1
                                              THEN 'partition.armed' ELSE 'partition.disarmed' END)::int AS place
                  -- the majority of the last unbalanced instant before, and
                  -- of the first from this one on
                  FROM (SELECT n.*,
                               max(n.majority) OVER (PARTITION BY n.app, n.partition_id ORDER BY n.created_at
                                                     RANGE BETWEEN UNBOUNDED PRECEDING AND interval '1 microsecond' PRECEDING) AS before,
                               min(n.majority) OVER (PARTITION BY n.app, n.partition_id ORDER BY n.created_at DESC
                                                     RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS from_here
                          -- the majority of its instant, where there is one,
                          -- as a number that grows with the instant
                          FROM (SELECT e.*,
                                       CASE WHEN count(*) FILTER (WHERE e.event_type = 'partition.armed') OVER i
                                                 <> count(*) FILTER (WHERE e.event_type = 'partition.disarmed') OVER i
                                            THEN (extract(epoch FROM e.created_at) * 1000000)::bigint * 2
                                                 + (count(*) FILTER (WHERE e.event_type = 'partition.armed') OVER i
                                                    > count(*) FILTER (WHERE e.event_type = 'partition.disarmed') OVER i)::int
                                       END AS majority
                                  FROM chekt.partition_events e
                                WINDOW i AS (PARTITION BY e.app, e.partition_id, e.created_at)) AS n) AS m) AS o
        WINDOW w AS (PARTITION BY o.app, o.partition_id ORDER BY o.created_at, o.place, o.event_id)) AS p;

-- each partition of each app in time order, so that the periods around a
-- window start from the last instant before it
CREATE OR REPLACE FUNCTION chekt_private.month_indexes()
RETURNS TABLE (parent regclass, suffix text, is_key boolean, definition text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.parent::regclass, t.suffix, t.is_key, t.definition
    FROM (VALUES
      ('chekt_private.events', 'pkey', true, '(app, event_id, created_at)'),
      ('chekt.alarm_events', 'pkey', true, '(alarm_id, app, event_id, created_at)'),
      ('chekt.alarm_events', 'created_at_idx', false,
       '(created_at) WHERE event_type = ''alarm.created'''),
      ('chekt.alarm_events', 'created_site_idx', false,
       '(site_id, ((created_at AT TIME ZONE ''UTC'')::date), created_at) WHERE event_type = ''alarm.created'''),
      ('chekt.device_events', 'pkey', true, '(device_id, app, event_id, created_at)'),
      ('chekt.device_events', 'device_time_idx', false, '(app, device_id, created_at)'),
      ('chekt.device_events', 'site_idx', false, '(app, site_id, device_id)'),
      ('chekt.snapshot_events', 'pkey', true, '(snapshot_id, app, event_id, created_at)'),
      ('chekt.snapshot_events', 'alarm_id_idx', false, '(alarm_id, app) WHERE alarm_id IS NOT NULL'),
      ('chekt.verification_events', 'pkey', true, '(alarm_id, app, event_id, created_at)'),
      ('chekt.partition_events', 'pkey', true, '(partition_id, app, event_id, created_at)'),
      ('chekt.partition_events', 'partition_time_idx', false, '(app, partition_id, created_at)'),
      ('chekt.partition_events', 'site_idx', false, '(app, site_id, partition_id)'),
      ('chekt.relay_events', 'pkey', true, '(relay_id, app, event_id, created_at)'),
      ('chekt.relay_events', 'alarm_id_idx', false, '(alarm_id, app) WHERE alarm_id IS NOT NULL'))
      AS t (parent, suffix, is_key, definition)
$$;

-- the months already made get it (each a SHARE lock of a small table: a
-- partition event waits for its month's index)
DO $$
DECLARE
  leaf record;
BEGIN
  FOR leaf IN SELECT c.oid::regclass AS relid, c.relname FROM pg_catalog.pg_inherits i
                JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'chekt.partition_events'::regclass
               ORDER BY c.relname LOOP
    EXECUTE format('CREATE INDEX %I ON %s USING btree (app, partition_id, created_at)',
                   leaf.relname || '_partition_time_idx', leaf.relid);
  END LOOP;
END
$$;

-- the periods of one partition of an app that overlap a window, reading
-- only the events from the last instant before it whose changes did not
-- balance (where the order of the instants after it starts from) to the
-- first instant after it (or, without such an instant before it, to the
-- first unbalanced one after it)
CREATE FUNCTION chekt.partition_periods_of(app text, partition text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (app text, partition_id text, site_id text, state text, mode text, initiated_by text,
               operator_id text, started_at timestamptz, ended_at timestamptz, ongoing boolean,
               end_known boolean, duration_s double precision, started_by_event_id text)
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  SELECT p.app, p.partition_id, p.site_id,
         CASE p.event_type WHEN 'partition.armed' THEN 'armed' ELSE 'disarmed' END,
         p.mode, p.initiated_by, p.operator_id, p.created_at, p.next_at,
         p.next_type IS NULL, p.next_type <> p.event_type,
         extract(epoch FROM coalesce(p.next_at, now()) - p.created_at)::double precision,
         p.event_id
    FROM (SELECT o.*,
                 lead(o.created_at) OVER w AS next_at,
                 lead(o.event_type) OVER w AS next_type
            FROM (SELECT m.*,
                         -- as chekt.partition_periods: the opposite changes
                         -- at 0, 2, 4..., the others at 1, 3, 5...
                         2 * (row_number() OVER (PARTITION BY m.created_at, m.event_type ORDER BY m.event_id) - 1)
                         + (m.event_type = CASE WHEN coalesce(m.before & 1, 1 - (m.from_here & 1), 0) = 1
                                                THEN 'partition.armed' ELSE 'partition.disarmed' END)::int AS place
                    FROM (SELECT n.*,
                                 max(n.majority) OVER (ORDER BY n.created_at
                                                       RANGE BETWEEN UNBOUNDED PRECEDING AND interval '1 microsecond' PRECEDING) AS before,
                                 min(n.majority) OVER (ORDER BY n.created_at DESC
                                                       RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS from_here
                            FROM (SELECT e.*,
                                         CASE WHEN count(*) FILTER (WHERE e.event_type = 'partition.armed') OVER i
                                                   <> count(*) FILTER (WHERE e.event_type = 'partition.disarmed') OVER i
                                              THEN (extract(epoch FROM e.created_at) * 1000000)::bigint * 2
                                                   + (count(*) FILTER (WHERE e.event_type = 'partition.armed') OVER i
                                                      > count(*) FILTER (WHERE e.event_type = 'partition.disarmed') OVER i)::int
                                         END AS majority
                                    FROM (SELECT l.lower,
                                                 -- without an unbalanced instant before the
                                                 -- window, the state before a balanced instant
                                                 -- is the opposite of the majority of the first
                                                 -- unbalanced one after it: read up to that one
                                                 CASE WHEN l.lower = '-infinity'
                                                      THEN greatest(l.upper, coalesce(
                                                             (SELECT u.created_at FROM chekt.partition_events u
                                                               WHERE u.app = partition_periods_of.app
                                                                 AND u.partition_id = partition_periods_of.partition
                                                                 AND (SELECT count(*) FILTER (WHERE v.event_type = 'partition.armed')
                                                                             <> count(*) FILTER (WHERE v.event_type = 'partition.disarmed')
                                                                        FROM chekt.partition_events v
                                                                       WHERE v.app = u.app AND v.partition_id = u.partition_id
                                                                         AND v.created_at = u.created_at)
                                                               ORDER BY u.created_at LIMIT 1),
                                                             l.upper))
                                                      ELSE l.upper END AS upper
                                            FROM (SELECT coalesce(
                                                           -- the last unbalanced instant at or before
                                                           -- the window: its last change is of its
                                                           -- majority, whatever came before it
                                                           (SELECT u.created_at FROM chekt.partition_events u
                                                             WHERE u.app = partition_periods_of.app
                                                               AND u.partition_id = partition_periods_of.partition
                                                               AND u.created_at <= partition_periods_of.from_ts
                                                               AND (SELECT count(*) FILTER (WHERE v.event_type = 'partition.armed')
                                                                           <> count(*) FILTER (WHERE v.event_type = 'partition.disarmed')
                                                                      FROM chekt.partition_events v
                                                                     WHERE v.app = u.app AND v.partition_id = u.partition_id
                                                                       AND v.created_at = u.created_at)
                                                             ORDER BY u.created_at DESC LIMIT 1),
                                                           '-infinity') AS lower,
                                                         coalesce(
                                                           -- the first instant after it, which ends
                                                           -- its last period
                                                           (SELECT min(u.created_at) FROM chekt.partition_events u
                                                             WHERE u.app = partition_periods_of.app
                                                               AND u.partition_id = partition_periods_of.partition
                                                               AND u.created_at >= partition_periods_of.to_ts),
                                                           'infinity') AS upper
                                                  OFFSET 0) AS l
                                          OFFSET 0) AS b
                                   CROSS JOIN LATERAL (
                                     -- (OFFSET 0: a scan of the months between
                                     -- the bounds, not a join filter after
                                     -- every month)
                                     SELECT x.* FROM chekt.partition_events x
                                      WHERE x.app = partition_periods_of.app
                                        AND x.partition_id = partition_periods_of.partition
                                        AND x.created_at >= b.lower AND x.created_at <= b.upper
                                     OFFSET 0) AS e
                                  WINDOW i AS (PARTITION BY e.created_at)) AS n) AS m) AS o
          WINDOW w AS (ORDER BY o.created_at, o.place, o.event_id)) AS p
   WHERE p.created_at < partition_periods_of.to_ts
     AND (p.next_at IS NULL OR p.next_at > partition_periods_of.from_ts);
END;
COMMENT ON FUNCTION chekt.partition_periods_of(text, text, timestamptz, timestamptz) IS
  'the rows of chekt.partition_periods of one partition of one app that overlap the window (started before to_ts, and ended after from_ts or ongoing), by the same rules, reading only the months from the last instant at or before from_ts whose arms and disarms did not balance to the first instant at or after to_ts (without such an instant before, from the first event to the first unbalanced instant, if that comes later)';
REVOKE ALL ON FUNCTION chekt.partition_periods_of(text, text, timestamptz, timestamptz) FROM PUBLIC;

-- the view: the alarm rules over chekt.alarm_firsts, the device rules from
-- chekt.device_gaps_of(); the rows are those of 0.6.0's
CREATE OR REPLACE VIEW chekt.delivery_gaps WITH (security_invoker = true) AS
WITH alarm_gap AS (
  -- alarms whose alarm.created never came: no site is known
  SELECT a.app, NULL::text AS site_id,
         (a.first_at AT TIME ZONE 'UTC')::date AS day,
         'alarm_created_missing'::text AS kind, a.alarm_id::text AS example
    FROM (SELECT f.app, f.alarm_id, min(f.created_at) AS first_at
            FROM chekt.alarm_firsts f
           WHERE f.event_type LIKE 'alarm.%'
           GROUP BY f.app, f.alarm_id
          HAVING NOT bool_or(f.event_type = 'alarm.created')) AS a
  UNION ALL
  -- alarms resolved, never acknowledged, at the site and on the day of
  -- their first alarm.created (as alarm_lifecycle has them)...
  SELECT c.app, c.site_id::text, (c.created_at AT TIME ZONE 'UTC')::date,
         'alarm_acknowledgement_missing', c.alarm_id::text
    FROM chekt.alarm_firsts c
   WHERE c.event_type = 'alarm.created'
     AND EXISTS (SELECT FROM chekt.alarm_firsts f
                  WHERE f.alarm_id = c.alarm_id AND f.app = c.app AND f.event_type = 'alarm.resolved')
     AND NOT EXISTS (SELECT FROM chekt.alarm_firsts f
                      WHERE f.alarm_id = c.alarm_id AND f.app = c.app
                        AND (f.event_type = 'alarm.acknowledged'
                             OR (f.event_type = 'alarm.created' AND (f.created_at, f.event_id) < (c.created_at, c.event_id))))
  UNION ALL
  -- ...or, when that never came either, on the day of their resolution
  SELECT a.app, NULL, (a.resolved_at AT TIME ZONE 'UTC')::date,
         'alarm_acknowledgement_missing', a.alarm_id::text
    FROM (SELECT f.app, f.alarm_id, min(f.created_at) FILTER (WHERE f.event_type = 'alarm.resolved') AS resolved_at
            FROM chekt.alarm_firsts f
           WHERE f.event_type LIKE 'alarm.%'
           GROUP BY f.app, f.alarm_id
          HAVING NOT bool_or(f.event_type IN ('alarm.created', 'alarm.acknowledged'))) AS a
   WHERE a.resolved_at IS NOT NULL
), device_gap AS (
  -- per device and site: its gaps (once, under the site they give)
  SELECT d.app, d.site_id::text AS site_id, g.day, g.kind, d.device_id::text AS example
    FROM (SELECT DISTINCT e.app, e.site_id, e.device_id FROM chekt.device_events e) AS d
   CROSS JOIN LATERAL chekt.device_gaps_of(d.app, d.device_id, '-infinity', 'infinity') AS g
   WHERE g.site_id IS NOT DISTINCT FROM d.site_id
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

-- one site's report over some days: the view's rules, each asked only of
-- those days (the view cannot hand its filter to the function it calls per
-- device)
CREATE OR REPLACE FUNCTION chekt.site_delivery_gaps(site text, from_day date, to_day date, app text DEFAULT NULL)
RETURNS SETOF chekt.delivery_gap
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  from_ts timestamptz;
  to_ts timestamptz;
  one_app text;
BEGIN
  IF site IS NULL THEN
    RAISE EXCEPTION 'the site must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a site_id; for every site, and for the gaps that carry no site, query the view chekt.delivery_gaps.';
  END IF;
  IF from_day IS NULL OR to_day IS NULL THEN
    RAISE EXCEPTION 'the days must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            DETAIL = format('from_day is %s, to_day is %s.', coalesce(from_day::text, 'NULL'), coalesce(to_day::text, 'NULL')),
            HINT = 'Pass UTC days, both included, for example (now() AT TIME ZONE ''UTC'')::date - 30 and (now() AT TIME ZONE ''UTC'')::date; ''-infinity'' and ''infinity'' for every day.';
  END IF;
  IF from_day > to_day THEN
    RAISE EXCEPTION 'the days must run from a day to the same or a later day'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_day is %s, to_day is %s.', from_day, to_day),
            HINT = 'Pass the earlier day first.';
  END IF;
  from_ts := chekt.utc_midnight(from_day);
  to_ts := chekt.utc_midnight(to_day) + interval '1 day';

  -- app by app, so that each query reaches its indexes by app (every app:
  -- those with alarms, devices or partitions at the site)
  FOR one_app IN
    SELECT site_delivery_gaps.app WHERE site_delivery_gaps.app IS NOT NULL
    UNION
    (SELECT c.app FROM chekt.alarm_firsts c
      WHERE site_delivery_gaps.app IS NULL AND c.event_type = 'alarm.created' AND c.site_id = site
     UNION SELECT e.app FROM chekt.device_events e WHERE site_delivery_gaps.app IS NULL AND e.site_id = site
     UNION SELECT e.app FROM chekt.partition_events e WHERE site_delivery_gaps.app IS NULL AND e.site_id = site)
    ORDER BY 1
  LOOP
    RETURN QUERY
    WITH gap AS (
      -- the view's alarm_acknowledgement_missing of a site, over the days
      SELECT c.site_id::text AS site_id, (c.created_at AT TIME ZONE 'UTC')::date AS day,
             'alarm_acknowledgement_missing'::text AS kind, c.alarm_id::text AS example
        FROM chekt.alarm_firsts c
       WHERE c.event_type = 'alarm.created' AND c.site_id = site AND c.app = one_app
         AND c.created_at >= from_ts AND c.created_at < to_ts
         AND EXISTS (SELECT FROM chekt.alarm_firsts f
                      WHERE f.alarm_id = c.alarm_id AND f.app = c.app AND f.event_type = 'alarm.resolved')
         AND NOT EXISTS (SELECT FROM chekt.alarm_firsts f
                          WHERE f.alarm_id = c.alarm_id AND f.app = c.app
                            AND (f.event_type = 'alarm.acknowledged'
                                 OR (f.event_type = 'alarm.created' AND (f.created_at, f.event_id) < (c.created_at, c.event_id))))
      UNION ALL
      -- the site's devices' gaps over the days
      SELECT d.site_id::text, g.day, g.kind, d.device_id::text
        FROM (SELECT DISTINCT e.site_id, e.device_id FROM chekt.device_events e
               WHERE e.app = one_app AND e.site_id = site) AS d
       CROSS JOIN LATERAL chekt.device_gaps_of(one_app, d.device_id, from_day, to_day) AS g
       WHERE g.site_id = d.site_id
      UNION ALL
      -- the site's partitions' arms or disarms in a row ending in the
      -- days (a period that ends on their first instant is in them)
      SELECT p.site_id::text, (g.ended_at AT TIME ZONE 'UTC')::date,
             CASE g.state WHEN 'armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END,
             p.partition_id::text
        FROM (SELECT DISTINCT e.site_id, e.partition_id FROM chekt.partition_events e
               WHERE e.app = one_app AND e.site_id = site) AS p
       CROSS JOIN LATERAL chekt.partition_periods_of(one_app, p.partition_id, from_ts - interval '1 microsecond', to_ts) AS g
       WHERE NOT g.end_known AND g.site_id = p.site_id
         AND g.ended_at >= from_ts AND g.ended_at < to_ts
    )
    SELECT one_app, g.site_id, g.day, g.kind, NULL::text, count(*), min(g.example)
      FROM gap g
     GROUP BY g.site_id, g.day, g.kind
     ORDER BY g.day, g.kind;
  END LOOP;
END
$$;

-- the analytic surface, with chekt.device_gaps_of() and
-- chekt.partition_periods_of()
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

-- the alarm rules no longer read chekt.alarm_events: policies of the
-- owner's own there no longer narrow the report, and an empty
-- chekt.alarm_firsts beside alarms (a dump of 0.12.0 or older restored
-- into 0.13.0 without chekt.rebuild_listings()) would hide their gaps
DO $$
DECLARE
  own text;
BEGIN
  IF NOT EXISTS (SELECT FROM chekt.alarm_firsts) AND EXISTS (SELECT FROM chekt.alarm_events) THEN
    RAISE NOTICE 'chekt.alarm_firsts is empty beside alarms: making it again from the events'
      USING DETAIL = 'chekt.delivery_gaps and chekt.site_delivery_gaps() now read the alarms from it.';
    PERFORM chekt.rebuild_listings();
  END IF;
  SELECT string_agg(format('%s on %s', p.polname, p.polrelid::regclass), ', ' ORDER BY p.polname) INTO own
    FROM pg_catalog.pg_policy p
   WHERE p.polrelid = 'chekt.alarm_events'::regclass AND p.polname <> 'analyst_apps';
  IF own IS NOT NULL THEN
    RAISE WARNING 'chekt.delivery_gaps and chekt.site_delivery_gaps() now read the alarms from chekt.alarm_firsts, which your policies % do not cover', own
      USING HINT = 'Make each again ON chekt.alarm_firsts (it has alarm_id, app, event_type, created_at and site_id) to keep narrowing what the report shows.';
  END IF;
END
$$;

-- the analysts keep their surface, with what is new in it
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt_private.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;

-- last: those grants are ordinary ones, which pg_dump keeps
SELECT chekt_private.keep_update_grants();
