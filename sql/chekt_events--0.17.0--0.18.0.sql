-- chekt_events 0.17.0 -> 0.18.0: an alarm's events indexed once, by alarm
--
-- Ingest over monthly partitions kept 82-83% of the unpartitioned 0.8.0's
-- rate against the PL/pgSQL pipeline (issue 13, contract 5 asks 90%).
-- Timed phase by phase, what 0.17.0 adds is mostly the trail and the ids;
-- of the trail, most is its index.  Each event linked to an alarm paid two
-- btree entries that serve its alarm:
--
-- - chekt.alarm_trail_alarm_idx, (alarm_id, app, event_type, created_at,
--   event_id): one entry per event, 239 MB for the 2M events of the
--   benchmark.  On (alarm_id, app), btree deduplication keeps one entry
--   per alarm and page: 26 MB.  An alarm's questions read its few rows
--   from the heap and sort them: the timeline, a site's lifecycles and a
--   site's gaps took the same time or less on the benchmark; every
--   lifecycle at once, 0.8.0's time instead of 0.8 of it.  The app stays
--   in the key so that one app's events never lengthen another's lookups.
-- - the month key of alarm_events, snapshot_events, verification_events
--   and relay_events: no function or view reads them (the trail holds the
--   same rows, by alarm), and pg_stat_user_indexes counted no scan of them
--   after every question of bench/queries.  The event's identity is its
--   row of chekt_private.events, keyed (app, event_id, created_at) in its
--   month; ingest writes each family row once, after that row.
--
-- The device and partition families keep their keys: their questions read
-- those months.  relay_events' alarm_id_idx stays (0.16.0 says why).
-- docs/decisions.md, "An alarm's events indexed once (0.18.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.18.0'" to load this file. \quit

-- the months made from now on
CREATE OR REPLACE FUNCTION chekt_private.month_indexes()
RETURNS TABLE (parent regclass, suffix text, is_key boolean, definition text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.parent::regclass, t.suffix, t.is_key, t.definition
    FROM (VALUES
      ('chekt_private.events', 'pkey', true, '(app, event_id, created_at)'),
      ('chekt.device_events', 'pkey', true, '(device_id, app, event_id, created_at)'),
      ('chekt.device_events', 'device_time_idx', false, '(app, device_id, created_at)'),
      ('chekt.device_events', 'site_idx', false, '(app, site_id, device_id)'),
      ('chekt.partition_events', 'pkey', true, '(partition_id, app, event_id, created_at)'),
      ('chekt.partition_events', 'partition_time_idx', false, '(app, partition_id, created_at)'),
      ('chekt.partition_events', 'site_idx', false, '(app, site_id, partition_id)'),
      ('chekt.relay_events', 'alarm_id_idx', false, '(alarm_id, app) WHERE alarm_id IS NOT NULL'))
      AS t (parent, suffix, is_key, definition)
$$;

-- the months made so far, and the trail.  The four families and the trail
-- ACCESS EXCLUSIVE (LOCK TABLE takes the months too) until the update
-- commits: dropping a key is moments, the trail's new index is built while
-- ingest of alarms waits (0.6 s for 1.7M rows of the trail on the
-- benchmark's machine; README, "Upgrading to 0.18.0").  One try of
-- chekt_private.lock_briefly() takes them all or lets go of all, so
-- ingest and questions wait for no more than a try while the update waits
-- for a query holding one of them.
SELECT chekt_private.lock_briefly(
  'chekt.alarm_events, chekt.snapshot_events, chekt.verification_events, chekt.relay_events, chekt.alarm_trail',
  'ACCESS EXCLUSIVE', 'to update chekt_events to 0.18.0',
  'A query reads one of the alarms'' tables or chekt.alarm_trail, or ingest writes a long COPY; run ALTER EXTENSION chekt_events UPDATE again when it has ended.');
DO $$
DECLARE
  dropped record;
BEGIN
  -- by name, as chekt_private.index_month() made them (a key the owner
  -- dropped already is not missed)
  FOR dropped IN
    SELECT format('%I.%I', n.nspname, c.relname) AS month, k.conname
      FROM pg_catalog.pg_inherits h
      JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
     WHERE h.inhparent IN ('chekt.alarm_events'::regclass, 'chekt.snapshot_events'::regclass,
                           'chekt.verification_events'::regclass, 'chekt.relay_events'::regclass)
       AND k.conname = c.relname || '_pkey'
     ORDER BY 1
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', dropped.month, dropped.conname);
  END LOOP;
END
$$;

-- (under the lock no reader sees the trail without it; one the owner
-- dropped already is not missed)
DROP INDEX IF EXISTS chekt.alarm_trail_alarm_idx;
CREATE INDEX alarm_trail_alarm_idx ON chekt.alarm_trail (alarm_id, app);
