-- chekt_events 0.18.0 -> 0.19.0: the same extension on a Citus cluster
-- (issue 14; in development, not yet the default version)
--
-- - chekt.distribute(shard_count), run once on the Citus coordinator right
--   after CREATE EXTENSION, spreads what the questions read over the
--   workers and keeps on the coordinator what decides each delivery
--   (docs/decisions.md, "Scale-out with Citus: the coordinator decides,
--   the workers answer"):
--   - distributed, by a column every row has (required by the catalog,
--     NOT NULL), so that no row can lack its shard: chekt.alarm_trail,
--     alarm_events and verification_events by alarm_id, co-located (an
--     alarm's questions go to one worker); device_events and device_months
--     by device_id, co-located; snapshot_events by snapshot_id,
--     relay_events by relay_id (their alarm_id may be NULL, and
--     relay_events' is generated, which Citus cannot distribute by; the
--     trail has their rows by alarm); partition_events by partition_id;
--   - a reference table, on every node: chekt_private.analysts, which the
--     row level security of the distributed tables reads on the workers;
--   - on the coordinator, as before: the inbox, the quarantine, the
--     events with their ids, the apps and their secrets, the backfillers,
--     the storage policy and the type catalog.
-- - chekt.site_delivery_gaps() fences the devices and partitions it asks
--   (OFFSET 0 on a UNION and a DISTINCT, which a single node never pulls
--   up) and asks EXISTS (SELECT 1 ...): Citus then asks them from the
--   coordinator.  chekt.grant_analyst() computes its row before writing it.
-- - chekt.distribute() first replaces the questions Citus cannot plan as
--   written (the lifecycle filtered by site or time failed with "complex
--   joins are only supported when all distributed tables are co-located
--   and joined on their distribution columns") by forms it can
--   (chekt_private.use_citus_forms()), with the
--   same rows: test/integration/citus_matches_single_node.sh compares them.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.19.0'" to load this file. \quit

-- as in 0.8.0, the apps listed and the time given before the row is
-- written: once chekt_private.analysts is a Citus reference table, Citus
-- takes no subquery in an INSERT's VALUES ("subqueries are not supported
-- within INSERT queries") and no now() in its DO UPDATE SET ("functions
-- used in the DO UPDATE SET clause ... must be marked IMMUTABLE")
CREATE OR REPLACE FUNCTION chekt.grant_analyst(analyst regrole, apps text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  unknown text;
  listed text[];
BEGIN
  IF grant_analyst.analyst IS NULL THEN
    RAISE EXCEPTION 'analyst must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the role that is to read the analytic surface.';
  END IF;
  IF grant_analyst.apps IS NOT NULL THEN
    IF cardinality(grant_analyst.apps) = 0 OR array_position(grant_analyst.apps, NULL) IS NOT NULL THEN
      RAISE EXCEPTION 'apps must list at least one app and no NULL'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass NULL for every app; chekt.revoke_analyst() takes the analytic surface away.';
    END IF;
    SELECT string_agg(quote_literal(x.app), ', ' ORDER BY x.app) INTO unknown
      FROM unnest(grant_analyst.apps) AS x (app)
     WHERE NOT EXISTS (SELECT FROM chekt_private.apps a WHERE a.app = x.app);
    IF unknown IS NOT NULL THEN
      RAISE WARNING 'not a registered app: %', unknown
        USING DETAIL = 'The role will read their rows once events of them are stored.',
              HINT = 'SELECT app FROM chekt_private.apps lists the registered apps; app names are case sensitive.';
    END IF;
  END IF;

  SELECT array_agg(DISTINCT x.app ORDER BY x.app) INTO listed FROM unnest(grant_analyst.apps) AS x (app);
  INSERT INTO chekt_private.analysts AS s (analyst, apps, granted_at)
  VALUES (grant_analyst.analyst, listed, now())
  ON CONFLICT ((analyst::oid)) DO UPDATE SET apps = excluded.apps, granted_at = excluded.granted_at;
  PERFORM chekt.analyst_privileges(grant_analyst.analyst, true);
END
$$;

-- as in 0.16.0, the devices and the partitions whose gaps it asks fenced
-- (OFFSET 0): Citus then brings them to the coordinator and asks each
-- there, where it pushed the questions into its query of the shards
-- ("cannot execute a distributed query from a query on a shard").  A
-- UNION and a DISTINCT are never pulled up: a single node plans the same.
-- And EXISTS (SELECT 1 ...), not (SELECT ...): Citus plans the subquery
-- alone and cannot read back a result without columns ("a column
-- definition list is required for functions returning "record"").
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
    sites_missing := EXISTS (SELECT 1 FROM chekt.device_events z
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
               WHERE sites_missing AND e.app = one_app AND e.site_id = site
              OFFSET 0) AS d
       CROSS JOIN LATERAL chekt.device_gaps_of(one_app, d.device_id, from_day, to_day) AS g
       WHERE g.site_id = site
      UNION ALL
      -- the site's partitions' arms or disarms in a row ending in the
      -- days (a period that ends on their first instant is in them)
      SELECT p.site_id::text, (g.ended_at AT TIME ZONE 'UTC')::date,
             CASE g.state WHEN 'armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END,
             p.partition_id::text
        FROM (SELECT DISTINCT e.site_id, e.partition_id FROM chekt.partition_events e
               WHERE e.app = one_app AND e.site_id = site
              OFFSET 0) AS p
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

-- A question written in SQL, run by PL/pgSQL instead: the same query, whose
-- parameters Citus then sees bound (it cannot plan a SQL function's
-- parameters, and a SQL function inlined into a query hides the tables it
-- reads from Citus's planner).  The function itself is replaced, or, when
-- PL/pgSQL cannot take its signature (an argument named as a column of its
-- result), a twin (its arguments unnamed, read as $1, $2, ...) is made and
-- the function calls it.
CREATE FUNCTION chekt_private.sql_as_plpgsql(f regprocedure, twin text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p pg_catalog.pg_proc;
  body text := pg_catalog.pg_get_function_sqlbody(sql_as_plpgsql.f);
  labels text;
  i integer;
BEGIN
  SELECT * INTO STRICT p FROM pg_catalog.pg_proc WHERE oid = sql_as_plpgsql.f;
  IF body IS NULL OR body !~ '^BEGIN ATOMIC' THEN
    RAISE EXCEPTION 'function % has no SQL-standard body', sql_as_plpgsql.f
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  body := regexp_replace(regexp_replace(body, '^BEGIN ATOMIC\s*', ''), ';\s*END\s*$', '');
  labels := (CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END)
            || (CASE p.proparallel WHEN 's' THEN ' PARALLEL SAFE' WHEN 'r' THEN ' PARALLEL RESTRICTED' ELSE ' PARALLEL UNSAFE' END)
            || (CASE WHEN p.proisstrict THEN ' STRICT' ELSE '' END);
  IF sql_as_plpgsql.twin IS NULL THEN
    EXECUTE format(E'CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql %s SET search_path = pg_catalog, pg_temp AS %L',
                   sql_as_plpgsql.f::regproc, pg_catalog.pg_get_function_arguments(sql_as_plpgsql.f),
                   pg_catalog.pg_get_function_result(sql_as_plpgsql.f), labels,
                   E'#variable_conflict use_column\nBEGIN\nRETURN QUERY\n' || body || E';\nEND');
    RETURN;
  END IF;
  -- the deparsed body names each argument f.argument
  FOR i IN 1 .. p.pronargs LOOP
    body := regexp_replace(body, format('\m%s\.%s\M', p.proname, p.proargnames[i]), '$' || i, 'g');
  END LOOP;
  EXECUTE format(E'CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql %s SET search_path = pg_catalog, pg_temp AS %L',
                 sql_as_plpgsql.twin,
                 (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a (t, o)),
                 pg_catalog.pg_get_function_result(sql_as_plpgsql.f), labels,
                 E'#variable_conflict use_column\nBEGIN\nRETURN QUERY\n' || body || E';\nEND');
  -- a member, as the function it serves: dropped with the extension
  EXECUTE format('ALTER EXTENSION chekt_events ADD FUNCTION %s(%s)', sql_as_plpgsql.twin,
                 (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a (t, o)));
  EXECUTE format('COMMENT ON FUNCTION %s(%s) IS %L', sql_as_plpgsql.twin,
                 (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a (t, o)),
                 format('%s run by PL/pgSQL, for Citus (chekt.distribute())', sql_as_plpgsql.f));
  EXECUTE format('CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE sql %s AS %L',
                 sql_as_plpgsql.f::regproc, pg_catalog.pg_get_function_arguments(sql_as_plpgsql.f),
                 pg_catalog.pg_get_function_result(sql_as_plpgsql.f), labels,
                 format('SELECT * FROM %s(%s)', sql_as_plpgsql.twin,
                        (SELECT string_agg('$' || n, ', ') FROM generate_series(1, p.pronargs) AS g (n))));
END
$$;
COMMENT ON FUNCTION chekt_private.sql_as_plpgsql(regprocedure, text) IS
  'replaces a question written as a SQL function by the same query run by PL/pgSQL, or, given twin, makes that twin and has the function call it: how chekt.distribute() readies the questions for Citus';
REVOKE ALL ON FUNCTION chekt_private.sql_as_plpgsql(regprocedure, text) FROM PUBLIC;

-- The questions as Citus can plan them (chekt.distribute()): each query
-- that reaches a distributed table does so itself, not through a SQL
-- function; a function that reads distributed tables is called from the
-- coordinator, over rows a query fenced by OFFSET 0 brought there, never
-- pushed into the query of a shard.  The answers are the single node's
-- (test/integration/citus_matches_single_node.sh).
CREATE FUNCTION chekt_private.use_citus_forms()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- (Citus's notice, for each twin, that it adds no member on the workers:
-- nothing on the workers calls them)
SET client_min_messages = warning
AS $forms$
BEGIN
  -- one device's outages, one partition's periods: the same queries
  PERFORM chekt_private.sql_as_plpgsql('chekt.device_outages_within(text, text, timestamptz, timestamptz, timestamptz, timestamptz)');
  PERFORM chekt_private.sql_as_plpgsql('chekt.partition_periods_of(text, text, timestamptz, timestamptz)',
                                       'chekt.partition_periods_of_plpgsql');

  -- as in 0.15.0 (0.13.0's view over the trail), the alarms whose
  -- alarm.created never came found by one scan grouped by alarm, not by a
  -- join: a filter on a column that branch has no value for (site_id,
  -- created_at, ...) empties it, PostgreSQL then plans none of its tables,
  -- and Citus, shown no shard of them, refused the union ("complex joins
  -- are only supported when all distributed tables are co-located").  On a single
  -- node the join's form stays: there the empty branch costs nothing,
  -- where the grouped one's parallel scan is started (19 ms against 0.8
  -- for a site's lifecycles of 337k trail rows)
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
            FROM chekt.alarm_trail c
           WHERE c.event_type = 'alarm.created'
             AND NOT EXISTS (SELECT FROM chekt.alarm_trail e
                              WHERE e.alarm_id = c.alarm_id AND e.app = c.app
                                AND e.event_type = 'alarm.created'
                                AND (e.created_at, e.event_id) < (c.created_at, c.event_id))
          UNION ALL
          SELECT f.app, f.alarm_id, NULL, NULL, NULL, NULL, NULL, NULL
            FROM chekt.alarm_trail f
           -- the alarm family's types are alarm.* (sql/catalog_hygiene.sql)
           WHERE f.event_type LIKE 'alarm.%'
           GROUP BY f.app, f.alarm_id
          HAVING NOT bool_or(f.event_type = 'alarm.created')) AS a
    -- the first event of each other kind wins
    LEFT JOIN LATERAL (SELECT e.created_at, e.operator_id FROM chekt.alarm_trail e
                        WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                          AND e.event_type = 'alarm.acknowledged'
                        ORDER BY e.created_at, e.event_id LIMIT 1) AS k ON true
    LEFT JOIN LATERAL (SELECT e.created_at, e.responder_type, e.eta_seconds FROM chekt.alarm_trail e
                        WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                          AND e.event_type = 'alarm.dispatched'
                        ORDER BY e.created_at, e.event_id LIMIT 1) AS d ON true
    LEFT JOIN LATERAL (SELECT e.created_at, e.resolution FROM chekt.alarm_trail e
                        WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                          AND e.event_type = 'alarm.resolved'
                        ORDER BY e.created_at, e.event_id LIMIT 1) AS r ON true;

  -- as in 0.17.0, the bounds found first
  CREATE OR REPLACE FUNCTION chekt.device_outages_of(app text, device text, from_ts timestamptz, to_ts timestamptz)
  RETURNS SETOF chekt.device_outage
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $f$
  DECLARE
    lower_ts timestamptz;
    upper_ts timestamptz;
  BEGIN
    SELECT coalesce(max(x.created_at), '-infinity') INTO lower_ts FROM chekt.device_events x
     WHERE x.app = device_outages_of.app AND x.device_id = device_outages_of.device
       AND x.event_type = 'device.online' AND x.created_at <= device_outages_of.from_ts;
    SELECT coalesce(min(x.created_at), 'infinity') INTO upper_ts FROM chekt.device_events x
     WHERE x.app = device_outages_of.app AND x.device_id = device_outages_of.device
       AND x.event_type = 'device.online' AND x.created_at >= device_outages_of.to_ts;
    RETURN QUERY
    SELECT * FROM chekt.device_outages_within(device_outages_of.app, device_outages_of.device,
                                              device_outages_of.from_ts, device_outages_of.to_ts, lower_ts, upper_ts);
  END
  $f$;

  -- as in 0.12.0, device by device
  CREATE OR REPLACE FUNCTION chekt.device_outages_between(device text, from_ts timestamptz, to_ts timestamptz, app text DEFAULT NULL)
  RETURNS SETOF chekt.device_outage
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $f$
  DECLARE
    d record;
  BEGIN
    FOR d IN SELECT DISTINCT m.app, m.device_id FROM chekt.device_months m
              WHERE (device_outages_between.device IS NULL OR m.device_id = device_outages_between.device)
                AND (device_outages_between.app IS NULL OR m.app = device_outages_between.app)
              ORDER BY m.app, m.device_id LOOP
      RETURN QUERY
      SELECT * FROM chekt.device_outages_of(d.app, d.device_id, device_outages_between.from_ts,
                                            device_outages_between.to_ts);
    END LOOP;
  END
  $f$;

  -- as in 0.14.0, the outages' gaps and the onlines' gaps asked apart
  CREATE OR REPLACE FUNCTION chekt.device_gaps_of(app text, device text, from_day date, to_day date)
  RETURNS TABLE (site_id text, day date, kind text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $f$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    SELECT k.site_id, k.day, k.kind
      FROM chekt.device_outages_of(device_gaps_of.app, device_gaps_of.device,
                                   chekt.utc_midnight(device_gaps_of.from_day) - interval '1 microsecond',
                                   chekt.utc_midnight(device_gaps_of.to_day) + interval '1 day') AS o
     CROSS JOIN LATERAL (VALUES (o.site_id, (o.offline_at AT TIME ZONE 'UTC')::date, 'outage_end_inferred'::text,
                                 o.ended_by = 'seen_again'),
                                (o.site_id, (o.online_at AT TIME ZONE 'UTC')::date, 'downtime_disagrees',
                                 NOT o.start_known)) AS k (site_id, day, kind, hit)
     WHERE k.hit AND k.day BETWEEN device_gaps_of.from_day AND device_gaps_of.to_day;
    RETURN QUERY
    SELECT x.site_id::text, (x.created_at AT TIME ZONE 'UTC')::date, 'device_offline_missing'::text
      FROM (SELECT coalesce((SELECT max(e.created_at) FROM chekt.device_events e
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
       AND x.previous_at < x.created_at
       AND x.created_at >= chekt.utc_midnight(device_gaps_of.from_day)
       AND (x.created_at AT TIME ZONE 'UTC')::date BETWEEN device_gaps_of.from_day AND device_gaps_of.to_day;
  END
  $f$;

  -- as in 0.6.0, the latest events fenced (OFFSET 0): brought to the
  -- coordinator, which asks for each offline device's ongoing outage,
  -- instead of Citus pushing that question into the shards' query
  CREATE OR REPLACE VIEW chekt.device_status WITH (security_invoker = true) AS
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
                    e.downtime_seconds NULLS FIRST, e.event_id DESC
          OFFSET 0) AS l;

  -- as in 0.15.0 (0.14.0's view over the trail), the devices and the
  -- partitions fenced alike; and the gaps found apart from the quarantine,
  -- which a query of distributed tables cannot read: Citus would read
  -- chekt_private.rejected as the analyst, without the view's rights
  -- ("permission denied for schema chekt_private")
  CREATE OR REPLACE FUNCTION chekt.delivery_gaps_found()
  RETURNS TABLE (app text, site_id text, day date, kind text, reason text, occurrences bigint, example_id text)
  LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
  SET search_path = pg_catalog, pg_temp
  AS $f$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    WITH alarm_gap AS (
      SELECT a.app, NULL::text AS site_id,
             (a.first_at AT TIME ZONE 'UTC')::date AS day,
             'alarm_created_missing'::text AS kind, a.alarm_id::text AS example
        FROM (SELECT f.app, f.alarm_id, min(f.created_at) AS first_at
                FROM chekt.alarm_trail f
               WHERE f.event_type LIKE 'alarm.%'
               GROUP BY f.app, f.alarm_id
              HAVING NOT bool_or(f.event_type = 'alarm.created')) AS a
      UNION ALL
      SELECT c.app, c.site_id::text, (c.created_at AT TIME ZONE 'UTC')::date,
             'alarm_acknowledgement_missing', c.alarm_id::text
        FROM chekt.alarm_trail c
       WHERE c.event_type = 'alarm.created'
         AND EXISTS (SELECT FROM chekt.alarm_trail f
                      WHERE f.alarm_id = c.alarm_id AND f.app = c.app AND f.event_type = 'alarm.resolved')
         AND NOT EXISTS (SELECT FROM chekt.alarm_trail f
                          WHERE f.alarm_id = c.alarm_id AND f.app = c.app
                            AND (f.event_type = 'alarm.acknowledged'
                                 OR (f.event_type = 'alarm.created' AND (f.created_at, f.event_id) < (c.created_at, c.event_id))))
      UNION ALL
      SELECT a.app, NULL, (a.resolved_at AT TIME ZONE 'UTC')::date,
             'alarm_acknowledgement_missing', a.alarm_id::text
        FROM (SELECT f.app, f.alarm_id, min(f.created_at) FILTER (WHERE f.event_type = 'alarm.resolved') AS resolved_at
                FROM chekt.alarm_trail f
               WHERE f.event_type LIKE 'alarm.%'
               GROUP BY f.app, f.alarm_id
              HAVING NOT bool_or(f.event_type IN ('alarm.created', 'alarm.acknowledged'))) AS a
       WHERE a.resolved_at IS NOT NULL
    ), device_gap AS (
      SELECT d.app, d.site_id::text AS site_id, g.day, g.kind, d.device_id::text AS example
        FROM (SELECT DISTINCT e.app, e.site_id, e.device_id FROM chekt.device_events e OFFSET 0) AS d
       CROSS JOIN LATERAL chekt.device_gaps_of(d.app, d.device_id, '-infinity', 'infinity') AS g
       WHERE g.site_id IS NOT DISTINCT FROM d.site_id
    ), partition_gap AS (
      SELECT p.app, p.site_id::text, (g.ended_at AT TIME ZONE 'UTC')::date,
             CASE g.state WHEN 'armed' THEN 'partition_disarm_missing' ELSE 'partition_arm_missing' END,
             p.partition_id::text
        FROM (SELECT DISTINCT e.app, e.site_id, e.partition_id FROM chekt.partition_events e OFFSET 0) AS p
       CROSS JOIN LATERAL chekt.partition_periods_of(p.app, p.partition_id, '-infinity', 'infinity') AS g
       WHERE NOT g.end_known AND g.site_id IS NOT DISTINCT FROM p.site_id
    ), gap AS (
      SELECT * FROM alarm_gap
      UNION ALL SELECT * FROM device_gap
      UNION ALL SELECT * FROM partition_gap
    )
    SELECT g.app, g.site_id, g.day, g.kind, NULL::text AS reason, count(*) AS occurrences, min(g.example) AS example_id
      FROM gap g
     GROUP BY g.app, g.site_id, g.day, g.kind;
  END
  $f$;
  COMMENT ON FUNCTION chekt.delivery_gaps_found() IS
    'the rows of chekt.delivery_gaps but the quarantined ones, found over the distributed tables: the view reads them here on Citus (chekt.distribute())';
  ALTER EXTENSION chekt_events ADD FUNCTION chekt.delivery_gaps_found();
  CREATE OR REPLACE VIEW chekt.delivery_gaps WITH (security_invoker = true) AS
  SELECT f.app, f.site_id COLLATE "C", f.day, f.kind, f.reason, f.occurrences, f.example_id COLLATE "C"
    FROM chekt.delivery_gaps_found() AS f
  UNION ALL
  SELECT q.app, NULL, q.day, 'quarantined', q.reason, q.deliveries, q.example_rejected_id::text
    FROM chekt.quarantine_daily q;

  -- as in 0.6.0, the lifecycles fenced (OFFSET 0): Citus answers them as a
  -- query of their own, then counts them by site and day on the coordinator
  -- ("complex joins are only supported when all distributed tables are
  -- co-located and joined on their distribution columns").  Citus takes the
  -- view's filter only outside the fence, where a single node would lose its
  -- pruning of the lifecycle's branch without an alarm.created (3.4 times
  -- as long): a form for Citus only.
  CREATE OR REPLACE VIEW chekt.site_daily_summary WITH (security_invoker = true) AS
  WITH alarm_day AS (
    SELECT app, site_id, (created_at AT TIME ZONE 'UTC')::date AS day,
           count(*) AS alarms,
           count(resolved_at) AS resolved_alarms,
           count(*) FILTER (WHERE is_false_positive) AS false_positives,
           avg(time_to_acknowledge_s) AS mean_time_to_acknowledge_s
      FROM (SELECT * FROM chekt.alarm_lifecycle OFFSET 0) AS l
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

  -- custom plans: Citus plans a query once its parameters are bound
  ALTER FUNCTION chekt.device_downtime(text, timestamptz, timestamptz, text) RESET plan_cache_mode;
  ALTER FUNCTION chekt.site_delivery_gaps(text, date, date, text) RESET plan_cache_mode;
END
$forms$;
COMMENT ON FUNCTION chekt_private.use_citus_forms() IS
  'replaces the questions that Citus cannot plan as they are written for a single node by forms it can, with the same answers: run by chekt.distribute()';
REVOKE ALL ON FUNCTION chekt_private.use_citus_forms() FROM PUBLIC;

-- Where each table goes on a Citus cluster: distributed by a column
-- (co-located with the group's first table), or a reference table
-- (distribution_column NULL); every other table stays on the coordinator.
-- In the order chekt.distribute() places them.
CREATE FUNCTION chekt_private.citus_layout()
RETURNS TABLE (ordinal integer, table_name regclass, distribution_column text, colocate_with regclass)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.ordinal, t.table_name::regclass, t.distribution_column, t.colocate_with::regclass
    FROM (VALUES
      (1, 'chekt.alarm_trail', 'alarm_id', NULL),
      (2, 'chekt.alarm_events', 'alarm_id', 'chekt.alarm_trail'),
      (3, 'chekt.verification_events', 'alarm_id', 'chekt.alarm_trail'),
      (4, 'chekt.device_events', 'device_id', NULL),
      (5, 'chekt.device_months', 'device_id', 'chekt.device_events'),
      (6, 'chekt.snapshot_events', 'snapshot_id', NULL),
      (7, 'chekt.relay_events', 'relay_id', NULL),
      (8, 'chekt.partition_events', 'partition_id', NULL),
      (9, 'chekt_private.analysts', NULL, NULL))
      AS t (ordinal, table_name, distribution_column, colocate_with)
$$;
COMMENT ON FUNCTION chekt_private.citus_layout() IS
  'where chekt.distribute() puts each table on a Citus cluster: distributed by distribution_column (co-located with colocate_with), or a reference table when it is NULL; tables not listed stay on the coordinator';
REVOKE ALL ON FUNCTION chekt_private.citus_layout() FROM PUBLIC;

-- Run once on the Citus coordinator, right after CREATE EXTENSION.
CREATE FUNCTION chekt.distribute(shard_count integer DEFAULT 8)
RETURNS TABLE (table_name regclass, distribution_column text, colocate_with regclass, shards integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
  stored bigint;
  already text;
  coordinator boolean;
BEGIN
  IF distribute.shard_count IS NULL OR distribute.shard_count NOT BETWEEN 1 AND 1024 THEN
    RAISE EXCEPTION 'shard_count must be between 1 and 1024'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('shard_count is %s.', coalesce(distribute.shard_count::text, 'NULL')),
            HINT = 'Leave it out for the measured default (docs/scale-out.md), or give a number of shards per table.';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    RAISE EXCEPTION 'Citus is not installed in this database'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'chekt.distribute() spreads the family tables over the workers of a Citus cluster.',
            HINT = 'Run CREATE EXTENSION citus on the coordinator and on every worker, add the workers with citus_add_node(), then run chekt.distribute() again.';
  END IF;
  -- (called by name: the function exists only with Citus)
  EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
  IF NOT coordinator THEN
    RAISE EXCEPTION 'chekt.distribute() must run on the Citus coordinator'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'This node is not the coordinator of its Citus cluster.',
            HINT = 'Connect to the coordinator (see citus_get_active_worker_nodes() and pg_dist_node), or make this node it with citus_set_coordinator_host().';
  END IF;
  SELECT string_agg(l.table_name::text, ', ' ORDER BY l.ordinal) INTO already
    FROM chekt_private.citus_layout() l
   WHERE EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = l.table_name);
  IF already IS NOT NULL THEN
    RAISE EXCEPTION 'chekt_events is already distributed'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Citus already holds %s.', already),
            HINT = 'chekt.distribute() runs once; the tables stay distributed (see chekt_private.citus_layout()).';
  END IF;
  -- Citus would move the family rows to the shards, but not the index
  -- ingest and the questions keep beside them in step: a history is
  -- loaded again, through the inbox, once distributed
  SELECT count(*) INTO stored FROM (SELECT FROM chekt_private.events LIMIT 1) e;
  IF stored = 0 THEN
    FOR t IN SELECT l.table_name FROM chekt_private.citus_layout() l
              WHERE l.distribution_column IS NOT NULL LOOP
      EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT 1) r', t.table_name) INTO stored;
      EXIT WHEN stored > 0;
    END LOOP;
  END IF;
  IF stored > 0 THEN
    RAISE EXCEPTION 'chekt_events already holds events'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'chekt.distribute() distributes an installation before its first event.',
            HINT = 'Run chekt.distribute() right after CREATE EXTENSION chekt_events; to move a history, distribute a new database and deliver the history to its chekt_private.inbox (COPY).';
  END IF;

  -- the questions as Citus can plan them, before any table is Citus's
  -- (Citus takes no function's DDL after its parallel work in a transaction)
  PERFORM chekt_private.use_citus_forms();

  -- Citus refuses a policy with a subquery on a distributed table: the
  -- apps are asked per row, which costs a comparison (analyst_scope.c)
  FOR t IN SELECT l.table_name FROM chekt_private.citus_layout() l
            WHERE l.distribution_column IS NOT NULL LOOP
    EXECUTE format('DROP POLICY analyst_apps ON %s', t.table_name);
    EXECUTE format('CREATE POLICY analyst_apps ON %s USING (coalesce(app = ANY (chekt.visible_apps()), true))',
                   t.table_name);
  END LOOP;
  -- Citus refuses a trigger on a reference table; the scope is then read
  -- for every command instead of kept (analyst_scope.c)
  DROP TRIGGER analysts_changed ON chekt_private.analysts;

  FOR t IN SELECT * FROM chekt_private.citus_layout() l ORDER BY l.ordinal LOOP
    IF t.distribution_column IS NULL THEN
      PERFORM pg_catalog.create_reference_table(t.table_name);
    ELSE
      PERFORM pg_catalog.create_distributed_table(t.table_name, t.distribution_column,
                colocate_with => coalesce(t.colocate_with::text, 'none'),
                shard_count => CASE WHEN t.colocate_with IS NULL THEN distribute.shard_count END);
    END IF;
    table_name := t.table_name;
    distribution_column := t.distribution_column;
    colocate_with := t.colocate_with;
    SELECT count(*)::integer INTO shards FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = t.table_name;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION chekt.distribute(integer) IS
  'run once on a Citus coordinator right after CREATE EXTENSION: distributes the family tables, the trail and the device months over the workers in shard_count shards each (chekt_private.citus_layout()), makes the analysts a reference table, and keeps the inbox, the quarantine, the events, the secrets and the catalog on the coordinator';
REVOKE ALL ON FUNCTION chekt.distribute(integer) FROM PUBLIC;
