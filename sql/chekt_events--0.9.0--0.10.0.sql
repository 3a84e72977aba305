-- chekt_events 0.9.0 -> 0.10.0: keys and indexes per month, so that a dump
-- restores
--
-- In 0.9.0 the seven partitioned tables carried partitioned indexes.  The
-- tables are the extension's, so on restore they exist, with those indexes,
-- before pg_dump's months are attached: attaching made each month's
-- indexes, and the dump's own ADD CONSTRAINT ..._pkey and CREATE INDEX for
-- the month then failed, 14 errors a month.  Now the tables have no index;
-- chekt_private.create_month() gives each month its key and indexes
-- (chekt_private.month_indexes() names them), which pg_dump writes and
-- restores like those of any table.  The key of a month holds created_at,
-- so the months' keys together are the key a partitioned index gave.
-- docs/decisions.md, "Keys per month (0.10.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.10.0'" to load this file. \quit

-- in the order ingest takes them (the inbox first), so that a batch being
-- written waits for the update instead of deadlocking with it
LOCK TABLE chekt_private.inbox, chekt_private.events, chekt.alarm_events, chekt.device_events,
           chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
           chekt.relay_events IN ACCESS EXCLUSIVE MODE;

-- The key and indexes every month of a table has, as 0.9.0's partitioned
-- indexes had them; a month's are named <month>_<suffix>
CREATE FUNCTION chekt_private.month_indexes()
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
      ('chekt.partition_events', 'site_idx', false, '(app, site_id, partition_id)'),
      ('chekt.relay_events', 'pkey', true, '(relay_id, app, event_id, created_at)'),
      ('chekt.relay_events', 'alarm_id_idx', false, '(alarm_id, app) WHERE alarm_id IS NOT NULL'))
      AS t (parent, suffix, is_key, definition)
$$;
COMMENT ON FUNCTION chekt_private.month_indexes() IS
  'the primary key (is_key) and indexes chekt_private.create_month() gives each month of a partitioned table, named <month>_<suffix>; definition follows ON <month> (USING btree)';
REVOKE ALL ON FUNCTION chekt_private.month_indexes() FROM PUBLIC;

-- Gives a month made by CREATE TABLE ... LIKE the key and indexes of its table
CREATE FUNCTION chekt_private.index_month(parent regclass, leaf text)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  i record;
BEGIN
  FOR i IN SELECT * FROM chekt_private.month_indexes() m WHERE m.parent = index_month.parent ORDER BY m.suffix LOOP
    IF i.is_key THEN
      EXECUTE format('ALTER TABLE chekt_private.%I ADD CONSTRAINT %I PRIMARY KEY %s',
                     leaf, leaf || '_' || i.suffix, i.definition);
    ELSE
      EXECUTE format('CREATE INDEX %I ON chekt_private.%I USING btree %s',
                     leaf || '_' || i.suffix, leaf, i.definition);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION chekt_private.index_month(regclass, text) IS
  'gives chekt_private.<leaf>, a month of parent not yet attached, the key and indexes chekt_private.month_indexes() names';
REVOKE ALL ON FUNCTION chekt_private.index_month(regclass, text) FROM PUBLIC;

-- The months already made: their indexes named as create_month() names
-- them, detached from the tables' indexes (by detaching the months, which
-- keeps each month's indexes), the tables' indexes dropped, the months
-- attached again (a scan of each to check its bounds; no index is built).
-- An index of a table that month_indexes() does not name (one a user
-- added) stops the update before anything is dropped.
DO $$
DECLARE
  t record;
  x record;
  months text[];
  bounds text[];
  k integer;
BEGIN
  FOR t IN SELECT p.*, c.relname FROM chekt_private.partitioned_tables() p
             JOIN pg_catalog.pg_class c ON c.oid = p.parent ORDER BY p.ordinal LOOP
    FOR x IN
      SELECT format('%I.%I', ic.relnamespace::regnamespace, ic.relname) AS index,
             format('%I.%I', tc.relnamespace::regnamespace, tc.relname) AS tab
        FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
       WHERE i.indrelid = t.parent
         AND NOT EXISTS (SELECT FROM chekt_private.month_indexes() mi
                          WHERE mi.parent = t.parent
                            AND ic.relname = t.relname || '_' || mi.suffix)
    LOOP
      RAISE EXCEPTION 'index % of % is not one 0.10.0 gives a month', x.index, x.tab
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'The partitioned tables lose their indexes in 0.10.0; each month gets those chekt_private.month_indexes() names.',
              HINT = 'Drop the index you added, update, then create it on each month (chekt_private.<table>_pYYYYMM) if you need it.';
    END LOOP;
  END LOOP;

  FOR t IN SELECT p.*, c.relname FROM chekt_private.partitioned_tables() p
             JOIN pg_catalog.pg_class c ON c.oid = p.parent ORDER BY p.ordinal LOOP
    -- each month's index attached to one of the table's: <month>_<suffix>
    FOR x IN
      SELECT n.child_index, n.name
        FROM (SELECT ci.oid::regclass AS child_index, ci.relname AS child_name,
                     c.relname || '_' || substring(pi.relname FROM length(t.relname) + 2) AS name
                FROM pg_catalog.pg_index ii
                JOIN pg_catalog.pg_class pi ON pi.oid = ii.indexrelid
                JOIN pg_catalog.pg_inherits h ON h.inhparent = ii.indexrelid
                JOIN pg_catalog.pg_class ci ON ci.oid = h.inhrelid
                JOIN pg_catalog.pg_index cii ON cii.indexrelid = ci.oid
                JOIN pg_catalog.pg_class c ON c.oid = cii.indrelid
               WHERE ii.indrelid = t.parent) AS n
       WHERE n.child_name <> n.name
    LOOP
      EXECUTE format('ALTER INDEX %s RENAME TO %I', x.child_index, x.name);
    END LOOP;
    SELECT coalesce(array_agg(c.relname ORDER BY c.relname), '{}'),
           coalesce(array_agg(pg_catalog.pg_get_expr(c.relpartbound, c.oid) ORDER BY c.relname), '{}')
      INTO months, bounds
      FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
     WHERE h.inhparent = t.parent;
    FOR k IN 1 .. coalesce(array_length(months, 1), 0) LOOP
      EXECUTE format('ALTER TABLE %s DETACH PARTITION chekt_private.%I', t.parent, months[k]);
    END LOOP;
    FOR x IN SELECT con.conname FROM pg_catalog.pg_constraint con
              WHERE con.conrelid = t.parent AND con.contype = 'p' LOOP
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t.parent, x.conname);
    END LOOP;
    FOR x IN SELECT i.indexrelid::regclass AS index FROM pg_catalog.pg_index i WHERE i.indrelid = t.parent LOOP
      EXECUTE format('DROP INDEX %s', x.index);
    END LOOP;
    FOR k IN 1 .. coalesce(array_length(months, 1), 0) LOOP
      EXECUTE format('ALTER TABLE %s ATTACH PARTITION chekt_private.%I %s', t.parent, months[k], bounds[k]);
    END LOOP;
  END LOOP;
END
$$;

-- A month is made with its key and indexes, then attached
CREATE OR REPLACE FUNCTION chekt_private.create_month(month timestamptz, wait interval DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  first timestamptz := date_trunc('month', create_month.month, 'UTC');
  next timestamptz := date_trunc('month', first + interval '32 days', 'UTC');
  t record;
  leaf text;
  created integer := 0;
  deadline timestamptz := clock_timestamp() + create_month.wait;
BEGIN
  FOR t IN SELECT * FROM chekt_private.partitioned_tables() ORDER BY ordinal LOOP
    leaf := chekt_private.partition_name(t.parent, first);
    -- attaching takes SHARE UPDATE EXCLUSIVE on the table: ingest and
    -- readers go on, another attach waits.  Ingest does not wait in the
    -- lock queue (where it could close a cycle with a writer waiting for
    -- one of its rows): it tries until the deadline, then gives up.
    IF create_month.wait IS NULL THEN
      EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', t.parent);
    ELSE
      LOOP
        BEGIN
          EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE NOWAIT', t.parent);
          EXIT;
        EXCEPTION WHEN lock_not_available THEN
          IF clock_timestamp() >= deadline THEN
            RAISE EXCEPTION 'could not lock % within %', t.parent, create_month.wait
              USING ERRCODE = 'lock_not_available',
                    DETAIL = 'Another transaction is creating or dropping partitions.';
          END IF;
          PERFORM pg_catalog.pg_sleep(0.01);
        END;
      END LOOP;
    END IF;
    -- made meanwhile by a transaction that committed (the catalog as it
    -- is now, not as this transaction's snapshot saw it)
    CONTINUE WHEN pg_catalog.to_regclass(format('chekt_private.%I', leaf)) IS NOT NULL;
    EXECUTE format('CREATE TABLE chekt_private.%I (LIKE %s INCLUDING DEFAULTS INCLUDING GENERATED'
                   ' INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)', leaf, t.parent);
    -- its key and indexes its own, not made by attaching (docs/decisions.md)
    PERFORM chekt_private.index_month(t.parent, leaf);
    -- the bounds spelt in ISO 8601 UTC, whatever the session's DateStyle
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION chekt_private.%I FOR VALUES FROM (%L) TO (%L)',
                   t.parent, leaf, to_char(first AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(next AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    EXECUTE format('COMMENT ON TABLE chekt_private.%I IS %L', leaf,
                   format('the events of %s created in %s (UTC); read them through %s',
                          t.parent, to_char(first AT TIME ZONE 'UTC', 'YYYY-MM'), t.parent));
    -- a partition made by an extension script would be a member, left out
    -- by pg_dump with its rows
    IF EXISTS (SELECT FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = format('chekt_private.%I', leaf)::regclass AND d.deptype = 'e') THEN
      EXECUTE format('ALTER EXTENSION chekt_events DROP TABLE chekt_private.%I', leaf);
    END IF;
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
