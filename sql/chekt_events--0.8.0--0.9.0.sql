-- chekt_events 0.8.0 -> 0.9.0: years of history in monthly partitions
--
-- chekt_private.events and the six family tables become range partitioned
-- by the UTC month of created_at, their keys extended by it; the rows move
-- into their months.  Retention is then a partition drop
-- (chekt.drop_events_before()), not a DELETE that writes as much WAL as it
-- removes and gives no disk back.  Dedupe per app and event id no longer
-- has one index over all events: chekt_private.event_ids, unpartitioned,
-- holds the ids received within a window (7 days by default, CHeKT retries
-- for 24 hours) and decides between racing writers; an identical delivery
-- however old lands on its own month, where its key is found.
-- docs/decisions.md, "Monthly partitions (0.9.0)".
--
-- The partitions (chekt_private.<table>_pYYYYMM) are not members of the
-- extension: pg_dump dumps them, their rows and their attachment like any
-- table, and CREATE EXTENSION on restore creates none.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.9.0'" to load this file. \quit

-- in the order ingest takes them (the inbox first), so that a batch being
-- written waits for the update instead of deadlocking with it
LOCK TABLE chekt_private.inbox, chekt_private.events, chekt.alarm_events, chekt.device_events,
           chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
           chekt.relay_events IN ACCESS EXCLUSIVE MODE;

-- The storage policy: one row per setting changed from its default
CREATE TABLE chekt_private.storage_policy (
  setting  text PRIMARY KEY
           CONSTRAINT storage_policy_setting_known
           CHECK (setting IN ('retention', 'months_ahead', 'max_future', 'id_window',
                              'quarantine_retention', 'kept_from')),
  value    text NOT NULL,
  set_at   timestamptz NOT NULL DEFAULT now()
);
SELECT pg_catalog.pg_extension_config_dump('chekt_private.storage_policy', '');
COMMENT ON TABLE chekt_private.storage_policy IS
  'the storage policy: settings changed from their defaults (chekt.storage_policy() shows all, chekt.set_storage_policy() changes one)';
COMMENT ON COLUMN chekt_private.storage_policy.setting IS 'the setting''s name (chekt.storage_policy() describes each)';
COMMENT ON COLUMN chekt_private.storage_policy.value IS 'its value as text, checked when set';
COMMENT ON COLUMN chekt_private.storage_policy.set_at IS 'when it was last set';

-- ingest keeps the policy it read for a transaction; a change makes every
-- backend forget it (the relcache invalidation chekt.analysts_changed()
-- sends for chekt_private.analysts)
CREATE FUNCTION chekt_private.storage_policy_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'chekt_analysts_changed'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION chekt_private.storage_policy_changed() IS
  'AFTER STATEMENT trigger on chekt_private.storage_policy: makes every backend forget the policy ingest keeps';
REVOKE ALL ON FUNCTION chekt_private.storage_policy_changed() FROM PUBLIC;
CREATE TRIGGER storage_policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chekt_private.storage_policy
  FOR EACH STATEMENT EXECUTE FUNCTION chekt_private.storage_policy_changed();
ALTER TABLE chekt_private.storage_policy ENABLE ALWAYS TRIGGER storage_policy_changed;
COMMENT ON TRIGGER storage_policy_changed ON chekt_private.storage_policy IS
  'makes every backend forget the storage policy it keeps when the rows change';

CREATE FUNCTION chekt_private.effective_policy(
  OUT retention interval, OUT months_ahead integer, OUT max_future interval,
  OUT id_window interval, OUT quarantine_retention interval, OUT kept_from timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (max(p.value) FILTER (WHERE p.setting = 'retention'))::interval,
         coalesce((max(p.value) FILTER (WHERE p.setting = 'months_ahead'))::integer, 3),
         coalesce((max(p.value) FILTER (WHERE p.setting = 'max_future'))::interval, interval '7 days'),
         coalesce((max(p.value) FILTER (WHERE p.setting = 'id_window'))::interval, interval '7 days'),
         (max(p.value) FILTER (WHERE p.setting = 'quarantine_retention'))::interval,
         (max(p.value) FILTER (WHERE p.setting = 'kept_from'))::timestamptz
    FROM chekt_private.storage_policy p
$$;
COMMENT ON FUNCTION chekt_private.effective_policy() IS
  'the storage policy in force, defaults filled in: the one place the defaults are written';
REVOKE ALL ON FUNCTION chekt_private.effective_policy() FROM PUBLIC;

CREATE FUNCTION chekt.storage_policy()
RETURNS TABLE (setting text, value text, is_default boolean, description text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT s.setting, s.value, NOT EXISTS (SELECT FROM chekt_private.storage_policy p WHERE p.setting = s.setting),
         s.description
    FROM chekt_private.effective_policy() e,
         LATERAL (VALUES
           (1, 'retention', e.retention::text,
            'how long events are kept: chekt.maintain() drops every whole month older than now() minus it; NULL keeps every month'),
           (2, 'months_ahead', e.months_ahead::text,
            'how many months after the current one chekt.maintain() creates partitions for'),
           (3, 'max_future', e.max_future::text,
            'an event created more than this after its receipt is quarantined as out_of_range'),
           (4, 'id_window', e.id_window::text,
            'how long an event id stays in chekt_private.event_ids after its first receipt, where a redelivery with another created_at is found as id_conflict (CHeKT retries for 24 hours)'),
           (5, 'quarantine_retention', e.quarantine_retention::text,
            'how long chekt.maintain() keeps quarantined deliveries (chekt.purge_rejected()); NULL keeps them'),
           (6, 'kept_from', to_char(e.kept_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'events created before this are quarantined as out_of_range: chekt.drop_events_before() dropped their months')
         ) AS s (n, setting, value, description)
   ORDER BY s.n
$$;
COMMENT ON FUNCTION chekt.storage_policy() IS
  'every setting of the storage policy: its value in force, whether it is the default, and what it does';
REVOKE ALL ON FUNCTION chekt.storage_policy() FROM PUBLIC;

CREATE FUNCTION chekt.set_storage_policy(setting text, value text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  normalized text;
  span interval;
BEGIN
  IF NOT EXISTS (SELECT FROM chekt.storage_policy() s WHERE s.setting = set_storage_policy.setting) THEN
    RAISE EXCEPTION 'unknown storage policy setting "%"', set_storage_policy.setting
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'SELECT setting FROM chekt.storage_policy() lists them.';
  END IF;
  IF set_storage_policy.value IS NULL THEN
    DELETE FROM chekt_private.storage_policy p WHERE p.setting = set_storage_policy.setting;
    RETURN;
  END IF;
  BEGIN
    IF set_storage_policy.setting = 'months_ahead' THEN
      normalized := set_storage_policy.value::integer::text;
      IF normalized::integer NOT BETWEEN 1 AND 36 THEN
        RAISE EXCEPTION USING ERRCODE = 'numeric_value_out_of_range';
      END IF;
    ELSIF set_storage_policy.setting = 'kept_from' THEN
      IF set_storage_policy.value::timestamptz = '-infinity' THEN
        -- nothing before it dropped: as if never set
        DELETE FROM chekt_private.storage_policy p WHERE p.setting = 'kept_from';
        RETURN;
      ELSIF NOT isfinite(set_storage_policy.value::timestamptz) THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow';
      END IF;
      normalized := to_char(set_storage_policy.value::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    ELSE
      span := set_storage_policy.value::interval;
      normalized := span::text;
      IF (set_storage_policy.setting = 'retention' AND span < interval '1 month')
         OR (set_storage_policy.setting = 'max_future' AND (span < interval '0' OR span > interval '1 year'))
         OR (set_storage_policy.setting = 'id_window' AND (span < interval '2 days' OR span > interval '1 year'))
         OR (set_storage_policy.setting = 'quarantine_retention' AND span < interval '1 day') THEN
        RAISE EXCEPTION USING ERRCODE = 'numeric_value_out_of_range';
      END IF;
    END IF;
  EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'invalid value "%" for storage policy setting "%"', set_storage_policy.value, set_storage_policy.setting
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = CASE set_storage_policy.setting
                       WHEN 'retention' THEN 'retention is an interval of at least 1 month, or NULL to keep every month.'
                       WHEN 'months_ahead' THEN 'months_ahead is a whole number from 1 to 36.'
                       WHEN 'max_future' THEN 'max_future is an interval from 0 to 1 year.'
                       WHEN 'id_window' THEN 'id_window is an interval from 2 days to 1 year (CHeKT retries a delivery for 24 hours).'
                       WHEN 'quarantine_retention' THEN 'quarantine_retention is an interval of at least 1 day, or NULL to keep every refusal.'
                       ELSE 'kept_from is a finite time with a time zone, or -infinity.'
                     END,
            HINT = 'SELECT * FROM chekt.storage_policy() shows every setting and what it does.';
  END;
  INSERT INTO chekt_private.storage_policy AS p (setting, value)
  VALUES (set_storage_policy.setting, normalized)
  ON CONFLICT ON CONSTRAINT storage_policy_pkey DO UPDATE SET value = excluded.value, set_at = now();
END
$$;
COMMENT ON FUNCTION chekt.set_storage_policy(text, text) IS
  'changes one setting of the storage policy (chekt.storage_policy() lists them); NULL gives it back its default';
REVOKE ALL ON FUNCTION chekt.set_storage_policy(text, text) FROM PUBLIC;

-- The seven partitioned tables, in the order ingest writes them (and every
-- function here locks them)
CREATE FUNCTION chekt_private.partitioned_tables()
RETURNS TABLE (ordinal integer, parent regclass)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.ordinal::integer, pg_catalog.to_regclass(t.name)
    FROM unnest(ARRAY['chekt_private.events', 'chekt.alarm_events', 'chekt.device_events',
                      'chekt.snapshot_events', 'chekt.verification_events',
                      'chekt.partition_events', 'chekt.relay_events'])
         WITH ORDINALITY AS t (name, ordinal)
   ORDER BY t.ordinal
$$;
COMMENT ON FUNCTION chekt_private.partitioned_tables() IS
  'the tables partitioned by month of created_at, in the order ingest writes (and maintenance locks) them';
REVOKE ALL ON FUNCTION chekt_private.partitioned_tables() FROM PUBLIC;

-- The partition of one table for the UTC month that starts at month
CREATE FUNCTION chekt_private.partition_name(parent regclass, month timestamptz)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.relname || '_p' || to_char(month AT TIME ZONE 'UTC', 'YYYYMM')
    FROM pg_catalog.pg_class c WHERE c.oid = parent
$$;
COMMENT ON FUNCTION chekt_private.partition_name(regclass, timestamptz) IS
  'the name, in schema chekt_private, of a table''s partition for the UTC month starting at month';
REVOKE ALL ON FUNCTION chekt_private.partition_name(regclass, timestamptz) FROM PUBLIC;

CREATE FUNCTION chekt_private.create_month(month timestamptz, wait interval DEFAULT NULL)
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
COMMENT ON FUNCTION chekt_private.create_month(timestamptz, interval) IS
  'creates the partitions of the UTC month holding month in every partitioned table lacking one; returns how many; with wait, gives up (lock_not_available) after it rather than queue for a lock (ingest)';
REVOKE ALL ON FUNCTION chekt_private.create_month(timestamptz, interval) FROM PUBLIC;

CREATE FUNCTION chekt.create_partitions(months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  created integer := 0;
  month timestamptz := date_trunc('month', now(), 'UTC');
BEGIN
  IF create_partitions.months_ahead IS NULL OR create_partitions.months_ahead NOT BETWEEN 0 AND 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('months_ahead is %s.', coalesce(create_partitions.months_ahead::text, 'NULL')),
            HINT = 'Pass how many months after the current one need partitions; ingest makes any other month''s when an event of it arrives.';
  END IF;
  FOR m IN 0 .. create_partitions.months_ahead LOOP
    created := created + chekt_private.create_month(month);
    month := date_trunc('month', month + interval '32 days', 'UTC');
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION chekt.create_partitions(integer) IS
  'creates the partitions of the current UTC month and the months_ahead after it, in every partitioned table lacking one; returns how many tables it created';
REVOKE ALL ON FUNCTION chekt.create_partitions(integer) FROM PUBLIC;

-- Event ids received lately: the one unpartitioned index dedupe needs
CREATE TABLE chekt_private.event_ids (
  app          text NOT NULL,
  event_id     text COLLATE "C" NOT NULL,
  created_at   timestamptz NOT NULL,
  received_at  timestamptz NOT NULL,
  CONSTRAINT event_ids_pkey PRIMARY KEY (app, event_id)
);
SELECT pg_catalog.pg_extension_config_dump('chekt_private.event_ids', '');
COMMENT ON TABLE chekt_private.event_ids IS
  'the event ids first received within the storage policy''s id_window (chekt.maintain() trims older ones): decides between writers racing with the same id, and finds a redelivery whose created_at (so month) changed, as id_conflict; key: app, event_id';
COMMENT ON COLUMN chekt_private.event_ids.app IS 'the app of the event; with event_id, the dedupe key';
COMMENT ON COLUMN chekt_private.event_ids.event_id IS 'the event id';
COMMENT ON COLUMN chekt_private.event_ids.created_at IS 'the stored event''s created_at: which month of chekt_private.events holds it';
COMMENT ON COLUMN chekt_private.event_ids.received_at IS 'when its first accepted delivery was received; trimmed by it';

CREATE FUNCTION chekt.drop_events_before(cutoff timestamptz)
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

  -- the ids of what was dropped, and no month before the cutoff again
  DELETE FROM chekt_private.event_ids i WHERE i.created_at < kept_from;
  IF kept_from > coalesce((SELECT p.kept_from FROM chekt_private.effective_policy() p), '-infinity') THEN
    PERFORM chekt.set_storage_policy('kept_from', kept_from::text);
  END IF;
  RETURN months;
END
$$;
COMMENT ON FUNCTION chekt.drop_events_before(timestamptz) IS
  'drops every whole UTC month before cutoff from the seven event tables (a partition drop each: milliseconds, disk given back), trims chekt_private.event_ids, and quarantines later events of those months as out_of_range; returns how many months it dropped';
REVOKE ALL ON FUNCTION chekt.drop_events_before(timestamptz) FROM PUBLIC;

CREATE FUNCTION chekt.maintain()
RETURNS TABLE (action text, count bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  policy record;
BEGIN
  SELECT * INTO policy FROM chekt_private.effective_policy();

  action := 'partitions_created';
  count := chekt.create_partitions(policy.months_ahead);
  RETURN NEXT;

  action := 'event_ids_trimmed';
  -- on UTC's calendar, as ingest judges (route.c)
  DELETE FROM chekt_private.event_ids i
   WHERE i.received_at < ((now() AT TIME ZONE 'UTC') - policy.id_window) AT TIME ZONE 'UTC';
  GET DIAGNOSTICS count = ROW_COUNT;
  RETURN NEXT;

  action := 'rejected_purged';
  count := CASE WHEN policy.quarantine_retention IS NULL THEN 0
                ELSE chekt.purge_rejected(policy.quarantine_retention) END;
  RETURN NEXT;

  -- stored now if their month has a partition at last (or their time came)
  action := 'out_of_range_retried';
  count := chekt.retry_rejected('out_of_range');
  RETURN NEXT;

  -- last: its locks block ingest until this transaction commits
  action := 'months_dropped';
  count := CASE WHEN policy.retention IS NULL THEN 0
                ELSE chekt.drop_events_before(((now() AT TIME ZONE 'UTC') - policy.retention) AT TIME ZONE 'UTC') END;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION chekt.maintain() IS
  'the storage policy applied (run it daily, e.g. from pg_cron, in a transaction of its own): partitions made ahead, old event ids trimmed, the quarantine purged, out_of_range deliveries retried, months past retention dropped; returns what each step did';
REVOKE ALL ON FUNCTION chekt.maintain() FROM PUBLIC;

-- The seven tables become partitioned.  Each is renamed aside and made
-- again, partitioned, with the same columns, comments, owner, privileges,
-- row security and policies; the rows move into their months; the indexes
-- come back under their names (a unique one extended by created_at, as a
-- partitioned table requires); the views and BEGIN ATOMIC functions that
-- read it are pointed at the new table (CREATE OR REPLACE keeps what they
-- are: owner, privileges, comments, membership); then the old one goes.
DO $migrate$
DECLARE
  rels oid[];
  relnames text[];
  n integer;
  i integer;
  nsp text;
  rel text;
  aside text;
  x record;
  cols text;
  def text;
  month timestamptz;
BEGIN
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  SELECT array_agg(p.parent::oid ORDER BY p.ordinal), array_agg(c.relname::text ORDER BY p.ordinal)
    INTO rels, relnames
    FROM chekt_private.partitioned_tables() p JOIN pg_class c ON c.oid = p.parent;
  n := array_length(rels, 1);

  -- aside, with their indexes
  FOR i IN 1 .. n LOOP
    FOR x IN SELECT ic.oid::regclass AS idx, ic.relname
               FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid
              WHERE ix.indrelid = rels[i] LOOP
      EXECUTE format('ALTER INDEX %s RENAME TO %I', x.idx, x.relname || '__0_8_0');
    END LOOP;
    EXECUTE format('ALTER TABLE %s RENAME TO %I', rels[i]::regclass, (SELECT c.relname FROM pg_class c WHERE c.oid = rels[i]) || '__0_8_0');
  END LOOP;

  -- made again, partitioned
  FOR i IN 1 .. n LOOP
    SELECT c.relnamespace::regnamespace::text, substr(c.relname, 1, length(c.relname) - 7), c.oid::regclass::text
      INTO nsp, rel, aside
      FROM pg_class c WHERE c.oid = rels[i];
    EXECUTE format('CREATE TABLE %s.%I (LIKE %s INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS'
                   ' INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS INCLUDING STATISTICS)'
                   ' PARTITION BY RANGE (created_at)', nsp, rel, aside);
    EXECUTE format('ALTER TABLE %s.%I OWNER TO %s', nsp, rel,
                   (SELECT c.relowner::regrole FROM pg_class c WHERE c.oid = rels[i]));
    EXECUTE format('COMMENT ON TABLE %s.%I IS %L', nsp, rel, obj_description(rels[i], 'pg_class'));
    -- as 0.1.0 made them: nothing for PUBLIC (also what pg_dump takes as given)
    EXECUTE format('REVOKE ALL ON %s.%I FROM PUBLIC', nsp, rel);
    FOR x IN SELECT a.privilege_type, a.is_grantable,
                    CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
               FROM pg_class c, aclexplode(c.relacl) a
              WHERE c.oid = rels[i] AND a.grantee <> c.relowner LOOP
      EXECUTE format('GRANT %s ON %s.%I TO %s%s', x.privilege_type, nsp, rel, x.grantee,
                     CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    FOR x IN SELECT att.attname, a.privilege_type, a.is_grantable,
                    CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee
               FROM pg_attribute att, aclexplode(att.attacl) a
              WHERE att.attrelid = rels[i] AND att.attacl IS NOT NULL LOOP
      EXECUTE format('GRANT %s (%I) ON %s.%I TO %s%s', x.privilege_type, x.attname, nsp, rel, x.grantee,
                     CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    IF (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = rels[i]) THEN
      EXECUTE format('ALTER TABLE %s.%I ENABLE ROW LEVEL SECURITY', nsp, rel);
    END IF;
    IF (SELECT c.relforcerowsecurity FROM pg_class c WHERE c.oid = rels[i]) THEN
      EXECUTE format('ALTER TABLE %s.%I FORCE ROW LEVEL SECURITY', nsp, rel);
    END IF;
    FOR x IN SELECT * FROM pg_policies p WHERE p.schemaname = nsp AND p.tablename = rel || '__0_8_0' LOOP
      EXECUTE format('CREATE POLICY %I ON %s.%I AS %s FOR %s TO %s%s%s', x.policyname, nsp, rel,
                     x.permissive, x.cmd,
                     (SELECT string_agg(CASE r WHEN 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ')
                        FROM unnest(x.roles) AS r),
                     CASE WHEN x.qual IS NOT NULL THEN format(' USING (%s)', x.qual) ELSE '' END,
                     CASE WHEN x.with_check IS NOT NULL THEN format(' WITH CHECK (%s)', x.with_check) ELSE '' END);
      EXECUTE format('COMMENT ON POLICY %I ON %s.%I IS %L', x.policyname, nsp, rel,
                     (SELECT obj_description(po.oid, 'pg_policy') FROM pg_policy po
                       WHERE po.polrelid = rels[i] AND po.polname = x.policyname));
    END LOOP;
  END LOOP;

  -- a partition for every month that holds rows
  FOR i IN 1 .. n LOOP
    FOR month IN EXECUTE format('SELECT DISTINCT date_trunc(''month'', created_at, ''UTC'') FROM %s',
                                rels[i]::regclass) LOOP
      PERFORM chekt_private.create_month(month);
    END LOOP;
  END LOOP;

  -- the rows, then the indexes
  FOR i IN 1 .. n LOOP
    SELECT c.relnamespace::regnamespace::text, substr(c.relname, 1, length(c.relname) - 7)
      INTO nsp, rel FROM pg_class c WHERE c.oid = rels[i];
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_attribute a
     WHERE a.attrelid = rels[i] AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    EXECUTE format('INSERT INTO %s.%I (%s) SELECT %s FROM %s', nsp, rel, cols, cols, rels[i]::regclass);
    FOR x IN SELECT ix.indexrelid, ix.indisprimary, ic.relname,
                    substr(ic.relname, 1, length(ic.relname) - 7) AS original
               FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid
              WHERE ix.indrelid = rels[i] LOOP
      IF x.indisprimary THEN
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) INTO cols
          FROM pg_index ix, unnest(ix.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord), pg_attribute a
         WHERE ix.indexrelid = x.indexrelid AND a.attrelid = rels[i] AND a.attnum = k.attnum;
        EXECUTE format('ALTER TABLE %s.%I ADD CONSTRAINT %I PRIMARY KEY (%s, created_at)',
                       nsp, rel, x.original, cols);
      ELSE
        def := replace(replace(pg_get_indexdef(x.indexrelid),
                               format(' %s ON ', x.relname), format(' %s ON ', x.original)),
                       format(' ON %s ', rels[i]::regclass), format(' ON %s.%s ', nsp, rel));
        EXECUTE def;
      END IF;
      EXECUTE format('COMMENT ON INDEX %s.%I IS %L', nsp, x.original, obj_description(x.indexrelid, 'pg_class'));
    END LOOP;
  END LOOP;

  -- what reads them, pointed at the new tables
  FOR x IN SELECT DISTINCT v.oid, v.relkind, v.reloptions
             FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = ANY (rels) AND v.oid <> d.refobjid LOOP
    IF x.relkind <> 'v' THEN
      RAISE EXCEPTION 'materialized view % reads an event table', x.oid::regclass
        USING ERRCODE = 'dependent_objects_still_exist',
              DETAIL = 'chekt_events 0.9.0 makes the event tables again, partitioned; a view can be pointed at them, a materialized view cannot.',
              HINT = 'Drop it, update the extension, then create it again.';
    END IF;
    def := pg_get_viewdef(x.oid);
    FOR i IN 1 .. n LOOP
      -- the old name qualified, and as the name columns are qualified with
      def := replace(def, relnames[i] || '__0_8_0', relnames[i]);
    END LOOP;
    EXECUTE format('CREATE OR REPLACE VIEW %s%s AS %s', x.oid::regclass,
                   CASE WHEN x.reloptions IS NOT NULL
                        THEN ' WITH (' || array_to_string(x.reloptions, ', ') || ')' ELSE '' END,
                   def);
  END LOOP;
  FOR x IN SELECT DISTINCT p.oid
             FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
            WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = ANY (rels) LOOP
    def := pg_get_functiondef(x.oid);
    FOR i IN 1 .. n LOOP
      -- the old name qualified, and as the name columns are qualified with
      def := replace(def, relnames[i] || '__0_8_0', relnames[i]);
    END LOOP;
    EXECUTE def;
  END LOOP;

  -- out of the extension first, which also takes them off its list of
  -- tables whose rows pg_dump keeps
  FOR i IN 1 .. n LOOP
    EXECUTE format('ALTER EXTENSION chekt_events DROP TABLE %s', rels[i]::regclass);
    EXECUTE format('DROP TABLE %s', rels[i]::regclass);
  END LOOP;
END
$migrate$;

-- the ids received within the window, as ingest would have kept them
INSERT INTO chekt_private.event_ids (app, event_id, created_at, received_at)
SELECT e.app, e.event_id, e.created_at, e.received_at
  FROM chekt_private.events e
 WHERE e.received_at >= now() - (SELECT p.id_window FROM chekt_private.effective_policy() p);

COMMENT ON TABLE chekt_private.events IS
  'one row per distinct accepted event of an app, keeping its first accepted delivery exactly as received (re-verifiable, re-parsable); the same event id under two apps is two events; partitioned by UTC month of created_at (chekt_private.events_pYYYYMM)';
COMMENT ON INDEX chekt_private.events_pkey IS
  'the dedupe key (app, event_id), with created_at, which a partitioned table''s key must hold: an identical delivery, however old, finds its event in its month';

-- Privileges given to roles during an update (above: the event tables'
-- grants, made again) are recorded as the extension's initial privileges,
-- which pg_dump leaves out; a fresh install grants nothing to any role but
-- PUBLIC.  As 0.8.0 did inline, a function now does it, which this update
-- and every later one that grants to roles calls last: initial privileges
-- keep only PUBLIC's and the owner's, the others become ordinary grants
-- that pg_dump keeps.
CREATE FUNCTION chekt_private.keep_update_grants()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  extension oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'chekt_events');
BEGIN
  UPDATE pg_catalog.pg_init_privs p
     SET initprivs = (SELECT coalesce(pg_catalog.array_agg(item), '{}')
                        FROM pg_catalog.unnest(p.initprivs) AS item
                       WHERE EXISTS (SELECT FROM pg_catalog.aclexplode(ARRAY[item]) AS x
                                      WHERE x.grantee = 0 OR x.grantee = x.grantor))
   WHERE p.privtype = 'e'
     AND (p.classoid, p.objoid) IN (SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
                                     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                                       AND d.refobjid = extension AND d.deptype = 'e')
     AND EXISTS (SELECT FROM pg_catalog.aclexplode(p.initprivs) AS x
                  WHERE x.grantee <> 0 AND x.grantee <> x.grantor);
  DELETE FROM pg_catalog.pg_init_privs p
   WHERE p.privtype = 'e' AND p.initprivs = '{}'
     AND (p.classoid, p.objoid) IN (SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
                                     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                                       AND d.refobjid = extension AND d.deptype = 'e');
  DELETE FROM pg_catalog.pg_shdepend s
   WHERE s.deptype = 'i'
     AND s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
     AND (s.classid, s.objid) IN (SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
                                   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                                     AND d.refobjid = extension AND d.deptype = 'e')
     AND NOT EXISTS (SELECT FROM pg_catalog.pg_init_privs p, pg_catalog.aclexplode(p.initprivs) AS x
                      WHERE p.classoid = s.classid AND p.objoid = s.objid AND p.objsubid = s.objsubid
                        AND s.refobjid IN (x.grantee, x.grantor));
END
$$;
COMMENT ON FUNCTION chekt_private.keep_update_grants() IS
  'for update scripts, last: privileges the update gave roles become ordinary grants (pg_dump keeps them), not the extension''s initial privileges';
REVOKE ALL ON FUNCTION chekt_private.keep_update_grants() FROM PUBLIC;
SELECT chekt_private.keep_update_grants();
