-- chekt_events 0.7.0 -> 0.8.0: what an analyst may not open is out of its sight
--
-- A role given chekt.grant_analyst() reads schema chekt.  BI tools list
-- every table and view of the schemas they browse, whatever the role may
-- open (SQLAlchemy's inspector, pgjdbc's DatabaseMetaData and psqlODBC all
-- read pg_class), so they listed the secrets, the inbox, the quarantine,
-- the envelope table and the grant tables beside the views, and failed on
-- opening them.  Those eight relations move to schema chekt_private, on
-- which analysts have no USAGE: schema chekt now holds exactly what an
-- analyst may open.  The owner reads and writes them as before under their
-- new names; a role that held a privilege on one of them (a feeder's
-- INSERT on the inbox) is given USAGE on chekt_private, so it keeps working.
-- docs/decisions.md, "What an analyst cannot open lives in chekt_private".

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.8.0'" to load this file. \quit

-- in the order ingest takes them (the inbox first), so that a batch being
-- written waits for the update instead of deadlocking with it
LOCK TABLE chekt.inbox, chekt.apps, chekt.app_secrets, chekt.events, chekt.rejected,
           chekt.analysts, chekt.backfillers IN ACCESS EXCLUSIVE MODE;

-- a schema of that name made by someone else (the library ignores it)
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'chekt_private') THEN
    RAISE EXCEPTION 'schema chekt_private already exists'
      USING ERRCODE = 'duplicate_schema',
            DETAIL = 'chekt_events 0.8.0 creates schema chekt_private for the relations an analyst may not open; this one is not the extension''s.',
            HINT = 'Rename or drop that schema, then run ALTER EXTENSION chekt_events UPDATE again.';
  END IF;
END
$$;

CREATE SCHEMA chekt_private;
-- owned like chekt, whoever runs the update: the owner's ingest uses it
DO $$
BEGIN
  EXECUTE format('ALTER SCHEMA chekt_private OWNER TO %s',
                 (SELECT n.nspowner::regrole FROM pg_catalog.pg_namespace n WHERE n.nspname = 'chekt'));
END
$$;
REVOKE ALL ON SCHEMA chekt_private FROM PUBLIC;

COMMENT ON SCHEMA chekt_private IS
  'what only the owner, feeders and backfillers reach: secrets, the inbox, the quarantine, the accepted envelopes and the grant tables; analysts have no USAGE on it (their surface is schema chekt)';

ALTER TABLE chekt.apps SET SCHEMA chekt_private;
ALTER TABLE chekt.app_secrets SET SCHEMA chekt_private;
ALTER VIEW chekt.secret_status SET SCHEMA chekt_private;
ALTER TABLE chekt.inbox SET SCHEMA chekt_private;
ALTER TABLE chekt.rejected SET SCHEMA chekt_private;
ALTER TABLE chekt.events SET SCHEMA chekt_private;
ALTER TABLE chekt.analysts SET SCHEMA chekt_private;
ALTER TABLE chekt.backfillers SET SCHEMA chekt_private;

-- whoever was given a privilege on one of them (or on a column of one)
-- still reaches it
DO $$
DECLARE
  grantees oid[];
  grantee regrole;
BEGIN
  SELECT pg_catalog.array_agg(DISTINCT a.grantee) INTO grantees
    FROM pg_catalog.pg_class c,
         LATERAL (SELECT x.grantee FROM pg_catalog.aclexplode(c.relacl) AS x
                  UNION ALL
                  SELECT x.grantee FROM pg_catalog.pg_attribute t, pg_catalog.aclexplode(t.attacl) AS x
                   WHERE t.attrelid = c.oid) AS a
   WHERE c.relnamespace = 'chekt_private'::regnamespace AND a.grantee <> c.relowner;
  FOR grantee IN SELECT r.oid::regrole FROM pg_catalog.pg_roles r WHERE r.oid = ANY (grantees) LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA chekt_private TO %s', grantee);
  END LOOP;
  IF 0 = ANY (grantees) THEN
    RAISE WARNING 'PUBLIC holds a privilege on a relation now in schema chekt_private, and does not get USAGE on it'
      USING HINT = 'Grant USAGE ON SCHEMA chekt_private to the roles that need it; PUBLIC would include every analyst.';
  END IF;
END
$$;

-- as in chekt_events--0.1.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.retire_secret(secret_id bigint, retire_at timestamptz DEFAULT now())
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  secret_app text;
BEGIN
  IF retire_secret.secret_id IS NULL OR retire_secret.retire_at IS NULL THEN
    RAISE EXCEPTION 'secret_id and retire_at must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Leave retire_at out to retire the secret now.';
  END IF;

  UPDATE chekt_private.app_secrets s
     SET expires_at = retire_secret.retire_at
   WHERE s.secret_id = retire_secret.secret_id
  RETURNING s.app INTO secret_app;

  IF secret_app IS NULL THEN
    RAISE EXCEPTION 'secret % does not exist', retire_secret.secret_id
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT * FROM chekt_private.secret_status lists the registered secrets.';
  END IF;

  IF NOT EXISTS (SELECT FROM chekt_private.app_secrets s
                  WHERE s.app = secret_app
                    AND (s.expires_at IS NULL OR s.expires_at > retire_secret.retire_at)) THEN
    RAISE WARNING 'app "%" is left without an active secret', secret_app
      USING DETAIL = format('Deliveries for this app received from %s on will be refused as unknown_app.',
                            retire_secret.retire_at),
            HINT = 'Add the new secret with chekt.add_secret() before retiring the old one.';
  END IF;
END
$$;

-- as in chekt_events--0.1.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.alter_app(app text, scheme text DEFAULT NULL,
                                replay_tolerance_s integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  app_secret text;
BEGIN
  PERFORM FROM chekt_private.apps a WHERE a.app = alter_app.app FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'app "%" does not exist', alter_app.app
      USING ERRCODE = 'undefined_object',
            HINT = 'Register the app with chekt.add_secret(app, secret).';
  END IF;

  IF alter_app.replay_tolerance_s IS NOT NULL
     AND alter_app.replay_tolerance_s NOT BETWEEN 1 AND 86400 THEN
    RAISE EXCEPTION 'replay tolerance must be between 1 and 86400 seconds'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The value given was %s.', alter_app.replay_tolerance_s),
            HINT = 'Webhook senders commonly use 300 seconds.';
  END IF;

  IF alter_app.scheme IS NOT NULL THEN
    -- Every secret the app keeps must still be usable under the new scheme.
    FOR app_secret IN
      SELECT s.secret FROM chekt_private.app_secrets s WHERE s.app = alter_app.app
    LOOP
      PERFORM chekt.validate_secret(app_secret, alter_app.scheme);
    END LOOP;
  END IF;

  UPDATE chekt_private.apps a
     SET scheme = coalesce(alter_app.scheme, a.scheme),
         replay_tolerance_s = coalesce(alter_app.replay_tolerance_s, a.replay_tolerance_s)
   WHERE a.app = alter_app.app;
END
$$;

-- as in chekt_events--0.3.0--0.4.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.add_secret(app text, secret text, scheme text DEFAULT 'chekt',
                                            expires_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  app_scheme text;
  new_secret_id bigint;
BEGIN
  PERFORM chekt.check_app_name(add_secret.app);
  IF add_secret.secret IS NULL THEN
    RAISE EXCEPTION 'secret must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass the app''s webhook secret exactly as the sender shows it.';
  END IF;
  IF add_secret.scheme IS NULL THEN
    RAISE EXCEPTION 'scheme must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Use ''chekt'' (the default) or ''standard_webhooks''.';
  END IF;
  IF add_secret.expires_at <= now() THEN
    RAISE EXCEPTION 'expiry time is not in the future'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('expires_at is %s, the current time is %s.', add_secret.expires_at, now()),
            HINT = 'Pass a future expires_at, or NULL for a secret that never expires.';
  END IF;
  PERFORM chekt.validate_secret(add_secret.secret, add_secret.scheme);

  INSERT INTO chekt_private.apps (app, scheme)
  VALUES (add_secret.app, add_secret.scheme)
  ON CONFLICT ON CONSTRAINT apps_pkey DO NOTHING;

  SELECT a.scheme INTO app_scheme
    FROM chekt_private.apps a
   WHERE a.app = add_secret.app
     FOR UPDATE;
  IF app_scheme <> add_secret.scheme THEN
    RAISE EXCEPTION 'app "%" signs with the "%" scheme, not "%"',
                    add_secret.app, app_scheme, add_secret.scheme
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('Pass scheme => %L, or change the app''s scheme first with chekt.alter_app(%L, scheme => %L).',
                          app_scheme, add_secret.app, add_secret.scheme);
  END IF;

  -- Adding a secret the app already has sets its expiry again.
  UPDATE chekt_private.app_secrets s
     SET expires_at = add_secret.expires_at
   WHERE s.app = add_secret.app
     AND s.secret = add_secret.secret
  RETURNING s.secret_id INTO new_secret_id;

  IF new_secret_id IS NULL THEN
    INSERT INTO chekt_private.app_secrets (app, secret, expires_at)
    VALUES (add_secret.app, add_secret.secret, add_secret.expires_at)
    RETURNING secret_id INTO new_secret_id;
  END IF;
  RETURN new_secret_id;
END
$$;

-- as in chekt_events--0.4.0--0.5.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.revoke_analyst(analyst regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM chekt.analyst_privileges(revoke_analyst.analyst, false);
  DELETE FROM chekt_private.analysts s WHERE s.analyst::oid = revoke_analyst.analyst::oid;
END
$$;

-- as in chekt_events--0.4.0--0.5.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.grant_analyst(analyst regrole, apps text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  unknown text;
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

  INSERT INTO chekt_private.analysts AS s (analyst, apps)
  VALUES (grant_analyst.analyst,
          (SELECT array_agg(DISTINCT x.app ORDER BY x.app) FROM unnest(grant_analyst.apps) AS x (app)))
  ON CONFLICT ((analyst::oid)) DO UPDATE SET apps = excluded.apps, granted_at = now();
  PERFORM chekt.analyst_privileges(grant_analyst.analyst, true);
END
$$;

-- as in chekt_events--0.4.0--0.5.0.sql, reading chekt_private
CREATE OR REPLACE FUNCTION chekt.purge_rejected(older_than interval, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cutoff timestamptz;
  batch_size constant integer := 10000;
  deleted bigint;
  total bigint := 0;
BEGIN
  IF purge_rejected.older_than IS NULL OR purge_rejected.older_than < interval '0' THEN
    RAISE EXCEPTION 'older_than must be an interval of zero or more'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('older_than is %s.', coalesce(purge_rejected.older_than::text, 'NULL')),
            HINT = 'Pass, for example, interval ''30 days'': quarantined deliveries refused before now() minus it are deleted.';
  END IF;
  IF purge_rejected.reason IS NOT NULL
     AND NOT EXISTS (SELECT FROM chekt.outcomes() o
                      WHERE o.outcome = purge_rejected.reason AND o.class <> 'stored') THEN
    RAISE EXCEPTION 'unknown refusal reason "%"', purge_rejected.reason
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'SELECT outcome FROM chekt.outcomes() WHERE class <> ''stored'' lists the reasons; pass NULL for every reason.';
  END IF;
  cutoff := now() - purge_rejected.older_than;

  -- in batches of a short index range each, so that no statement holds
  -- more than 10,000 row locks or a large list at once (it is one
  -- transaction: locks are held until it ends, and rows are only freed
  -- for reuse by VACUUM after it); rows a concurrent retry_rejected()
  -- holds are left for the next run
  LOOP
    DELETE FROM chekt_private.rejected r
     WHERE r.rejected_id IN (SELECT q.rejected_id FROM chekt_private.rejected q
                              WHERE q.rejected_at < cutoff
                                AND (purge_rejected.reason IS NULL OR q.reason = purge_rejected.reason)
                              ORDER BY q.rejected_at
                              LIMIT batch_size
                                FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    total := total + deleted;
    EXIT WHEN deleted < batch_size;
  END LOOP;
  RETURN total;
END
$$;

-- what the comments say of the moved relations
COMMENT ON SCHEMA chekt IS
  'CHeKT webhook events: the analytic surface (typed family tables, the type catalog, views and query functions; what chekt.grant_analyst() gives) and the entry points of ingest and administration';

COMMENT ON COLUMN chekt.delivery_gap.example_id IS
  'one of them, to look at: the alarm id (chekt.alarm_timeline()), the device id (chekt.device_downtime()), the partition id (chekt.partition_periods) or the rejected_id (chekt_private.rejected)';
COMMENT ON FUNCTION chekt.analysts_changed() IS
  'AFTER STATEMENT trigger on chekt_private.analysts: makes every backend forget the scopes chekt.visible_apps() keeps';
COMMENT ON FUNCTION chekt.inbox_flush() IS
  'AFTER STATEMENT trigger on chekt_private.inbox: writes what is left of the batch to the event tables and the quarantine';
COMMENT ON FUNCTION chekt.inbox_receive() IS
  'BEFORE ROW trigger on chekt_private.inbox: verifies, parses and validates a delivery into the current batch; keeps nothing in the inbox';
COMMENT ON FUNCTION chekt.ingest(pg_catalog.text,pg_catalog.text,pg_catalog.text,pg_catalog.text,timestamp with time zone,pg_catalog.text) IS
  'ingests one delivery like a row of chekt_private.inbox (and needs the same privileges: USAGE on schema chekt_private and INSERT on the inbox; and the backfill right for received_at to count) and returns its outcome: accepted, duplicate, or the reason it was quarantined';
COMMENT ON TABLE chekt_private.inbox IS
  'COPY or INSERT webhook deliveries here; each row is verified and routed to chekt_private.events and its family table, or to chekt_private.rejected, and is not kept here';
COMMENT ON COLUMN chekt.alarm_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.alarm_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt.device_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.device_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt.partition_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.partition_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt.relay_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.relay_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt.snapshot_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.snapshot_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt.verification_events.app IS
  'the app of the event (chekt_private.events.app): ids are unique only within an app';
COMMENT ON COLUMN chekt.verification_events.event_id IS
  'the event''s id (chekt_private.events.event_id, with app)';
COMMENT ON COLUMN chekt_private.apps.app IS
  'app name: the {app} of POST /webhooks/{app} and the app column of chekt_private.inbox; chekt.add_secret() registers 1 to 200 bytes without "/" or control characters (chekt.check_app_name())';
COMMENT ON COLUMN chekt.delivery_gaps.example_id IS
  'one of them, to look at: the alarm id (chekt.alarm_timeline()), the device id (chekt.device_downtime()), the partition id (chekt.partition_periods) or the rejected_id (chekt_private.rejected)';
COMMENT ON COLUMN chekt.quarantine_daily.example_rejected_id IS
  'the rejected_id of the first of them, for a reader of chekt_private.rejected (the owner); NULL for an analyst, whom the sequence would tell of other apps'' refusals';
COMMENT ON COLUMN chekt.quarantine_daily.reason IS
  'why it was refused (a reason code of chekt_private.rejected)';

-- The quarantine by day asks whether its reader may read the quarantine
-- itself; by the relation, not its name, which an analyst (without USAGE on
-- chekt_private) could not look up
CREATE OR REPLACE VIEW chekt.quarantine_daily WITH (security_barrier = true) AS
SELECT r.app,
       (r.received_at AT TIME ZONE 'UTC')::date AS day,
       r.reason,
       count(*) AS deliveries,
       -- rejected ids count every app's refusals: only for who may read them
       CASE WHEN (SELECT pg_catalog.has_table_privilege('chekt_private.rejected'::regclass, 'SELECT'))
            THEN min(r.rejected_id) END AS example_rejected_id
  FROM chekt_private.rejected r
 WHERE (SELECT pg_catalog.has_table_privilege('chekt_private.rejected'::regclass, 'SELECT'))
    OR coalesce(r.app = ANY ((SELECT chekt.visible_apps())::text[]), true)
 GROUP BY 1, 2, 3;

-- Every view names its key in its comment, for BI tools and ORMs that need
-- one to model it (verified on the regression data: sql/analytics.sql)
COMMENT ON VIEW chekt.alarm_lifecycle IS
  'one row per alarm of an app: where and how it started, who acknowledged, dispatched and resolved it, how fast; the first event of each kind wins; an alarm id under two apps is two alarms; key: app, alarm_id';
COMMENT ON VIEW chekt.analyst_scope IS
  'which apps the current user may read, by the chekt_private.analysts rows that apply to it: its own and those of the roles whose privileges it has; key: analyst, app (app NULL: every app)';
COMMENT ON VIEW chekt.delivery_gaps IS
  'the completeness report: per app, site and UTC day, how often an answer had to infer something a lost delivery would have said (alarm_created_missing, alarm_acknowledgement_missing, device_offline_missing, outage_end_inferred, downtime_disagrees, partition_disarm_missing, partition_arm_missing), and the quarantine by reason (quarantined); README.md, "Deliveries that never arrived", says what each means and what to do; key: app, site_id, day, kind, reason (site_id NULL for what belongs to no site, reason NULL but for kind quarantined)';
COMMENT ON VIEW chekt.device_outages IS
  'every outage of every device of every app: from the offline event''s last_seen_at (else its created_at) to the next device.online of the same device and app, or, when that online never arrived, to the last_seen_at of the first later offline that proves the device was alive (ended_by seen_again, end_known false, downtime_s an upper bound); an online whose downtime_seconds disagrees with the start found leaves it in doubt (start_known false); an online without an offline before it counts back downtime_seconds, never before the device''s previous event; an offline with nothing after it is ongoing; key: app, device_id, offline_at, online_at (online_at NULL for the one ongoing outage of a device)';
COMMENT ON VIEW chekt.device_status IS
  'the latest known status of each device of each app, from its latest event in event time; key: app, device_id';
COMMENT ON VIEW chekt.partition_periods IS
  'every armed or disarmed period of every partition of every app, from its event to the partition''s next event in event time (at one instant, in the order that needs the fewest missing changes); two arms (or two disarms) in a row are two periods, the first with end_known false: the disarm (arm) between them never arrived, so it ended at some time before ended_at; key: app, started_by_event_id';
COMMENT ON VIEW chekt.partition_status IS
  'the current arm state of each partition of each app, from its latest event in event time (its ongoing period in chekt.partition_periods); key: app, partition_id';
COMMENT ON VIEW chekt.quarantine_daily IS
  'the quarantine counted per app, UTC day of receipt and reason, for the apps the reader may read (the deliveries themselves stay unreadable to analysts); the app is the one the delivery named, which for an unauthenticated delivery is only a claim; key: app, day, reason';
COMMENT ON VIEW chekt.site_daily_summary IS
  'per app, site and UTC day (a site id is unique only within its app): alarms created, false positives among the resolved ones, mean time to acknowledge, device downtime known and at most; key: app, site_id, day';
COMMENT ON VIEW chekt_private.secret_status IS
  'the registered secrets without their values: which app, since when, until when, active now or not; key: secret_id';

-- Privileges given to roles during an update (above: USAGE to feeders; 0.2.0
-- to 0.7.0: the analytic surface to existing analysts) are recorded as the
-- extension's initial privileges, which pg_dump leaves out: a restored
-- database lost them.  A fresh install grants nothing to any role but
-- PUBLIC, so initial privileges keep only PUBLIC's and the owner's; the
-- others become ordinary grants that pg_dump keeps.  Every later update
-- that grants to roles ends the same way.
DO $$
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
  -- PostgreSQL 17 and later also record, per role named in initial
  -- privileges, a shared dependency (deptype i) that would keep DROP ROLE
  -- from dropping such a role: those of the roles no longer named go too
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
