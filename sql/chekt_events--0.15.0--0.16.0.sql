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

-- the months made so far.  Ingest locks a family, then its month: the two
-- families first (SHARE: no batch writes them meanwhile, readers go on),
-- then their months, each dropped index's table ACCESS EXCLUSIVE until the
-- update commits (a question reading one of those months waits for it;
-- dropping takes moments).  All in one try, each lock waiting 200 ms at
-- most: a try that fails on a month a query holds lets go of the families
-- too, so ingest waits for no more than a try while the update waits for
-- the query.
DO $$
DECLARE
  dropped record;
  months text;
  attempts integer := 0;
  saved_timeout text := current_setting('lock_timeout');
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY c.relname) INTO months
    FROM pg_catalog.pg_inherits h
    JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE h.inhparent IN ('chekt.alarm_events'::regclass, 'chekt.snapshot_events'::regclass);
  IF months IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_catalog.set_config('lock_timeout', '200ms', true);
  LOOP
    BEGIN
      LOCK TABLE chekt.alarm_events, chekt.snapshot_events IN SHARE MODE;
      EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', months);
      EXIT;
    EXCEPTION WHEN lock_not_available THEN
      attempts := attempts + 1;
      IF attempts >= 50 THEN
        RAISE EXCEPTION 'could not lock the event tables to update chekt_events to 0.16.0'
          USING ERRCODE = 'lock_not_available',
                DETAIL = format('%s tries of 200 ms each failed: another transaction holds chekt.alarm_events, chekt.snapshot_events or one of their months.', attempts),
                HINT = 'A query reads a month of chekt.alarm_events or chekt.snapshot_events, or ingest writes a long COPY; run ALTER EXTENSION chekt_events UPDATE again when it has ended.';
      END IF;
      PERFORM pg_catalog.pg_sleep(0.1 + 0.2 * random());
    END;
  END LOOP;
  PERFORM pg_catalog.set_config('lock_timeout', saved_timeout, true);
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
