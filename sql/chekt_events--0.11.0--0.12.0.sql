-- chekt_events 0.11.0 -> 0.12.0: the devices found without reading every
-- month, and one device's downtime and one site's gaps planned once per
-- session rather than at every call
--
-- Over monthly partitions the questions about devices spent their time
-- finding devices and planning, not reading (issue 13, contract 4, two
-- years in 24 months against the same data unpartitioned):
--
-- - every device's downtime walked the devices by a loose scan of
--   chekt.device_events, which over partitions probes every month at every
--   step: 750 of its 1,000 ms, against 32 ms unpartitioned.
--   chekt.device_months, kept by ingest, lists the months in which each
--   device of each app reported; the walk reads it instead.
-- - one device's downtime over 30 days planned its statement across every
--   month at each call (4.7 ms, of which 0.2 ms reading, against 2.0 ms),
--   and looked the device up in every month's key.  Its plan is now made
--   once per session and prunes the months at execution, where the window
--   is known; its apps come from chekt.device_months.
-- - one site's completeness report keeps its plan likewise.
-- docs/decisions.md, "Devices listed, plans kept (0.12.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.12.0'" to load this file. \quit

-- no device event is stored meanwhile unseen by the rows filled in below:
-- writers are kept out by the lock, and those that committed while it was
-- awaited are seen only by a statement snapshot taken after it
DO $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'the update to chekt_events 0.12.0 must run at READ COMMITTED'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The transaction is %s: chekt.device_months, filled from chekt.device_events, would miss the device events ingest commits while the update waits for its lock.', upper(current_setting('transaction_isolation'))),
            HINT = 'Run ALTER EXTENSION chekt_events UPDATE in its own transaction at READ COMMITTED (SET default_transaction_isolation = ''read committed'' first if your role sets another).';
  END IF;
END
$$;
LOCK TABLE chekt.device_events IN SHARE MODE;

-- every month in which a device of an app reported, kept by ingest
-- (store_devices.c); without a key, so that no writer waits for another
CREATE TABLE chekt.device_months (
  device_id text COLLATE "C" NOT NULL,
  app text NOT NULL,
  month date NOT NULL
);
CREATE INDEX device_months_device_idx ON chekt.device_months (device_id, app, month);
-- the owner's alone, as for the family tables; analysts get SELECT from
-- chekt.grant_analyst()
REVOKE ALL ON chekt.device_months FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('chekt.device_months', '');
COMMENT ON TABLE chekt.device_months IS
  'the months in which each device of each app has events in chekt.device_events (a row per device, app and month, kept by ingest; two writers recording the same month at once may leave two rows): where the questions about devices find them without reading every month';
COMMENT ON COLUMN chekt.device_months.device_id IS 'the device (chekt.device_events.device_id)';
COMMENT ON COLUMN chekt.device_months.app IS 'the app whose events name it: ids are unique only within an app';
COMMENT ON COLUMN chekt.device_months.month IS 'the first day of a UTC month in which it has an event';
ALTER TABLE chekt.device_months ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_apps ON chekt.device_months FOR SELECT
  USING (coalesce(app = ANY ((SELECT chekt.visible_apps())::text[]), true));
INSERT INTO chekt.device_months (device_id, app, month)
SELECT DISTINCT e.device_id, e.app, date_trunc('month', e.created_at AT TIME ZONE 'UTC')::date
  FROM chekt.device_events e;

-- the devices from chekt.device_months, in the order of the walk they
-- replace (app, device); the rest as in 0.6.0
CREATE OR REPLACE FUNCTION chekt.device_outages_between(device text, from_ts timestamptz, to_ts timestamptz,
                                                        app text DEFAULT NULL)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  SELECT o.*
    FROM (SELECT DISTINCT m.app, m.device_id FROM chekt.device_months m
           WHERE (device IS NULL OR m.device_id = device)
             AND (device_outages_between.app IS NULL OR m.app = device_outages_between.app)
           ORDER BY m.app, m.device_id) AS d
   CROSS JOIN LATERAL chekt.device_outages_of(d.app, d.device_id, from_ts, to_ts) AS o;
END;

CREATE OR REPLACE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz,
                                                 app text DEFAULT NULL)
RETURNS SETOF chekt.device_downtime_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
SET max_parallel_workers_per_gather = 0
-- both statements planned once per session: the window prunes at execution
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device, and NULL as app for every app.';
  END IF;

  IF device IS NOT NULL THEN
    -- its outages in each app that has it, which read only the months from
    -- its last online before the window to its first after it
    RETURN QUERY
    SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
           greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                     - greatest(o.offline_at, from_ts)), 0)::double precision,
           o.ongoing, o.ended_by, o.end_known, o.start_known, o.reported_downtime_s
      FROM (SELECT DISTINCT m.app FROM chekt.device_months m
             WHERE m.device_id = device AND (device_downtime.app IS NULL OR m.app = device_downtime.app)) AS a
           CROSS JOIN LATERAL chekt.device_outages_of(a.app, device, from_ts, to_ts) AS o
     ORDER BY o.app, o.device_id, o.offline_at;
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

-- the same two queries as in 0.7.0, now planned once per session
ALTER FUNCTION chekt.site_delivery_gaps(text, date, date, text) SET plan_cache_mode = force_generic_plan;

-- as in 0.9.0, and the dropped months' rows of chekt.device_months
CREATE OR REPLACE FUNCTION chekt.drop_events_before(cutoff timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '200ms'
AS $$
DECLARE
  kept_from timestamptz := date_trunc('month', drop_events_before.cutoff, 'UTC');
  parents text;
  attempts integer := 0;
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

  -- all seven tables at once, in ingest's order; a wait blocks ingest
  -- behind it, so it is short, and tried again
  SELECT string_agg(t.parent::text, ', ' ORDER BY t.ordinal) INTO parents
    FROM chekt_private.partitioned_tables() t;
  LOOP
    BEGIN
      EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', parents);
      EXIT;
    EXCEPTION WHEN lock_not_available THEN
      attempts := attempts + 1;
      IF attempts >= 50 THEN
        RAISE EXCEPTION 'could not lock the event tables to drop partitions'
          USING ERRCODE = 'lock_not_available',
                DETAIL = format('%s tries of %s each failed: another transaction holds one of %s.',
                                attempts, current_setting('lock_timeout'), parents),
                HINT = 'A long query or an open transaction over the events holds them; run chekt.drop_events_before() again later.';
      END IF;
      PERFORM pg_catalog.pg_sleep(0.1 + 0.2 * random());
    END;
  END LOOP;

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

  -- the ids and device months of what was dropped, and no month before
  -- the cutoff again
  DELETE FROM chekt_private.event_ids i WHERE i.created_at < kept_from;
  DELETE FROM chekt.device_months m WHERE m.month < (kept_from AT TIME ZONE 'UTC')::date;
  IF kept_from > coalesce((SELECT p.kept_from FROM chekt_private.effective_policy() p), '-infinity') THEN
    PERFORM chekt.set_storage_policy('kept_from', kept_from::text);
  END IF;
  RETURN months;
END
$$;

-- the analytic surface: since 0.8.0 schema chekt holds exactly the
-- relations an analyst opens (sql/analytics.sql asserts it), so they are
-- granted as that schema's, not from a list every new relation restates;
-- the functions stay listed (the schema also holds the owner's)
CREATE OR REPLACE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  functions text := 'chekt.alarm_timeline(text, text),
                     chekt.device_downtime(text, timestamptz, timestamptz, text),
                     chekt.device_outages_between(text, timestamptz, timestamptz, text),
                     chekt.device_outages_of(text, text, timestamptz, timestamptz),
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
