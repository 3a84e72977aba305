-- chekt_events 0.14.0 -> 0.15.0: every event linked to an alarm kept beside
-- the months, so that an alarm's timeline reads one table
--
-- Over monthly partitions (issue 13, contract 4, two years in 24 months
-- against the same data unpartitioned), chekt.alarm_timeline() took 1.4 to
-- 1.7 times as long: bounded by the months chekt.alarm_firsts listed, its
-- plan, kept for any alarm, still held every month of four families, and
-- each call locked them all (about a hundred relations).
--
-- - chekt.alarm_firsts becomes chekt.alarm_trail: every event linked to an
--   alarm (alarm.*, snapshots, verification requests, relays), with what
--   the timeline shows of each.  On the benchmark every such event was
--   already there as the first of its type in its month; the table gains
--   the columns the timeline shows and loses its lookup: ingest writes the
--   batch's new events, one row each.
-- - chekt.alarm_timeline() reads the trail alone; chekt.alarm_lifecycle,
--   chekt.delivery_gaps and chekt.site_delivery_gaps() take the earliest
--   row of each type, as they did.
-- docs/decisions.md, "An alarm's trail (0.15.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.15.0'" to load this file. \quit

-- in ingest's order, as rebuild_listings() below takes them again: the
-- families linked to alarms, then the table it writes after them (renamed
-- at once, it would hold ingest's next batch waiting on it while waiting
-- itself for that batch's families)
SELECT chekt_private.lock_briefly(
  'chekt.device_events, chekt.alarm_events, chekt.snapshot_events, chekt.verification_events, chekt.relay_events',
  'SHARE', 'to update chekt_events to 0.15.0',
  'Ingest holds them while it writes a batch, a COPY for as long as it runs; run ALTER EXTENSION chekt_events UPDATE again when it is quieter.');
SELECT chekt_private.lock_briefly(
  'chekt.device_months, chekt.alarm_firsts', 'ACCESS EXCLUSIVE', 'to update chekt_events to 0.15.0',
  'A query reads chekt.alarm_lifecycle, chekt.delivery_gaps or chekt.alarm_firsts; run ALTER EXTENSION chekt_events UPDATE again when it has ended.');

-- the same rows, made again below with every event; its policy, grants,
-- dump registration and the owner's own indexes and policies go with it
ALTER TABLE chekt.alarm_firsts RENAME TO alarm_trail;
ALTER INDEX chekt.alarm_firsts_alarm_idx RENAME TO alarm_trail_alarm_idx;
ALTER INDEX chekt.alarm_firsts_site_idx RENAME TO alarm_trail_site_idx;
ALTER INDEX chekt.alarm_firsts_created_at_idx RENAME TO alarm_trail_created_at_idx;
-- what the timeline shows of the events that are not alarm.created
ALTER TABLE chekt.alarm_trail
  ADD COLUMN reason text,
  ADD COLUMN responder_id text COLLATE "C",
  ADD COLUMN tracking_url text,
  ADD COLUMN notes text,
  ADD COLUMN url text,
  ADD COLUMN relay_id text COLLATE "C",
  ADD COLUMN duration_seconds integer,
  ADD COLUMN requested_by text,
  ADD COLUMN deadline_seconds integer;
COMMENT ON TABLE chekt.alarm_trail IS
  'every event linked to an alarm (alarm.*, snapshots, verification requests, relays), with what chekt.alarm_timeline() and chekt.alarm_lifecycle show of it, kept by ingest beside the monthly partitions so that a question about one alarm reads no month; the earliest row of a type is the alarm''s first event of that type';
COMMENT ON COLUMN chekt.alarm_trail.created_at IS 'when CHeKT created the event';
COMMENT ON COLUMN chekt.alarm_trail.alarm_id IS 'the alarm (a relay''s is named by its trigger)';
COMMENT ON COLUMN chekt.alarm_trail.event_id IS 'the event''s id (its row in its family''s table; the lower id is first at one instant)';
COMMENT ON COLUMN chekt.alarm_trail.site_id IS 'site of the alarm (alarm.created)';
COMMENT ON COLUMN chekt.alarm_trail.device_id IS 'device that triggered the alarm (alarm.created), took the snapshot or has the relay';
COMMENT ON COLUMN chekt.alarm_trail.trigger IS 'what triggered the alarm, e.g. motion (alarm.created); what triggered the relay (relay.activated)';
COMMENT ON COLUMN chekt.alarm_trail.operator_id IS 'the operator who acknowledged the alarm (alarm.acknowledged)';
COMMENT ON COLUMN chekt.alarm_trail.responder_type IS 'kind of responder dispatched, e.g. guard (alarm.dispatched)';
COMMENT ON COLUMN chekt.alarm_trail.eta_seconds IS 'estimated time of arrival of the responder, in seconds (alarm.dispatched)';
COMMENT ON COLUMN chekt.alarm_trail.resolution IS 'outcome of the alarm: handled, false-positive, escalated, or a value CHeKT adds later (alarm.resolved)';
COMMENT ON COLUMN chekt.alarm_trail.reason IS 'why the alarm was acknowledged (alarm.acknowledged)';
COMMENT ON COLUMN chekt.alarm_trail.responder_id IS 'the responder dispatched (alarm.dispatched)';
COMMENT ON COLUMN chekt.alarm_trail.tracking_url IS 'where to follow the responder (alarm.dispatched)';
COMMENT ON COLUMN chekt.alarm_trail.notes IS 'the operator''s notes on the resolution (alarm.resolved)';
COMMENT ON COLUMN chekt.alarm_trail.url IS 'where the snapshot is (snapshot.created)';
COMMENT ON COLUMN chekt.alarm_trail.relay_id IS 'the relay activated (relay.activated)';
COMMENT ON COLUMN chekt.alarm_trail.duration_seconds IS 'how long the relay was on, in seconds (relay.activated)';
COMMENT ON COLUMN chekt.alarm_trail.requested_by IS 'who asked for the verification (verification.requested)';
COMMENT ON COLUMN chekt.alarm_trail.deadline_seconds IS 'time given to verify, in seconds (verification.requested)';
-- as the family tables' (0.5.0), which these two listings' lacked
COMMENT ON POLICY analyst_apps ON chekt.alarm_trail IS
  'a role reads the rows of the apps chekt.grant_analyst() gave it (chekt.visible_apps()); the owner and superusers are not subject to it';
COMMENT ON POLICY analyst_apps ON chekt.device_months IS
  'a role reads the rows of the apps chekt.grant_analyst() gave it (chekt.visible_apps()); the owner and superusers are not subject to it';

-- as in 0.13.0, with every event linked to an alarm in chekt.alarm_trail
CREATE OR REPLACE FUNCTION chekt.rebuild_listings()
RETURNS TABLE (listing regclass, listed bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  -- no event is stored meanwhile unseen by the rows made below: writers are
  -- kept out by the lock, and those that committed while it was awaited
  -- are seen only by a statement snapshot taken after it
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'chekt.rebuild_listings() must run at READ COMMITTED'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The transaction is %s: the listings, made from the event tables, would miss the events ingest commits while they wait for their lock.', upper(current_setting('transaction_isolation'))),
            HINT = 'Call it in its own transaction at READ COMMITTED (SET default_transaction_isolation = ''read committed'' first if your role sets another); ALTER EXTENSION chekt_events UPDATE calls it too.';
  END IF;
  PERFORM chekt_private.lock_briefly(
    'chekt.device_events, chekt.alarm_events, chekt.snapshot_events, chekt.verification_events, chekt.relay_events',
    'SHARE', 'to rebuild the listings',
    'Ingest holds them while it writes a batch, a COPY for as long as it runs; try again when it is quieter.');
  -- emptied rather than deleted from, so that the table and its indexes
  -- are made anew instead of doubled: readers wait meanwhile
  PERFORM chekt_private.lock_briefly(
    'chekt.device_months, chekt.alarm_trail', 'ACCESS EXCLUSIVE', 'to rebuild the listings',
    'A query reads chekt.alarm_lifecycle, chekt.alarm_timeline(), chekt.alarm_trail or chekt.device_months; try again when it has ended.');

  TRUNCATE chekt.device_months;
  INSERT INTO chekt.device_months (device_id, app, month)
  SELECT DISTINCT e.device_id, e.app, date_trunc('month', e.created_at AT TIME ZONE 'UTC')::date
    FROM chekt.device_events e;
  GET DIAGNOSTICS n = ROW_COUNT;
  listing := 'chekt.device_months';
  listed := n;
  RETURN NEXT;

  -- in the order of time, as ingest writes them: a month's rows then lie
  -- together, for the block range index and the drop of a month
  TRUNCATE chekt.alarm_trail;
  INSERT INTO chekt.alarm_trail (alarm_id, app, event_type, created_at, event_id, site_id, device_id,
                                 priority, trigger, location, operator_id, responder_type, eta_seconds,
                                 resolution, reason, responder_id, tracking_url, notes, url, relay_id,
                                 duration_seconds, requested_by, deadline_seconds)
  SELECT e.* FROM (
    SELECT a.alarm_id, a.app, a.event_type, a.created_at, a.event_id, a.site_id, a.device_id,
           a.priority, a.trigger, a.location, a.operator_id, a.responder_type, a.eta_seconds,
           a.resolution, a.reason, a.responder_id, a.tracking_url, a.notes, NULL, NULL,
           NULL::integer, NULL, NULL::integer
      FROM chekt.alarm_events a
    UNION ALL
    SELECT s.alarm_id, s.app, s.event_type, s.created_at, s.event_id, NULL, s.device_id,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.url, NULL, NULL, NULL, NULL
      FROM chekt.snapshot_events s WHERE s.alarm_id IS NOT NULL
    UNION ALL
    SELECT v.alarm_id, v.app, v.event_type, v.created_at, v.event_id, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           v.requested_by, v.deadline_seconds
      FROM chekt.verification_events v WHERE v.alarm_id IS NOT NULL
    UNION ALL
    SELECT r.alarm_id, r.app, r.event_type, r.created_at, r.event_id, NULL, r.device_id,
           NULL, r.trigger, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.relay_id,
           r.duration_seconds, NULL, NULL
      FROM chekt.relay_events r WHERE r.alarm_id IS NOT NULL) AS e
   ORDER BY e.created_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  listing := 'chekt.alarm_trail';
  listed := n;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION chekt.rebuild_listings() IS
  'makes chekt.device_months and chekt.alarm_trail again from the event tables, which it locks against ingest meanwhile (SHARE; the two tables against readers too): after restoring a dump from before 0.13.0, or deleting or changing events by hand; the rows each now holds';

-- as in 0.5.0, from chekt.alarm_trail alone: one index scan, no month in
-- the plan; the family of each event type says what it shows, as each
-- family's table did
CREATE OR REPLACE FUNCTION chekt.alarm_timeline(alarm_id text, app text DEFAULT NULL)
RETURNS SETOF chekt.alarm_timeline_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  SELECT t.app, t.created_at, t.event_type, t.event_id::text,
         CASE y.family
           WHEN 'alarm' THEN CASE t.event_type
                               WHEN 'alarm.created' THEN t.device_id
                               WHEN 'alarm.acknowledged' THEN t.operator_id
                               WHEN 'alarm.dispatched' THEN t.responder_id
                             END
           WHEN 'snapshot' THEN t.device_id
           WHEN 'relay' THEN t.device_id
           WHEN 'verification' THEN t.requested_by
         END::text,
         CASE y.family
           WHEN 'alarm' THEN CASE t.event_type
                   WHEN 'alarm.created' THEN concat_ws(' ', t.priority, t.trigger, 'alarm at', t.site_id, nullif(concat('(', t.location, ')'), '()'))
                   WHEN 'alarm.acknowledged' THEN t.reason
                   WHEN 'alarm.dispatched' THEN concat_ws(', ', t.responder_type, 'ETA ' || t.eta_seconds || ' s', t.tracking_url)
                   WHEN 'alarm.resolved' THEN concat_ws(': ', t.resolution, t.notes)
                 END
           WHEN 'snapshot' THEN t.url
           WHEN 'relay' THEN concat_ws(' ', 'relay', t.relay_id, 'for ' || t.duration_seconds || ' s')
           WHEN 'verification' THEN 'deadline ' || t.deadline_seconds || ' s'
         END,
         extract(epoch FROM t.created_at - min(t.created_at) FILTER (WHERE t.event_type = 'alarm.created')
                                       OVER (PARTITION BY t.app))::double precision
    FROM chekt.alarm_trail t
    LEFT JOIN chekt.event_types y ON y.event_type = t.event_type
   WHERE t.alarm_id = alarm_timeline.alarm_id
     AND (alarm_timeline.app IS NULL OR t.app = alarm_timeline.app)
   ORDER BY t.app, t.created_at,
            -- ties in lifecycle order
            CASE y.family
              WHEN 'alarm' THEN CASE t.event_type
                                  WHEN 'alarm.created' THEN 0 WHEN 'alarm.acknowledged' THEN 4
                                  WHEN 'alarm.dispatched' THEN 5 WHEN 'alarm.resolved' THEN 6 ELSE 7
                                END
              WHEN 'snapshot' THEN 1 WHEN 'relay' THEN 2 WHEN 'verification' THEN 3 ELSE 7
            END,
            t.event_id;
END
$$;
COMMENT ON FUNCTION chekt.alarm_timeline(text, text) IS
  'every event linked to an alarm (alarm.*, its snapshots, verification requests and the relays it triggered) of one app, or (app NULL) of every app the caller may read, app by app in time order, ties in lifecycle order; since_created_s is NULL when alarm.created never arrived. Read from chekt.alarm_trail (0.15.0)';

-- as in 0.13.0, trimming chekt.alarm_trail
CREATE OR REPLACE FUNCTION chekt.drop_events_before(cutoff timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '200ms'
AS $$
DECLARE
  kept_from timestamptz := date_trunc('month', drop_events_before.cutoff, 'UTC');
  parents text;
  leaf record;
  last_month timestamptz;
  months bigint := 0;
BEGIN
  IF drop_events_before.cutoff IS NULL OR drop_events_before.cutoff > now() THEN
    RAISE EXCEPTION 'cutoff must be a time not after now()'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('cutoff is %s.', coalesce(drop_events_before.cutoff::text, 'NULL')),
            HINT = 'Every whole UTC month before the cutoff is dropped, e.g. chekt.drop_events_before(now() - interval ''2 years'').';
  END IF;

  -- ingest touches no row of these, and their row locks keep nobody
  -- waiting; what a lock keeps from here is deleted under the lock below
  BEGIN
    DELETE FROM chekt.alarm_trail f WHERE f.created_at < kept_from;
  EXCEPTION WHEN lock_not_available THEN
    NULL;
  END;

  -- all seven tables at once, in ingest's order
  SELECT string_agg(t.parent::text, ', ' ORDER BY t.ordinal) INTO parents
    FROM chekt_private.partitioned_tables() t;
  PERFORM chekt_private.lock_briefly(parents, 'ACCESS EXCLUSIVE', 'to drop partitions',
    'A long query or an open transaction over the events holds them; run chekt.drop_events_before() again later.');

  FOR leaf IN
    SELECT c.oid::regclass AS relid, m.month
      FROM chekt_private.partitioned_tables() t
      JOIN pg_catalog.pg_inherits i ON i.inhparent = t.parent
      JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
      JOIN pg_catalog.pg_class p ON p.oid = t.parent,
           LATERAL (SELECT to_timestamp(substr(c.relname, length(p.relname) + 3), 'YYYYMM')::timestamp
                           AT TIME ZONE 'UTC' AS month) m
     WHERE c.relnamespace = 'chekt_private'::regnamespace
       AND c.relname ~ ('^' || p.relname || '_p[0-9]{6}$')
       AND date_trunc('month', m.month + interval '32 days', 'UTC') <= kept_from
     ORDER BY m.month, t.ordinal
  LOOP
    EXECUTE format('DROP TABLE %s', leaf.relid);
    IF leaf.month IS DISTINCT FROM last_month THEN
      months := months + 1;
      last_month := leaf.month;
    END IF;
  END LOOP;

  -- the ids, device months and alarm trail of what was dropped, and no
  -- month before the cutoff again
  DELETE FROM chekt_private.event_ids i WHERE i.created_at < kept_from;
  DELETE FROM chekt.device_months m WHERE m.month < (kept_from AT TIME ZONE 'UTC')::date;
  DELETE FROM chekt.alarm_trail f WHERE f.created_at < kept_from;
  IF kept_from > coalesce((SELECT p.kept_from FROM chekt_private.effective_policy() p), '-infinity') THEN
    PERFORM chekt.set_storage_policy('kept_from', kept_from::text);
  END IF;
  RETURN months;
END
$$;

-- as in 0.14.0, its alarm rules over chekt.alarm_trail
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
    (SELECT c.app FROM chekt.alarm_trail c
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

-- every event linked to an alarm, from the event tables
SELECT count(*) FROM chekt.rebuild_listings();

-- a row level security policy of the owner's own on a family the timeline
-- read no longer narrows it
DO $$
DECLARE
  own text;
BEGIN
  SELECT string_agg(format('%I on chekt.%I', p.polname, c.relname), ', ' ORDER BY p.polname, c.relname) INTO own
    FROM pg_catalog.pg_policy p
    JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
   WHERE p.polrelid IN ('chekt.alarm_events'::regclass, 'chekt.snapshot_events'::regclass,
                        'chekt.verification_events'::regclass, 'chekt.relay_events'::regclass)
     AND p.polname <> 'analyst_apps';
  IF own IS NOT NULL THEN
    RAISE WARNING 'chekt.alarm_timeline() now reads chekt.alarm_trail, which your policies % do not cover', own
      USING HINT = 'Make each again ON chekt.alarm_trail (it has alarm_id, app, event_type, created_at, event_id and the columns the timeline shows) to keep narrowing what the timeline shows.';
  END IF;
END
$$;
