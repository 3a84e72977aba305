-- chekt_events 0.15.0 -> 0.16.0: the months lose the indexes no question
-- reads since the alarms' questions read chekt.alarm_trail
--
-- Ingest over monthly partitions kept 77-78% of the unpartitioned 0.8.0's
-- rate against the PL/pgSQL pipeline (issue 13, contract 5 asks 90%), and
-- the trail's own index was most of what 0.13.0-0.15.0 added.  Three
-- indexes of each month served questions that have read the trail since
-- 0.13.0 (the lifecycle, a site's alarms) and 0.15.0 (the timeline): no
-- function or view of the extension reads them, and ingest paid an index
-- entry in each on every alarm.created and snapshot of an alarm:
--
-- - alarm_events' created_at_idx and created_site_idx (the alarms created,
--   by time and by site: now alarm_trail_site_idx and the lifecycle);
-- - snapshot_events' alarm_id_idx (an alarm's snapshots: now
--   alarm_trail_alarm_idx and the timeline).
--
-- relay_events' alarm_id_idx, as unread, stays: a library before 0.16.0
-- caps a relay's trigger (the trail's alarm) only through it, and a backend
-- still running one after the update would fail a whole batch on a long
-- trigger.  The families' keys stay: an event's identity in its month, and
-- the replica identity a logical replication of the months needs.
-- docs/decisions.md, "Indexes nothing reads (0.16.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.16.0'" to load this file. \quit

-- the months made from now on
CREATE OR REPLACE FUNCTION chekt_private.month_indexes()
RETURNS TABLE (parent regclass, suffix text, is_key boolean, definition text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.parent::regclass, t.suffix, t.is_key, t.definition
    FROM (VALUES
      ('chekt_private.events', 'pkey', true, '(app, event_id, created_at)'),
      ('chekt.alarm_events', 'pkey', true, '(alarm_id, app, event_id, created_at)'),
      ('chekt.device_events', 'pkey', true, '(device_id, app, event_id, created_at)'),
      ('chekt.device_events', 'device_time_idx', false, '(app, device_id, created_at)'),
      ('chekt.device_events', 'site_idx', false, '(app, site_id, device_id)'),
      ('chekt.snapshot_events', 'pkey', true, '(snapshot_id, app, event_id, created_at)'),
      ('chekt.verification_events', 'pkey', true, '(alarm_id, app, event_id, created_at)'),
      ('chekt.partition_events', 'pkey', true, '(partition_id, app, event_id, created_at)'),
      ('chekt.partition_events', 'partition_time_idx', false, '(app, partition_id, created_at)'),
      ('chekt.partition_events', 'site_idx', false, '(app, site_id, partition_id)'),
      ('chekt.relay_events', 'pkey', true, '(relay_id, app, event_id, created_at)'),
      ('chekt.relay_events', 'alarm_id_idx', false, '(alarm_id, app) WHERE alarm_id IS NOT NULL'))
      AS t (parent, suffix, is_key, definition)
$$;

-- the months made so far.  The two families ACCESS EXCLUSIVE (LOCK TABLE
-- takes their months too) until the update commits, moments: dropping an
-- index is.  One try of chekt_private.lock_briefly() takes them all or
-- lets go of all, so ingest and questions wait for no more than a try
-- while the update waits for a query holding a month; and ingest makes no
-- month meanwhile with the indexes of before.
SELECT chekt_private.lock_briefly(
  'chekt.alarm_events, chekt.snapshot_events', 'ACCESS EXCLUSIVE', 'to update chekt_events to 0.16.0',
  'A query reads chekt.alarm_events or chekt.snapshot_events, or ingest writes a long COPY; run ALTER EXTENSION chekt_events UPDATE again when it has ended.');
DO $$
DECLARE
  dropped record;
BEGIN
  -- by name, as chekt_private.index_month() made them (an index the owner
  -- dropped already is not missed)
  FOR dropped IN
    SELECT format('%I.%I', n.nspname, i.relname) AS name
      FROM pg_catalog.pg_inherits h
      JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
      JOIN pg_catalog.pg_index x ON x.indrelid = c.oid
      JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
     WHERE (h.inhparent = 'chekt.alarm_events'::regclass
            AND i.relname IN (c.relname || '_created_at_idx', c.relname || '_created_site_idx'))
        OR (h.inhparent = 'chekt.snapshot_events'::regclass AND i.relname = c.relname || '_alarm_id_idx')
     ORDER BY 1
  LOOP
    EXECUTE 'DROP INDEX ' || dropped.name;
  END LOOP;
END
$$;

-- A site's completeness report asks only the devices that can have a gap
-- of its days, found in the months from its first day on, unless the app
-- has device events without a site since then.  It listed every device the
-- site ever had from every month's index (25 index scans on the benchmark,
-- 0.4 ms of its 3.5, and a call per device that had long left).  The same
-- rows (docs/decisions.md, "A site's devices from its first day on
-- (0.16.0)").
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
  from_month timestamptz;
  sites_missing boolean;
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
  -- the first day's month (none before the first month timestamps have)
  from_month := CASE WHEN from_day < date '4714-12-01 BC' THEN '-infinity'
                     ELSE chekt.utc_midnight(date_trunc('month', from_day::timestamp)::date) END;

  -- app by app, so that each query reaches its indexes by app (every app:
  -- those with alarms, devices or partitions at the site)
  FOR one_app IN
    SELECT site_delivery_gaps.app WHERE site_delivery_gaps.app IS NOT NULL
    UNION
    (SELECT c.app FROM chekt.alarm_trail c
      WHERE site_delivery_gaps.app IS NULL AND c.event_type = 'alarm.created' AND c.site_id = site
     UNION SELECT e.app FROM chekt.device_events e WHERE site_delivery_gaps.app IS NULL AND e.site_id = site
     UNION SELECT e.app FROM chekt.partition_events e WHERE site_delivery_gaps.app IS NULL AND e.site_id = site)
    ORDER BY 1
  LOOP
    -- (from the first day's month on: any of its events passes, so the
    -- first one found answers; one of that month before the first day
    -- only makes the report ask every device the site has had)
    sites_missing := EXISTS (SELECT FROM chekt.device_events z
                              WHERE z.app = one_app AND z.site_id IS NULL AND z.created_at >= from_month);
    RETURN QUERY
    WITH gap AS (
      -- the view's alarm_acknowledgement_missing of a site, over the days
      SELECT c.site_id::text AS site_id, (c.created_at AT TIME ZONE 'UTC')::date AS day,
             'alarm_acknowledgement_missing'::text AS kind, c.alarm_id::text AS example
        FROM chekt.alarm_trail c
       WHERE c.event_type = 'alarm.created' AND c.site_id = site AND c.app = one_app
         AND c.created_at >= from_ts AND c.created_at < to_ts
         AND EXISTS (SELECT FROM chekt.alarm_trail f
                      WHERE f.alarm_id = c.alarm_id AND f.app = c.app AND f.event_type = 'alarm.resolved')
         AND NOT EXISTS (SELECT FROM chekt.alarm_trail f
                          WHERE f.alarm_id = c.alarm_id AND f.app = c.app
                            AND (f.event_type = 'alarm.acknowledged'
                                 OR (f.event_type = 'alarm.created' AND (f.created_at, f.event_id) < (c.created_at, c.event_id))))
      UNION ALL
      -- the site's devices' gaps over the days.  A gap of the days has an
      -- event of the device from their first on, at the site or at none
      -- (an online without its offline is one; an outage's start is at or
      -- before its first event, and its site the latest one of its events,
      -- which ends at its online), and the site is one of the device's
      -- events'.  So the devices asked are those with an event at the site
      -- from the first day on, found in those months; but when the app has
      -- events without a site from then on, every device the site has had
      -- (as before 0.16.0: asking which of them has one of those took
      -- longer than asking them all)
      SELECT site, g.day, g.kind, d.device_id::text
        FROM (SELECT e.device_id FROM chekt.device_events e
               WHERE NOT sites_missing AND e.app = one_app AND e.site_id = site AND e.created_at >= from_ts
              UNION
              SELECT e.device_id FROM chekt.device_events e
               WHERE sites_missing AND e.app = one_app AND e.site_id = site) AS d
       CROSS JOIN LATERAL chekt.device_gaps_of(one_app, d.device_id, from_day, to_day) AS g
       WHERE g.site_id = site
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
