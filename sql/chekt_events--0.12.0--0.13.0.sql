-- chekt_events 0.12.0 -> 0.13.0: the first events of each alarm kept
-- beside the months, so that the questions about alarms neither plan nor
-- probe every month
--
-- Alarms carry no time.  Over monthly partitions (issue 13, contract 4, two
-- years in 24 months against the same data unpartitioned):
--
-- - an alarm's timeline looked the alarm up in every month of four
--   families: 0.77 ms against 0.16 ms.  chekt.alarm_firsts, kept by
--   ingest, says which months hold the alarm's events; the timeline reads
--   only those, with its plan made once per session.
-- - the lifecycles of one site's alarms over 30 days took 23.5 ms against
--   1.2 ms: the view was planned over every month at every query (one scan
--   of the 24 months of chekt.alarm_events, pruned at execution, takes
--   0.7 ms to plan, against 0.08 ms unpartitioned) and looked up each
--   alarm's acknowledgement, dispatch and resolution in every month.  The
--   view now reads chekt.alarm_firsts alone, which is not partitioned.
-- docs/decisions.md, "Alarms' first events (0.13.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.13.0'" to load this file. \quit

-- for each alarm of an app, event type and month, its first event, kept by
-- ingest (store_alarms.c); without a key, so that no writer waits for
-- another
CREATE TABLE chekt.alarm_firsts (
  alarm_id text COLLATE "C" NOT NULL,
  app text NOT NULL,
  event_type text NOT NULL,
  created_at timestamptz NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  site_id text COLLATE "C",
  device_id text COLLATE "C",
  priority text,
  trigger text,
  location text,
  operator_id text COLLATE "C",
  responder_type text,
  eta_seconds integer,
  resolution text
);
-- ingest's lookup, the timeline's months and the lifecycle's firsts
CREATE INDEX alarm_firsts_alarm_idx ON chekt.alarm_firsts (alarm_id, app, event_type, created_at, event_id);
-- the lifecycles of a site
CREATE INDEX alarm_firsts_site_idx ON chekt.alarm_firsts (site_id, created_at)
  WHERE event_type = 'alarm.created';
-- the lifecycles of a time, and the months chekt.drop_events_before()
-- removes: rows arrive in about the order of their time, so block ranges
-- summarise them well at a fraction of a B-tree's cost to ingest
CREATE INDEX alarm_firsts_created_at_idx ON chekt.alarm_firsts USING brin (created_at);
-- the owner's alone, as for the family tables; analysts get SELECT from
-- chekt.grant_analyst()
REVOKE ALL ON chekt.alarm_firsts FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('chekt.alarm_firsts', '');
COMMENT ON TABLE chekt.alarm_firsts IS
  'for each alarm of an app, event type linked to it (alarm.*, snapshots, verification requests, relays) and UTC month, its first event there, kept by ingest (an event that happened earlier but arrived later adds a row; two writers at once may each add one): which months hold an alarm''s events, and what chekt.alarm_lifecycle shows of it, without reading every month';
COMMENT ON COLUMN chekt.alarm_firsts.alarm_id IS 'the alarm';
COMMENT ON COLUMN chekt.alarm_firsts.app IS 'the app whose events name it: ids are unique only within an app';
COMMENT ON COLUMN chekt.alarm_firsts.event_type IS 'the type of the event';
COMMENT ON COLUMN chekt.alarm_firsts.created_at IS 'when CHeKT created the event; its UTC month is the month the row stands for';
COMMENT ON COLUMN chekt.alarm_firsts.event_id IS 'the event''s id (its row in the family table; the lower id is first at one instant)';
COMMENT ON COLUMN chekt.alarm_firsts.site_id IS 'site of the alarm (alarm.* events only, as for all columns below)';
COMMENT ON COLUMN chekt.alarm_firsts.device_id IS 'device that triggered the alarm';
COMMENT ON COLUMN chekt.alarm_firsts.priority IS 'priority, e.g. HIGH';
COMMENT ON COLUMN chekt.alarm_firsts.trigger IS 'what triggered the alarm, e.g. motion';
COMMENT ON COLUMN chekt.alarm_firsts.location IS 'where at the site';
COMMENT ON COLUMN chekt.alarm_firsts.operator_id IS 'the operator who acknowledged it';
COMMENT ON COLUMN chekt.alarm_firsts.responder_type IS 'kind of responder dispatched, e.g. guard';
COMMENT ON COLUMN chekt.alarm_firsts.eta_seconds IS 'estimated time of arrival of the responder, in seconds';
COMMENT ON COLUMN chekt.alarm_firsts.resolution IS 'outcome of the alarm: handled, false-positive, escalated, or a value CHeKT adds later';
ALTER TABLE chekt.alarm_firsts ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_apps ON chekt.alarm_firsts FOR SELECT
  USING (coalesce(app = ANY ((SELECT chekt.visible_apps())::text[]), true));
-- Lock tables against ingest, in one statement of waits of 200 ms at most,
-- tried 50 times (15-25 s in all): ingest locks the family tables in the
-- order of a batch's events, so a long wait here could close a cycle with
-- it, and would keep it waiting behind.  Not STRICT: with a NULL it would
-- return without locking anything, and the caller go on as if it held the
-- tables; LOCK TABLE refuses the statement instead.
CREATE FUNCTION chekt_private.lock_briefly(relations text, mode text, purpose text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '200ms'
AS $$
DECLARE
  attempts integer := 0;
BEGIN
  LOOP
    BEGIN
      EXECUTE format('LOCK TABLE %s IN %s MODE', relations, mode);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      attempts := attempts + 1;
      IF attempts >= 50 THEN
        RAISE EXCEPTION 'could not lock the event tables %', purpose
          USING ERRCODE = 'lock_not_available',
                DETAIL = format('%s tries of %s each failed: another transaction holds one of %s.',
                                attempts, current_setting('lock_timeout'), relations),
                HINT = hint;
      END IF;
      PERFORM pg_catalog.pg_sleep(0.1 + 0.2 * random());
    END;
  END LOOP;
END
$$;
COMMENT ON FUNCTION chekt_private.lock_briefly(text, text, text, text) IS
  'locks the relations (a list for LOCK TABLE) in the mode for the rest of the transaction, waiting 200 ms at a time, 50 times at most, then raising lock_not_available with the purpose and hint given';
REVOKE ALL ON FUNCTION chekt_private.lock_briefly(text, text, text, text) FROM PUBLIC;

-- What ingest keeps beside the events, made again from them: after a
-- restore of a dump from before the table (whose CREATE EXTENSION made it
-- empty), events deleted or changed by hand, or a backend that ran an older
-- library after the update.  Here it fills chekt.alarm_firsts.
CREATE FUNCTION chekt.rebuild_listings()
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
    'chekt.device_months, chekt.alarm_firsts', 'ACCESS EXCLUSIVE', 'to rebuild the listings',
    'A query reads chekt.alarm_lifecycle, chekt.alarm_firsts or chekt.device_months; try again when it has ended.');

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
  TRUNCATE chekt.alarm_firsts;
  INSERT INTO chekt.alarm_firsts
  SELECT f.* FROM (
  SELECT DISTINCT ON (e.alarm_id, e.app, e.event_type, date_trunc('month', e.created_at, 'UTC'))
         e.alarm_id, e.app, e.event_type, e.created_at, e.event_id, e.site_id, e.device_id, e.priority,
         e.trigger, e.location, e.operator_id, e.responder_type, e.eta_seconds, e.resolution
    FROM (SELECT a.alarm_id, a.app, a.event_type, a.created_at, a.event_id, a.site_id, a.device_id, a.priority,
                 a.trigger, a.location, a.operator_id, a.responder_type, a.eta_seconds, a.resolution
            FROM chekt.alarm_events a
          UNION ALL
          SELECT s.alarm_id, s.app, s.event_type, s.created_at, s.event_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM chekt.snapshot_events s WHERE s.alarm_id IS NOT NULL
          UNION ALL
          SELECT v.alarm_id, v.app, v.event_type, v.created_at, v.event_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM chekt.verification_events v WHERE v.alarm_id IS NOT NULL
          UNION ALL
          SELECT r.alarm_id, r.app, r.event_type, r.created_at, r.event_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM chekt.relay_events r WHERE r.alarm_id IS NOT NULL) AS e
   ORDER BY e.alarm_id, e.app, e.event_type, date_trunc('month', e.created_at, 'UTC'), e.created_at, e.event_id) AS f
   ORDER BY f.created_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  listing := 'chekt.alarm_firsts';
  listed := n;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION chekt.rebuild_listings() IS
  'makes chekt.device_months and chekt.alarm_firsts again from the event tables, which it locks against ingest meanwhile (SHARE; the two tables against readers too): after restoring a dump from before 0.13.0, or deleting or changing events by hand; the rows each now holds';
REVOKE ALL ON FUNCTION chekt.rebuild_listings() FROM PUBLIC;

SELECT count(*) FROM chekt.rebuild_listings();

-- as in 0.5.0, reading only the months chekt.alarm_firsts lists for the
-- alarm (every month if it lists none: an alarm of a dump restored from
-- before 0.13.0), with its plan made once per session
CREATE OR REPLACE FUNCTION chekt.alarm_timeline(alarm_id text, app text DEFAULT NULL)
RETURNS SETOF chekt.alarm_timeline_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  from_ts timestamptz;
  to_ts timestamptz;
BEGIN
  IF alarm_timeline.alarm_id IS NULL THEN
    RETURN;
  END IF;

  -- from the start of its first month to the end of its last, in UTC
  SELECT date_trunc('month', min(f.created_at), 'UTC'),
         (date_trunc('month', max(f.created_at) AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
    INTO from_ts, to_ts
    FROM chekt.alarm_firsts f
   WHERE f.alarm_id = alarm_timeline.alarm_id
     AND (alarm_timeline.app IS NULL OR f.app = alarm_timeline.app);
  IF from_ts IS NULL THEN
    from_ts := '-infinity';
    to_ts := 'infinity';
  END IF;

  RETURN QUERY
  SELECT t.app, t.at, t.event_type, t.event_id, t.actor, t.detail,
         extract(epoch FROM t.at - min(t.at) FILTER (WHERE t.event_type = 'alarm.created')
                                       OVER (PARTITION BY t.app))::double precision
    FROM (SELECT a.app, a.created_at AS at, a.event_type, a.event_id::text AS event_id,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN a.device_id
                   WHEN 'alarm.acknowledged' THEN a.operator_id
                   WHEN 'alarm.dispatched' THEN a.responder_id
                 END::text AS actor,
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
             AND (alarm_timeline.app IS NULL OR a.app = alarm_timeline.app)
             AND a.created_at >= from_ts AND a.created_at < to_ts
          UNION ALL
          SELECT s.app, s.created_at, s.event_type, s.event_id, s.device_id, s.url, 1
            FROM chekt.snapshot_events s
           WHERE s.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR s.app = alarm_timeline.app)
             AND s.created_at >= from_ts AND s.created_at < to_ts
          UNION ALL
          SELECT r.app, r.created_at, r.event_type, r.event_id, r.device_id,
                 concat_ws(' ', 'relay', r.relay_id, 'for ' || r.duration_seconds || ' s'), 2
            FROM chekt.relay_events r
           WHERE r.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR r.app = alarm_timeline.app)
             AND r.created_at >= from_ts AND r.created_at < to_ts
          UNION ALL
          SELECT v.app, v.created_at, v.event_type, v.event_id, v.requested_by,
                 'deadline ' || v.deadline_seconds || ' s', 3
            FROM chekt.verification_events v
           WHERE v.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR v.app = alarm_timeline.app)
             AND v.created_at >= from_ts AND v.created_at < to_ts) AS t
   ORDER BY t.app, t.at, t.lifecycle_order, t.event_id;
END
$$;

-- as in 0.5.0, from chekt.alarm_firsts: the first alarm.created of each
-- alarm is the earliest of its rows, and so for each other kind
CREATE OR REPLACE VIEW chekt.alarm_lifecycle WITH (security_invoker = true) AS
SELECT a.app,
       a.alarm_id,
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
        -- reaches an index), and the alarms whose alarm.created never came
        SELECT c.app, c.alarm_id, c.site_id, c.device_id, c.priority, c.trigger, c.location, c.created_at
          FROM chekt.alarm_firsts c
         WHERE c.event_type = 'alarm.created'
           AND NOT EXISTS (SELECT FROM chekt.alarm_firsts e
                            WHERE e.alarm_id = c.alarm_id AND e.app = c.app
                              AND e.event_type = 'alarm.created'
                              AND (e.created_at, e.event_id) < (c.created_at, c.event_id))
        UNION ALL
        SELECT x.app, x.alarm_id, NULL, NULL, NULL, NULL, NULL, NULL
          FROM (-- the alarm family's types are alarm.* (sql/catalog_hygiene.sql)
                SELECT DISTINCT f.alarm_id, f.app FROM chekt.alarm_firsts f
                 WHERE f.event_type LIKE 'alarm.%') AS x
         WHERE NOT EXISTS (SELECT FROM chekt.alarm_firsts e
                            WHERE e.alarm_id = x.alarm_id AND e.app = x.app
                              AND e.event_type = 'alarm.created')) AS a
  -- the first event of each other kind wins
  LEFT JOIN LATERAL (SELECT e.created_at, e.operator_id FROM chekt.alarm_firsts e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.acknowledged'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS k ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.responder_type, e.eta_seconds FROM chekt.alarm_firsts e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.dispatched'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS d ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.resolution FROM chekt.alarm_firsts e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.resolved'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS r ON true;

-- as in 0.12.0, and the dropped months' rows of chekt.alarm_firsts: most
-- before the event tables are locked, since their number grows with the
-- alarms of a month where a drop's does not; under the lock the few that
-- ingest added meanwhile
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
    DELETE FROM chekt.alarm_firsts f WHERE f.created_at < kept_from;
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

  -- the ids, device months and alarm firsts of what was dropped, and no
  -- month before the cutoff again
  DELETE FROM chekt_private.event_ids i WHERE i.created_at < kept_from;
  DELETE FROM chekt.device_months m WHERE m.month < (kept_from AT TIME ZONE 'UTC')::date;
  DELETE FROM chekt.alarm_firsts f WHERE f.created_at < kept_from;
  IF kept_from > coalesce((SELECT p.kept_from FROM chekt_private.effective_policy() p), '-infinity') THEN
    PERFORM chekt.set_storage_policy('kept_from', kept_from::text);
  END IF;
  RETURN months;
END
$$;

-- a row level security policy of the owner's own on a table the lifecycle
-- read no longer narrows it
DO $$
DECLARE
  own text;
BEGIN
  SELECT string_agg(format('%s on %s', p.polname, p.polrelid::regclass), ', ' ORDER BY p.polname) INTO own
    FROM pg_catalog.pg_policy p
   WHERE p.polrelid = 'chekt.alarm_events'::regclass AND p.polname <> 'analyst_apps';
  IF own IS NOT NULL THEN
    RAISE WARNING 'chekt.alarm_lifecycle now reads chekt.alarm_firsts, which your policies % do not cover', own
      USING HINT = 'Make each again ON chekt.alarm_firsts (it has alarm_id, app, event_type, created_at and the lifecycle''s columns) to keep narrowing what the lifecycle shows.';
  END IF;
END
$$;

-- the analysts keep their surface, with chekt.alarm_firsts in it
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt_private.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;

-- last: those grants are ordinary ones, which pg_dump keeps
SELECT chekt_private.keep_update_grants();
