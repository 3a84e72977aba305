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
-- - chekt.alarm_lifecycle lists the alarms without an alarm.created by
--   (app, alarm_id), the order of its other branch: Citus pushes the union
--   down to the shards only then (it failed with "complex joins are only
--   supported when all distributed tables are co-located and joined on
--   their distribution columns").  The rows are the same.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.19.0'" to load this file. \quit

-- as in 0.15.0 (0.13.0's view over the trail), the second branch's
-- DISTINCT in the order of the first branch's columns
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
        SELECT x.app, x.alarm_id, NULL, NULL, NULL, NULL, NULL, NULL
          FROM (-- the alarm family's types are alarm.* (sql/catalog_hygiene.sql)
                SELECT DISTINCT f.app, f.alarm_id FROM chekt.alarm_trail f
                 WHERE f.event_type LIKE 'alarm.%') AS x
         WHERE NOT EXISTS (SELECT FROM chekt.alarm_trail e
                            WHERE e.alarm_id = x.alarm_id AND e.app = x.app
                              AND e.event_type = 'alarm.created')) AS a
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
