-- chekt_events 0.10.0 -> 0.11.0: a new event id costs one key probe, not two,
-- and that one less
--
-- Since 0.9.0 ingest looked a delivery's id up in chekt_private.event_ids
-- and then, when it was not there, in the key of the month of its
-- created_at, because an id leaves event_ids after id_window while its
-- event stays: an identical redelivery of an older event is found only in
-- its month.  Nearly every id is new, so that second probe was paid for
-- nothing on nearly every event (issue 13, contract 5).
--
-- chekt_private.event_ids_trimmed now records the latest created_at of any
-- id ever removed from event_ids, kept by triggers on event_ids whoever
-- removes it (chekt.maintain(), chekt.drop_events_before(), or by hand).
-- Every stored event created later has its id in event_ids, so a delivery
-- created later whose id is not there is new: its month is not probed.
-- Ingest reads the record under the snapshot it probes event_ids with, so a
-- trim that commits in between is seen by both or by neither.
-- docs/decisions.md, "One probe per new id (0.11.0)".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.11.0'" to load this file. \quit

-- in the order ingest takes them, so that a batch waits for the update
-- instead of deadlocking with it
LOCK TABLE chekt_private.inbox, chekt_private.events, chekt_private.event_ids IN ACCESS EXCLUSIVE MODE;

-- The id first: within one app every comparison of two keys is decided
-- by the first column then, and an index tuple's second column (after a
-- varlena, found by walking the tuple) is rarely read; an insert and a
-- probe of a new id then cost measurably less (bench/ingest/run.sh: 86% ->
-- 91% of 0.8.0's rate).  The table holds id_window's ids: rebuilt in
-- moments.
ALTER TABLE chekt_private.event_ids
  DROP CONSTRAINT event_ids_pkey,
  ADD CONSTRAINT event_ids_pkey PRIMARY KEY (event_id, app);

CREATE TABLE chekt_private.event_ids_trimmed (
  latest_created_at timestamptz NOT NULL
);
COMMENT ON TABLE chekt_private.event_ids_trimmed IS
  'how far chekt_private.event_ids is known complete: every stored event created after latest_created_at (the greatest row''s) has its id there, so ingest looks a newer id up there only (rows added by triggers on event_ids; without a row ingest looks every id up in its month too)';
COMMENT ON COLUMN chekt_private.event_ids_trimmed.latest_created_at IS
  'the latest created_at of an id ever removed from chekt_private.event_ids (-infinity: none removed); the greatest of the rows counts';

-- The latest created_at of a stored event, NULL if none: the newest month
-- holding any is the only one read (months by their bounds, the newest
-- first; a partition whose bound is not a month's is read too, and never
-- ends the search)
CREATE FUNCTION chekt_private.latest_event_created()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD'
AS $$
DECLARE
  leaf regclass;
  upper timestamptz;
  found timestamptz;
  latest timestamptz;
BEGIN
  FOR leaf, upper IN
    SELECT c.oid::regclass,
           substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'chekt_private.events'::regclass
     ORDER BY 2 DESC NULLS FIRST
  LOOP
    EXECUTE format('SELECT max(e.created_at) FROM %s e', leaf) INTO found;
    latest := greatest(latest, found);
    EXIT WHEN found IS NOT NULL AND upper IS NOT NULL;
  END LOOP;
  RETURN latest;
END
$$;
COMMENT ON FUNCTION chekt_private.latest_event_created() IS
  'the latest created_at of any stored event (NULL: none), reading only the newest month that holds events';
REVOKE ALL ON FUNCTION chekt_private.latest_event_created() FROM PUBLIC;

-- Before this version ids were trimmed with no record of it: every event
-- stored so far counts as possibly trimmed.  New ids are created after the
-- latest of them (within seconds of receipt), so the saving starts at once.
INSERT INTO chekt_private.event_ids_trimmed (latest_created_at)
SELECT coalesce(chekt_private.latest_event_created(), '-infinity');

-- The row CREATE EXTENSION makes is -infinity; a dump keeps any other, which
-- a restore adds beside it (the greatest counts).
SELECT pg_catalog.pg_extension_config_dump('chekt_private.event_ids_trimmed',
                                           'WHERE latest_created_at > ''-infinity''');

-- Raise the record past every id a statement removed from event_ids
CREATE FUNCTION chekt_private.event_ids_removed()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  latest timestamptz;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- every id is gone: every stored event may be one of them
    latest := chekt_private.latest_event_created();
  ELSE
    SELECT max(g.created_at) INTO latest FROM removed g;
  END IF;
  -- A row added, never one updated: two trimming transactions then never
  -- wait for each other (drop_events_before() waits 200 ms at most); the
  -- rows it supersedes go, those no other transaction is removing.  With no
  -- row at all nothing is known (ingest probes every month), and stays so.
  IF latest > (SELECT max(t.latest_created_at) FROM chekt_private.event_ids_trimmed t) THEN
    INSERT INTO chekt_private.event_ids_trimmed (latest_created_at) VALUES (latest);
    DELETE FROM chekt_private.event_ids_trimmed t
     WHERE t.ctid = ANY (ARRAY(SELECT o.ctid FROM chekt_private.event_ids_trimmed o
                                WHERE o.latest_created_at < latest FOR UPDATE SKIP LOCKED));
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION chekt_private.event_ids_removed() IS
  'trigger on chekt_private.event_ids: records in chekt_private.event_ids_trimmed the latest created_at of the ids a statement removed (or, on TRUNCATE, of every stored event)';
REVOKE ALL ON FUNCTION chekt_private.event_ids_removed() FROM PUBLIC;

CREATE TRIGGER event_ids_deleted AFTER DELETE ON chekt_private.event_ids
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION chekt_private.event_ids_removed();
CREATE TRIGGER event_ids_updated AFTER UPDATE ON chekt_private.event_ids
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION chekt_private.event_ids_removed();
CREATE TRIGGER event_ids_truncated AFTER TRUNCATE ON chekt_private.event_ids
  FOR EACH STATEMENT EXECUTE FUNCTION chekt_private.event_ids_removed();
-- fired by a logical replication subscriber (session_replication_role
-- replica) too, which applies the publisher's trims
ALTER TABLE chekt_private.event_ids ENABLE ALWAYS TRIGGER event_ids_deleted;
ALTER TABLE chekt_private.event_ids ENABLE ALWAYS TRIGGER event_ids_updated;
ALTER TABLE chekt_private.event_ids ENABLE ALWAYS TRIGGER event_ids_truncated;
