-- chekt_events 0.15.0 -> 0.16.0: the months lose the indexes no question
-- reads since the alarms' questions read chekt.alarm_trail
--
-- Ingest over monthly partitions kept 77-78% of the unpartitioned 0.8.0's
-- rate against the PL/pgSQL pipeline (issue 13, contract 5 asks 90%), and
-- the trail's own index was most of what 0.13.0-0.15.0 added.  Four
-- indexes of each month served questions that have read the trail since
-- 0.13.0 (the lifecycle, a site's alarms) and 0.15.0 (the timeline): no
-- function or view of the extension reads them, and ingest paid an index
-- entry for each of them on every alarm.created, snapshot and relay:
--
-- - alarm_events' created_at_idx and created_site_idx (the alarms created,
--   by time and by site: now alarm_trail_site_idx and the lifecycle);
-- - snapshot_events' and relay_events' alarm_id_idx (an alarm's snapshots
--   and relays: now alarm_trail_alarm_idx and the timeline).
--
-- The families' keys stay: an event's identity in its month, and the
-- replica identity a logical replication of the months needs.
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
      ('chekt.relay_events', 'pkey', true, '(relay_id, app, event_id, created_at)'))
      AS t (parent, suffix, is_key, definition)
$$;

-- the months made so far.  Ingest locks a family, then its month: the
-- families first (SHARE: no batch writes them meanwhile, readers go on),
-- then the months, each dropped index's table ACCESS EXCLUSIVE until the
-- update commits (a question reading one of those months waits for it;
-- dropping takes moments)
SELECT chekt_private.lock_briefly(
  'chekt.alarm_events, chekt.snapshot_events, chekt.relay_events',
  'SHARE', 'to update chekt_events to 0.16.0',
  'Ingest holds them while it writes a batch, a COPY for as long as it runs; run ALTER EXTENSION chekt_events UPDATE again when it is quieter.');
DO $$
DECLARE
  dropped record;
  months text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY c.relname) INTO months
    FROM pg_catalog.pg_inherits h
    JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE h.inhparent IN ('chekt.alarm_events'::regclass, 'chekt.snapshot_events'::regclass,
                         'chekt.relay_events'::regclass);
  IF months IS NULL THEN
    RETURN;
  END IF;
  PERFORM chekt_private.lock_briefly(
    months, 'ACCESS EXCLUSIVE', 'to update chekt_events to 0.16.0',
    'A query reads a month of chekt.alarm_events, chekt.snapshot_events or chekt.relay_events; run ALTER EXTENSION chekt_events UPDATE again when it has ended.');
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
        OR (h.inhparent IN ('chekt.snapshot_events'::regclass, 'chekt.relay_events'::regclass)
            AND i.relname = c.relname || '_alarm_id_idx')
     ORDER BY 1
  LOOP
    EXECUTE 'DROP INDEX ' || dropped.name;
  END LOOP;
END
$$;
