-- chekt_events 0.4.0 -> 0.5.0: each app's events are its own
--
-- The app is part of every event's identity: chekt.events is keyed on
-- (app, event_id), every family table carries app, and every view and
-- query function answers per app.  Analysts can be scoped to apps, by row
-- level security on the family tables.  The receipt time of a delivery is
-- the database's unless the inserting role holds the backfill right.  A
-- delivery that never authenticated keeps at most the first
-- chekt.max_unauthenticated_body_bytes of its body in the quarantine, with
-- its length and SHA-256; chekt.purge_rejected() empties the quarantine.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.5.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- Who read the analytic surface before: each becomes an analyst of every
-- app (the views and functions below are replaced, their grants with them)
-------------------------------------------------------------------------------

CREATE TABLE chekt.analysts (
  analyst     regrole NOT NULL,
  apps        text[]
              -- a NULL element would read as "every app"
              CONSTRAINT analysts_apps_listed
              CHECK (cardinality(apps) > 0 AND array_position(apps, NULL) IS NULL),
  granted_at  timestamptz NOT NULL DEFAULT now()
);

-- regrole has no btree operator class; its oid has
CREATE UNIQUE INDEX analysts_analyst_idx ON chekt.analysts ((analyst::oid));
COMMENT ON INDEX chekt.analysts_analyst_idx IS 'one row per role';

COMMENT ON TABLE chekt.analysts IS
  'roles given the analytic surface by chekt.grant_analyst(), and the apps whose rows each may read; row level security on the family tables enforces it';
COMMENT ON COLUMN chekt.analysts.analyst IS 'the role (a member of it reads with its scope too)';
COMMENT ON COLUMN chekt.analysts.apps IS 'the apps whose events the role may read; NULL: every app';
COMMENT ON COLUMN chekt.analysts.granted_at IS 'when the role was last given its scope';

INSERT INTO chekt.analysts (analyst, apps)
SELECT DISTINCT a.grantee::regrole, NULL::text[]
  FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
 WHERE c.oid = 'chekt.alarm_lifecycle'::regclass
   AND a.privilege_type = 'SELECT'
   AND a.grantee <> 0
   AND a.grantee <> c.relowner;

SELECT pg_catalog.pg_extension_config_dump('chekt.analysts', '');

DROP VIEW chekt.site_daily_summary;
DROP VIEW chekt.device_outages;
DROP VIEW chekt.device_status;
DROP VIEW chekt.partition_status;
DROP VIEW chekt.alarm_lifecycle;
DROP FUNCTION chekt.device_downtime(text, timestamptz, timestamptz);
DROP FUNCTION chekt.device_outages_between(text, timestamptz, timestamptz);
DROP FUNCTION chekt.alarm_timeline(text);
DROP FUNCTION chekt.grant_analyst(regrole);

-------------------------------------------------------------------------------
-- The app in every event's identity (src/store_events.c)
-------------------------------------------------------------------------------

ALTER TABLE chekt.events DROP CONSTRAINT events_pkey;
ALTER TABLE chekt.events ADD CONSTRAINT events_pkey PRIMARY KEY (app, event_id);

COMMENT ON TABLE chekt.events IS
  'one row per distinct accepted event of an app, keeping its first accepted delivery exactly as received (re-verifiable, re-parsable); the same event id under two apps is two events';
COMMENT ON COLUMN chekt.events.event_id IS
  'the envelope''s id: CHeKT''s stable event id; with app, the dedupe key';
COMMENT ON COLUMN chekt.events.app IS
  'the app the event was posted for and signed by; with event_id, the dedupe key';

-- Each family row takes its app from its event.  A family row whose event
-- is gone cannot be given one: the update stops and says so.
DO $$
DECLARE
  family text;
  orphans bigint;
BEGIN
  FOREACH family IN ARRAY ARRAY['alarm', 'device', 'snapshot', 'verification', 'partition', 'relay'] LOOP
    EXECUTE format('ALTER TABLE chekt.%I ADD COLUMN app text', family || '_events');
    EXECUTE format('UPDATE chekt.%I AS f SET app = e.app FROM chekt.events AS e WHERE e.event_id = f.event_id',
                   family || '_events');
    EXECUTE format('SELECT count(*) FROM chekt.%I WHERE app IS NULL', family || '_events') INTO orphans;
    IF orphans > 0 THEN
      RAISE EXCEPTION 'chekt.% has % rows whose event is not in chekt.events', family || '_events', orphans
        USING ERRCODE = 'foreign_key_violation',
              DETAIL = 'Each family row takes its app from its event; without the event its app is unknown.',
              HINT = format('Delete them (DELETE FROM chekt.%I f WHERE NOT EXISTS (SELECT FROM chekt.events e WHERE e.event_id = f.event_id)) or restore their events, then update again.',
                            family || '_events');
    END IF;
    EXECUTE format('ALTER TABLE chekt.%I ALTER COLUMN app SET NOT NULL', family || '_events');
    EXECUTE format('COMMENT ON COLUMN chekt.%I.app IS %L', family || '_events',
                   'the app of the event (chekt.events.app): ids are unique only within an app');
  END LOOP;
END
$$;

ALTER TABLE chekt.alarm_events DROP CONSTRAINT alarm_events_pkey,
  ADD CONSTRAINT alarm_events_pkey PRIMARY KEY (alarm_id, app, event_id);
ALTER TABLE chekt.device_events DROP CONSTRAINT device_events_pkey,
  ADD CONSTRAINT device_events_pkey PRIMARY KEY (device_id, app, event_id);
ALTER TABLE chekt.snapshot_events DROP CONSTRAINT snapshot_events_pkey,
  ADD CONSTRAINT snapshot_events_pkey PRIMARY KEY (snapshot_id, app, event_id);
ALTER TABLE chekt.verification_events DROP CONSTRAINT verification_events_pkey,
  ADD CONSTRAINT verification_events_pkey PRIMARY KEY (alarm_id, app, event_id);
ALTER TABLE chekt.partition_events DROP CONSTRAINT partition_events_pkey,
  ADD CONSTRAINT partition_events_pkey PRIMARY KEY (partition_id, app, event_id);
ALTER TABLE chekt.relay_events DROP CONSTRAINT relay_events_pkey,
  ADD CONSTRAINT relay_events_pkey PRIMARY KEY (relay_id, app, event_id);

DROP INDEX chekt.snapshot_events_alarm_id_idx;
CREATE INDEX snapshot_events_alarm_id_idx ON chekt.snapshot_events (alarm_id, app)
  WHERE alarm_id IS NOT NULL;
DROP INDEX chekt.relay_events_alarm_id_idx;
CREATE INDEX relay_events_alarm_id_idx ON chekt.relay_events (alarm_id, app)
  WHERE alarm_id IS NOT NULL;
-- each device of each app in time order: the outage queries walk it
DROP INDEX chekt.device_events_device_time_idx;
CREATE INDEX device_events_device_time_idx ON chekt.device_events (app, device_id, created_at);
COMMENT ON INDEX chekt.device_events_device_time_idx IS 'each device of each app in time order: the outage queries';
COMMENT ON INDEX chekt.snapshot_events_alarm_id_idx IS 'the snapshots of an alarm: alarm_timeline()';
COMMENT ON INDEX chekt.relay_events_alarm_id_idx IS 'the relays an alarm triggered: alarm_timeline()';

COMMENT ON COLUMN chekt.alarm_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';
COMMENT ON COLUMN chekt.device_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';
COMMENT ON COLUMN chekt.snapshot_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';
COMMENT ON COLUMN chekt.verification_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';
COMMENT ON COLUMN chekt.partition_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';
COMMENT ON COLUMN chekt.relay_events.event_id IS 'the event''s id (chekt.events.event_id, with app)';

-------------------------------------------------------------------------------
-- Analysts scoped to apps: row level security on the family tables
--
-- A policy reads the scope once per query, not per row.  The
-- owner of the tables (the extension owner, who ingest writes as) and
-- superusers are not subject to it; every other role reads the rows of the
-- apps its chekt.analysts rows (its own, or a role's it inherits) give it:
-- none if it has none.
-------------------------------------------------------------------------------

-- (plain text columns, one row per app: BI tools list this view too; the
-- policies read it, so it is kept cheap: no join, the role's name by its
-- regrole output; a dropped role's row matches nobody)
CREATE VIEW chekt.analyst_scope WITH (security_barrier = true) AS
SELECT a.analyst::text AS analyst, x.app
  FROM chekt.analysts a
 CROSS JOIN LATERAL unnest(coalesce(a.apps, ARRAY[NULL::text])) AS x (app)
 WHERE pg_catalog.pg_has_role(current_user, a.analyst::oid, 'USAGE');

COMMENT ON VIEW chekt.analyst_scope IS
  'which apps the current user may read, by the chekt.analysts rows that apply to it: its own and those of the roles whose privileges it has';
COMMENT ON COLUMN chekt.analyst_scope.analyst IS 'the analyst role the scope was given to';
COMMENT ON COLUMN chekt.analyst_scope.app IS 'an app it may read; NULL: every app';

-- (src/analyst_scope.c: kept per backend, forgotten when chekt.analysts,
-- a role or a membership changes; read at every query it would cost as
-- much as a short question.  PARALLEL RESTRICTED, and so the query
-- functions that read the family tables)
CREATE FUNCTION chekt.visible_apps()
RETURNS text[]
AS 'MODULE_PATHNAME', 'chekt_visible_apps'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION chekt.visible_apps() IS
  'the apps whose rows the current user may read in the family tables (and so in every view and function), as the policies analyst_apps read them; NULL: every app; empty: none (the extension owner and superusers are not subject to the policies)';

CREATE FUNCTION chekt.analysts_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'chekt_analysts_changed'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION chekt.analysts_changed() IS
  'AFTER STATEMENT trigger on chekt.analysts: makes every backend forget the scopes chekt.visible_apps() keeps';

CREATE TRIGGER analysts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chekt.analysts
  FOR EACH STATEMENT EXECUTE FUNCTION chekt.analysts_changed();
ALTER TABLE chekt.analysts ENABLE ALWAYS TRIGGER analysts_changed;
COMMENT ON TRIGGER analysts_changed ON chekt.analysts IS
  'makes every backend forget the app scopes it keeps when the rows change';
REVOKE EXECUTE ON FUNCTION chekt.analysts_changed() FROM PUBLIC;

DO $$
DECLARE
  family text;
BEGIN
  FOREACH family IN ARRAY ARRAY['alarm', 'device', 'snapshot', 'verification', 'partition', 'relay'] LOOP
    EXECUTE format('ALTER TABLE chekt.%I ENABLE ROW LEVEL SECURITY', family || '_events');
    -- the scope is asked once per query (an InitPlan), not per row;
    -- app = ANY (NULL) is NULL: every app
    EXECUTE format($p$CREATE POLICY analyst_apps ON chekt.%I FOR SELECT
                        USING (coalesce(app = ANY ((SELECT chekt.visible_apps())::text[]), true))$p$,
                   family || '_events');
    EXECUTE format('COMMENT ON POLICY analyst_apps ON chekt.%I IS %L', family || '_events',
                   'a role reads the rows of the apps chekt.grant_analyst() gave it (chekt.visible_apps()); the owner and superusers are not subject to it');
  END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- Alarms, per app
-------------------------------------------------------------------------------

CREATE VIEW chekt.alarm_lifecycle WITH (security_invoker = true) AS
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
        -- reaches the index), and the alarms whose alarm.created never came
        SELECT c.app, c.alarm_id, c.site_id, c.device_id, c.priority, c.trigger, c.location, c.created_at
          FROM chekt.alarm_events c
         WHERE c.event_type = 'alarm.created'
           AND NOT EXISTS (SELECT FROM chekt.alarm_events e
                            WHERE e.alarm_id = c.alarm_id AND e.app = c.app
                              AND e.event_type = 'alarm.created'
                              AND (e.created_at, e.event_id) < (c.created_at, c.event_id))
        UNION ALL
        SELECT x.app, x.alarm_id, NULL, NULL, NULL, NULL, NULL, NULL
          FROM (SELECT DISTINCT alarm_id, app FROM chekt.alarm_events) AS x
         WHERE NOT EXISTS (SELECT FROM chekt.alarm_events e
                            WHERE e.alarm_id = x.alarm_id AND e.app = x.app
                              AND e.event_type = 'alarm.created')) AS a
  -- the first event of each other kind wins
  LEFT JOIN LATERAL (SELECT e.created_at, e.operator_id FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.acknowledged'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS k ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.responder_type, e.eta_seconds FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.dispatched'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS d ON true
  LEFT JOIN LATERAL (SELECT e.created_at, e.resolution FROM chekt.alarm_events e
                      WHERE e.alarm_id = a.alarm_id AND e.app = a.app
                        AND e.event_type = 'alarm.resolved'
                      ORDER BY e.created_at, e.event_id LIMIT 1) AS r ON true;

COMMENT ON VIEW chekt.alarm_lifecycle IS
  'one row per alarm of an app: where and how it started, who acknowledged, dispatched and resolved it, how fast; the first event of each kind wins; an alarm id under two apps is two alarms';
COMMENT ON COLUMN chekt.alarm_lifecycle.app IS 'the app the alarm''s events came from';
COMMENT ON COLUMN chekt.alarm_lifecycle.alarm_id IS 'the alarm (unique within its app)';
COMMENT ON COLUMN chekt.alarm_lifecycle.site_id IS 'site of the alarm (from alarm.created; NULL if that never arrived)';
COMMENT ON COLUMN chekt.alarm_lifecycle.device_id IS 'device that triggered it (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.priority IS 'priority, e.g. HIGH (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.trigger IS 'what triggered it, e.g. motion (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.location IS 'where at the site (from alarm.created)';
COMMENT ON COLUMN chekt.alarm_lifecycle.created_at IS 'when the alarm was created; NULL if alarm.created never arrived';
COMMENT ON COLUMN chekt.alarm_lifecycle.acknowledged_at IS 'when it was first acknowledged';
COMMENT ON COLUMN chekt.alarm_lifecycle.acknowledged_by IS 'the operator (human or app) who first acknowledged it';
COMMENT ON COLUMN chekt.alarm_lifecycle.dispatched_at IS 'when a responder was first dispatched';
COMMENT ON COLUMN chekt.alarm_lifecycle.responder_type IS 'kind of responder first dispatched, e.g. guard';
COMMENT ON COLUMN chekt.alarm_lifecycle.eta_seconds IS 'estimated time of arrival of the first dispatch, in seconds';
COMMENT ON COLUMN chekt.alarm_lifecycle.resolved_at IS 'when it was first resolved';
COMMENT ON COLUMN chekt.alarm_lifecycle.resolution IS 'outcome: handled, false-positive, escalated, or a value CHeKT adds later';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_acknowledge_s IS 'seconds from creation to first acknowledgement';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_dispatch_s IS 'seconds from creation to first dispatch';
COMMENT ON COLUMN chekt.alarm_lifecycle.time_to_resolve_s IS 'seconds from creation to first resolution';
COMMENT ON COLUMN chekt.alarm_lifecycle.state IS 'furthest stage reached: open, acknowledged, dispatched or resolved';
COMMENT ON COLUMN chekt.alarm_lifecycle.is_false_positive IS 'true if resolved as false-positive, false if resolved otherwise, NULL while unresolved';

-- A function cannot take a parameter and return a column of the same name
-- (app) through OUT parameters: the query functions return named row types.
CREATE TYPE chekt.alarm_timeline_entry AS (
  app              text,
  at               timestamptz,
  event_type       text,
  event_id         text,
  actor            text,
  detail           text,
  since_created_s  double precision
);

COMMENT ON TYPE chekt.alarm_timeline_entry IS 'a row of chekt.alarm_timeline(): one event linked to an alarm';
COMMENT ON COLUMN chekt.alarm_timeline_entry.app IS 'the app of the alarm and of the event';
COMMENT ON COLUMN chekt.alarm_timeline_entry.at IS 'when CHeKT created the event';
COMMENT ON COLUMN chekt.alarm_timeline_entry.event_type IS 'the event''s type';
COMMENT ON COLUMN chekt.alarm_timeline_entry.event_id IS 'the event''s id';
COMMENT ON COLUMN chekt.alarm_timeline_entry.actor IS 'who or what acted: device, operator, responder, requester';
COMMENT ON COLUMN chekt.alarm_timeline_entry.detail IS 'what happened, in words';
COMMENT ON COLUMN chekt.alarm_timeline_entry.since_created_s IS 'seconds since the alarm''s alarm.created in its app; NULL when that never arrived';

CREATE FUNCTION chekt.alarm_timeline(alarm_id text, app text DEFAULT NULL)
RETURNS SETOF chekt.alarm_timeline_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF alarm_timeline.alarm_id IS NULL THEN
    RETURN;
  END IF;

  RETURN QUERY
  SELECT t.app, t.at, t.event_type, t.event_id, t.actor, t.detail,
         extract(epoch FROM t.at - min(t.at) FILTER (WHERE t.event_type = 'alarm.created')
                                       OVER (PARTITION BY t.app))::double precision
    FROM (SELECT a.app, a.created_at AS at, a.event_type, a.event_id::text AS event_id,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN a.device_id
                   WHEN 'alarm.acknowledged' THEN a.operator_id
                   WHEN 'alarm.dispatched' THEN a.responder_id
                 END::text AS actor,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN concat_ws(' ', a.priority, a.trigger, 'alarm at', a.site_id, nullif(concat('(', a.location, ')'), '()'))
                   WHEN 'alarm.acknowledged' THEN a.reason
                   WHEN 'alarm.dispatched' THEN concat_ws(', ', a.responder_type, 'ETA ' || a.eta_seconds || ' s', a.tracking_url)
                   WHEN 'alarm.resolved' THEN concat_ws(': ', a.resolution, a.notes)
                   ELSE NULL
                 END AS detail,
                 CASE a.event_type
                   WHEN 'alarm.created' THEN 0 WHEN 'alarm.acknowledged' THEN 4
                   WHEN 'alarm.dispatched' THEN 5 WHEN 'alarm.resolved' THEN 6 ELSE 7
                 END AS lifecycle_order
            FROM chekt.alarm_events a
           WHERE a.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR a.app = alarm_timeline.app)
          UNION ALL
          SELECT s.app, s.created_at, s.event_type, s.event_id, s.device_id, s.url, 1
            FROM chekt.snapshot_events s
           WHERE s.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR s.app = alarm_timeline.app)
          UNION ALL
          SELECT r.app, r.created_at, r.event_type, r.event_id, r.device_id,
                 concat_ws(' ', 'relay', r.relay_id, 'for ' || r.duration_seconds || ' s'), 2
            FROM chekt.relay_events r
           WHERE r.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR r.app = alarm_timeline.app)
          UNION ALL
          SELECT v.app, v.created_at, v.event_type, v.event_id, v.requested_by,
                 'deadline ' || v.deadline_seconds || ' s', 3
            FROM chekt.verification_events v
           WHERE v.alarm_id = alarm_timeline.alarm_id
             AND (alarm_timeline.app IS NULL OR v.app = alarm_timeline.app)) AS t
   ORDER BY t.app, t.at, t.lifecycle_order, t.event_id;
END
$$;

COMMENT ON FUNCTION chekt.alarm_timeline(text, text) IS
  'every event linked to an alarm (alarm.*, its snapshots, verification requests and the relays it triggered) of one app, or (app NULL) of every app the caller may read, app by app in time order, ties in lifecycle order; since_created_s is NULL when alarm.created never arrived';

-------------------------------------------------------------------------------
-- Devices, per app
-------------------------------------------------------------------------------

CREATE TYPE chekt.device_outage AS (
  app         text,
  device_id   text,
  site_id     text,
  offline_at  timestamptz,
  online_at   timestamptz,
  downtime_s  double precision,
  ongoing     boolean
);

COMMENT ON TYPE chekt.device_outage IS 'an outage of a device of an app: a row of chekt.device_outages_between() and chekt.device_outages';
COMMENT ON COLUMN chekt.device_outage.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_outage.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_outage.site_id IS 'the device''s site, as its latest event of the outage gives it';
COMMENT ON COLUMN chekt.device_outage.offline_at IS 'when the device went offline';
COMMENT ON COLUMN chekt.device_outage.online_at IS 'when it came back; NULL while the outage goes on';
COMMENT ON COLUMN chekt.device_outage.downtime_s IS 'length of the outage in seconds (until now for an ongoing one)';
COMMENT ON COLUMN chekt.device_outage.ongoing IS 'true while no device.online has ended the outage';

CREATE FUNCTION chekt.device_outages_between(device text, from_ts timestamptz, to_ts timestamptz,
                                             app text DEFAULT NULL)
RETURNS SETOF chekt.device_outage
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  WITH RECURSIVE walk (app, device_id) AS (
    -- every device of every app (or of the app asked about), by a loose
    -- scan of the (app, device_id, created_at) index
    (SELECT e.app, e.device_id FROM chekt.device_events e
      WHERE device IS NULL AND device_outages_between.app IS NULL
      ORDER BY e.app, e.device_id LIMIT 1)
    UNION ALL
    (SELECT e.app, e.device_id FROM chekt.device_events e
      WHERE device IS NULL AND e.app = device_outages_between.app
      ORDER BY e.app, e.device_id LIMIT 1)
    UNION ALL
    SELECT n.app, n.device_id
      FROM walk w,
           LATERAL ((SELECT e.app, e.device_id FROM chekt.device_events e
                      WHERE device_outages_between.app IS NULL
                        AND (e.app, e.device_id) > (w.app, w.device_id)
                      ORDER BY e.app, e.device_id LIMIT 1)
                    UNION ALL
                    (SELECT e.app, e.device_id FROM chekt.device_events e
                      WHERE e.app = device_outages_between.app AND e.device_id > w.device_id
                      ORDER BY e.app, e.device_id LIMIT 1)) AS n
  ), devices AS (
    -- the device asked about, under each app that has it
    SELECT DISTINCT e.app, e.device_id FROM chekt.device_events e
     WHERE e.device_id = device
       AND (device_outages_between.app IS NULL OR e.app = device_outages_between.app)
    UNION ALL
    SELECT w.app, w.device_id FROM walk w
  ), bounds AS MATERIALIZED (
    -- a device's last online at or before the window (which ends every
    -- earlier outage) and its first online at or after it (which ends any
    -- outage the window leaves open); materialized, so that the range
    -- below is plain values, which row level security lets reach the index
    -- (a subquery in a qual is not leakproof, and would stay a filter)
    SELECT d.app, d.device_id,
           coalesce((SELECT max(x.created_at) FROM chekt.device_events x
                      WHERE x.app = d.app AND x.device_id = d.device_id
                        AND x.event_type = 'device.online'
                        AND x.created_at <= from_ts), '-infinity') AS lower,
           coalesce((SELECT min(x.created_at) FROM chekt.device_events x
                      WHERE x.app = d.app AND x.device_id = d.device_id
                        AND x.event_type = 'device.online'
                        AND x.created_at >= to_ts), 'infinity') AS upper
      FROM devices d
  ), events AS (
    -- the events between them: all that outages overlapping the window are
    -- made of, one index range per device (OFFSET 0 keeps it so: the
    -- planner cannot tell one device from thousands here)
    SELECT e.*
      FROM bounds b,
           LATERAL (SELECT * FROM chekt.device_events x
                     WHERE x.app = b.app AND x.device_id = b.device_id
                       AND x.created_at BETWEEN b.lower AND b.upper
                    OFFSET 0) AS e
  ), ordered AS (
    -- in event time (an offline before an online at the same instant:
    -- 'device.offline' sorts first), each numbered by how many onlines came
    -- before it: an outage is the offlines of one number closed by the
    -- online that takes the next
    SELECT e.app, e.device_id, e.site_id, e.event_type, e.created_at, e.downtime_seconds,
           CASE WHEN e.event_type = 'device.offline' THEN coalesce(e.last_seen_at, e.created_at) END AS offline_from,
           coalesce(count(*) FILTER (WHERE e.event_type = 'device.online')
                      OVER (PARTITION BY e.app, e.device_id
                            ORDER BY e.created_at, e.event_type, e.event_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS outage
      FROM events e
  ), outage AS (
    SELECT o.app, o.device_id, o.outage,
           min(o.offline_from) AS offline_from,
           max(o.created_at) FILTER (WHERE o.event_type = 'device.online') AS online_at,
           max(o.downtime_seconds) FILTER (WHERE o.event_type = 'device.online') AS downtime_seconds,
           (array_agg(o.site_id ORDER BY o.created_at DESC) FILTER (WHERE o.site_id IS NOT NULL))[1] AS site_id
      FROM ordered o
     GROUP BY o.app, o.device_id, o.outage
  ), bounded AS (
    -- an online without an offline before it: the outage began
    -- downtime_seconds earlier, but not before the previous online
    SELECT t.app, t.device_id, t.site_id, t.online_at,
           coalesce(t.offline_from,
                    CASE WHEN t.downtime_seconds IS NOT NULL
                         THEN greatest(t.online_at - t.downtime_seconds * interval '1 second',
                                       lag(t.online_at) OVER (PARTITION BY t.app, t.device_id ORDER BY t.outage))
                    END) AS offline_at
      FROM outage t
  )
  SELECT b.app,
         b.device_id::text,
         b.site_id::text,
         b.offline_at,
         b.online_at,
         extract(epoch FROM coalesce(b.online_at, now()) - b.offline_at)::double precision,
         b.online_at IS NULL
    FROM bounded b
   WHERE b.offline_at IS NOT NULL
     AND b.offline_at < to_ts
     AND (b.online_at IS NULL OR b.online_at > from_ts);
END;

COMMENT ON FUNCTION chekt.device_outages_between(text, timestamptz, timestamptz, text) IS
  'the outages of a device (NULL: of every device) of one app (NULL: of every app the caller may read) that overlap the window, computed from the events around it; a device id under two apps is two devices; the one definition behind device_outages and device_downtime()';

CREATE VIEW chekt.device_outages WITH (security_invoker = true) AS
SELECT * FROM chekt.device_outages_between(NULL, '-infinity', 'infinity');

COMMENT ON VIEW chekt.device_outages IS
  'every outage of every device of every app: from the offline event''s last_seen_at (else its created_at) to the next device.online of the same device and app; an online without an offline before it counts back downtime_seconds; an offline with no online after it is ongoing';
COMMENT ON COLUMN chekt.device_outages.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_outages.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_outages.site_id IS 'the device''s site, as its latest event of the outage gives it';
COMMENT ON COLUMN chekt.device_outages.offline_at IS 'when the device went offline';
COMMENT ON COLUMN chekt.device_outages.online_at IS 'when it came back; NULL while the outage goes on';
COMMENT ON COLUMN chekt.device_outages.downtime_s IS 'length of the outage in seconds (until now for an ongoing one)';
COMMENT ON COLUMN chekt.device_outages.ongoing IS 'true while no device.online has ended the outage';

CREATE TYPE chekt.device_downtime_entry AS (
  app          text,
  device_id    text,
  site_id      text,
  offline_at   timestamptz,
  online_at    timestamptz,
  downtime_s   double precision,
  in_window_s  double precision,
  ongoing      boolean
);

COMMENT ON TYPE chekt.device_downtime_entry IS 'a row of chekt.device_downtime(): an outage that overlaps the window';
COMMENT ON COLUMN chekt.device_downtime_entry.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_downtime_entry.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_downtime_entry.site_id IS 'the device''s site, as its latest event of the outage gives it';
COMMENT ON COLUMN chekt.device_downtime_entry.offline_at IS 'when the device went offline';
COMMENT ON COLUMN chekt.device_downtime_entry.online_at IS 'when it came back; NULL while the outage goes on';
COMMENT ON COLUMN chekt.device_downtime_entry.downtime_s IS 'length of the whole outage in seconds (until now for an ongoing one)';
COMMENT ON COLUMN chekt.device_downtime_entry.in_window_s IS 'seconds of the outage inside the window';
COMMENT ON COLUMN chekt.device_downtime_entry.ongoing IS 'true while no device.online has ended the outage';

-- jit off: the outage query is index lookups and window functions, which
-- JIT does not speed up, and its estimate (a recursive walk of every
-- device) crosses jit_above_cost: compiling it took 0.75 s of a 0.9 s
-- answer at 1.6M events, and made a plan cached for one device pay it on
-- every call
CREATE FUNCTION chekt.device_downtime(device text, from_ts timestamptz, to_ts timestamptz,
                                      app text DEFAULT NULL)
RETURNS SETOF chekt.device_downtime_entry
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR from_ts > to_ts THEN
    RAISE EXCEPTION 'the window must run from a time to a later time'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_ts is %s, to_ts is %s.', coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')),
            HINT = 'Pass, for example, now() - interval ''30 days'' and now(); pass NULL as device for every device, and NULL as app for every app.';
  END IF;

  RETURN QUERY
  SELECT o.app, o.device_id, o.site_id, o.offline_at, o.online_at, o.downtime_s,
         greatest(extract(epoch FROM least(coalesce(o.online_at, now()), to_ts)
                                   - greatest(o.offline_at, from_ts)), 0)::double precision,
         o.ongoing
    FROM chekt.device_outages_between(device, from_ts, to_ts, device_downtime.app) o
   ORDER BY o.app, o.device_id, o.offline_at;
END
$$;

COMMENT ON FUNCTION chekt.device_downtime(text, timestamptz, timestamptz, text) IS
  'every outage of a device (NULL: of every device) of one app (NULL: of every app the caller may read) that overlaps the window from_ts to to_ts, with its length and the seconds of it inside the window';

CREATE VIEW chekt.device_status WITH (security_invoker = true) AS
SELECT DISTINCT ON (e.app, e.device_id)
       e.app,
       e.device_id,
       e.site_id,
       CASE e.event_type WHEN 'device.offline' THEN 'offline' ELSE 'online' END AS status,
       CASE e.event_type WHEN 'device.offline' THEN coalesce(e.last_seen_at, e.created_at)
            ELSE e.created_at END AS since,
       e.created_at AS last_event_at,
       e.event_id AS last_event_id
  FROM chekt.device_events e
 ORDER BY e.app, e.device_id, e.created_at DESC, e.event_type DESC, e.event_id DESC;

COMMENT ON VIEW chekt.device_status IS 'the latest known status of each device of each app, from its latest event in event time';
COMMENT ON COLUMN chekt.device_status.app IS 'the app of the device''s events';
COMMENT ON COLUMN chekt.device_status.device_id IS 'the device (unique within its app)';
COMMENT ON COLUMN chekt.device_status.site_id IS 'the device''s site, from its latest event';
COMMENT ON COLUMN chekt.device_status.status IS 'online or offline';
COMMENT ON COLUMN chekt.device_status.since IS 'since when (for offline: when it was last seen)';
COMMENT ON COLUMN chekt.device_status.last_event_at IS 'created_at of the latest event';
COMMENT ON COLUMN chekt.device_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Partitions, per app
-------------------------------------------------------------------------------

CREATE VIEW chekt.partition_status WITH (security_invoker = true) AS
SELECT DISTINCT ON (p.app, p.partition_id)
       p.app,
       p.partition_id,
       p.site_id,
       CASE p.event_type WHEN 'partition.armed' THEN 'armed' ELSE 'disarmed' END AS state,
       p.mode,
       p.initiated_by,
       p.operator_id,
       p.created_at AS since,
       p.event_id AS last_event_id
  FROM chekt.partition_events p
 ORDER BY p.app, p.partition_id, p.created_at DESC, p.event_id DESC;

COMMENT ON VIEW chekt.partition_status IS 'the current arm state of each partition of each app, from its latest event in event time';
COMMENT ON COLUMN chekt.partition_status.app IS 'the app of the partition''s events';
COMMENT ON COLUMN chekt.partition_status.partition_id IS 'the partition (unique within its app)';
COMMENT ON COLUMN chekt.partition_status.site_id IS 'the partition''s site';
COMMENT ON COLUMN chekt.partition_status.state IS 'armed or disarmed';
COMMENT ON COLUMN chekt.partition_status.mode IS 'arming mode, e.g. away (armed only)';
COMMENT ON COLUMN chekt.partition_status.initiated_by IS 'who changed it: user, schedule, remote (the payload''s "by")';
COMMENT ON COLUMN chekt.partition_status.operator_id IS 'the operator, when disarmed manually';
COMMENT ON COLUMN chekt.partition_status.since IS 'when the partition entered this state';
COMMENT ON COLUMN chekt.partition_status.last_event_id IS 'id of the latest event';

-------------------------------------------------------------------------------
-- Sites, per app and UTC day
-------------------------------------------------------------------------------

CREATE VIEW chekt.site_daily_summary WITH (security_invoker = true) AS
WITH alarm_day AS (
  SELECT app, site_id, (created_at AT TIME ZONE 'UTC')::date AS day,
         count(*) AS alarms,
         count(resolved_at) AS resolved_alarms,
         count(*) FILTER (WHERE is_false_positive) AS false_positives,
         avg(time_to_acknowledge_s) AS mean_time_to_acknowledge_s
    FROM chekt.alarm_lifecycle
   WHERE created_at IS NOT NULL AND site_id IS NOT NULL
   GROUP BY 1, 2, 3
), downtime_day AS (
  -- each outage cut at UTC midnights
  SELECT o.app, o.site_id, d.day::date AS day,
         sum(extract(epoch FROM least(coalesce(o.online_at, now()), (d.day + interval '1 day') AT TIME ZONE 'UTC')
                                - greatest(o.offline_at, d.day AT TIME ZONE 'UTC')))::double precision AS downtime_s
    FROM chekt.device_outages o,
         generate_series(date_trunc('day', o.offline_at AT TIME ZONE 'UTC'),
                         date_trunc('day', coalesce(o.online_at, now()) AT TIME ZONE 'UTC'),
                         interval '1 day') AS d (day)
   WHERE o.site_id IS NOT NULL
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
       coalesce(t.downtime_s, 0) AS downtime_s
  FROM alarm_day a
  FULL JOIN downtime_day t ON t.app = a.app AND t.site_id = a.site_id AND t.day = a.day;

COMMENT ON VIEW chekt.site_daily_summary IS
  'per app, site and UTC day (a site id is unique only within its app): alarms created, false positives among the resolved ones, mean time to acknowledge, device downtime';
COMMENT ON COLUMN chekt.site_daily_summary.app IS 'the app of the site''s events';
COMMENT ON COLUMN chekt.site_daily_summary.day IS 'the day, in UTC, of the alarms'' creation and of the downtime';
COMMENT ON COLUMN chekt.site_daily_summary.site_id IS 'the site (unique within its app)';
COMMENT ON COLUMN chekt.site_daily_summary.alarms IS 'alarms created that day';
COMMENT ON COLUMN chekt.site_daily_summary.resolved_alarms IS 'of those, how many are resolved (denominator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positives IS 'of those, how many were resolved as false-positive (numerator of false_positive_rate)';
COMMENT ON COLUMN chekt.site_daily_summary.false_positive_rate IS 'false_positives / resolved_alarms; NULL when none is resolved';
COMMENT ON COLUMN chekt.site_daily_summary.mean_time_to_acknowledge_s IS 'mean seconds from creation to first acknowledgement of that day''s alarms';
COMMENT ON COLUMN chekt.site_daily_summary.downtime_s IS 'seconds of device downtime at the site within that day (ongoing outages until now)';

-------------------------------------------------------------------------------
-- The analytic surface, who may read it, and which apps
-------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION chekt.analyst_privileges(analyst regrole, give boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- the analytic surface, listed once
  relations text := 'chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
                     chekt.partition_status, chekt.site_daily_summary,
                     chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
                     chekt.verification_events, chekt.partition_events, chekt.relay_events,
                     chekt.event_families, chekt.event_types, chekt.event_fields';
  functions text := 'chekt.alarm_timeline(text, text),
                     chekt.device_downtime(text, timestamptz, timestamptz, text),
                     chekt.device_outages_between(text, timestamptz, timestamptz, text)';
BEGIN
  IF give THEN
    EXECUTE format('GRANT USAGE ON SCHEMA chekt TO %s', analyst);
    EXECUTE format('GRANT SELECT ON %s TO %s', relations, analyst);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', functions, analyst);
  ELSE
    EXECUTE format('REVOKE SELECT ON %s FROM %s', relations, analyst);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', functions, analyst);
    EXECUTE format('REVOKE USAGE ON SCHEMA chekt FROM %s', analyst);
  END IF;
END
$$;

CREATE FUNCTION chekt.grant_analyst(analyst regrole, apps text[] DEFAULT NULL)
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
     WHERE NOT EXISTS (SELECT FROM chekt.apps a WHERE a.app = x.app);
    IF unknown IS NOT NULL THEN
      RAISE WARNING 'not a registered app: %', unknown
        USING DETAIL = 'The role will read their rows once events of them are stored.',
              HINT = 'SELECT app FROM chekt.apps lists the registered apps; app names are case sensitive.';
    END IF;
  END IF;

  INSERT INTO chekt.analysts AS s (analyst, apps)
  VALUES (grant_analyst.analyst,
          (SELECT array_agg(DISTINCT x.app ORDER BY x.app) FROM unnest(grant_analyst.apps) AS x (app)))
  ON CONFLICT ((analyst::oid)) DO UPDATE SET apps = excluded.apps, granted_at = now();
  PERFORM chekt.analyst_privileges(grant_analyst.analyst, true);
END
$$;

COMMENT ON FUNCTION chekt.grant_analyst(regrole, text[]) IS
  'lets a role read the analytic surface (the views, the family tables, the type catalog, alarm_timeline() and device_downtime()) for the listed apps only, or every app (NULL); calling it again widens or narrows the list; no secrets, no raw deliveries, no quarantine, no writes';

CREATE OR REPLACE FUNCTION chekt.revoke_analyst(analyst regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM chekt.analyst_privileges(revoke_analyst.analyst, false);
  DELETE FROM chekt.analysts s WHERE s.analyst::oid = revoke_analyst.analyst::oid;
END
$$;

COMMENT ON FUNCTION chekt.revoke_analyst(regrole) IS 'takes back what chekt.grant_analyst() gave: the privileges and the app scope';

-- the analysts of 0.4.0 read every app, as before
SELECT chekt.analyst_privileges(a.analyst, true)
  FROM chekt.analysts a
  JOIN pg_catalog.pg_roles r ON r.oid = a.analyst::oid;

REVOKE ALL ON chekt.analysts, chekt.alarm_lifecycle, chekt.device_outages, chekt.device_status,
              chekt.partition_status, chekt.site_daily_summary
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.alarm_timeline(text, text),
                           chekt.device_downtime(text, timestamptz, timestamptz, text),
                           chekt.device_outages_between(text, timestamptz, timestamptz, text),
                           chekt.grant_analyst(regrole, text[])
  FROM PUBLIC;
-- what a policy reads runs as the reader: the scope shows each role only its own
GRANT SELECT ON chekt.analyst_scope TO PUBLIC;
GRANT EXECUTE ON FUNCTION chekt.visible_apps() TO PUBLIC;

-------------------------------------------------------------------------------
-- Receipt time: the database's clock, unless the role may backfill
-- (src/receipt.c)
-------------------------------------------------------------------------------

CREATE TABLE chekt.backfillers (
  backfiller  regrole NOT NULL,
  granted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX backfillers_backfiller_idx ON chekt.backfillers ((backfiller::oid));
COMMENT ON INDEX chekt.backfillers_backfiller_idx IS 'one row per role';

COMMENT ON TABLE chekt.backfillers IS
  'roles whose received_at ingest believes (replays, backfills); a delivery of any other role is judged at the database''s now(); the extension owner always may';
COMMENT ON COLUMN chekt.backfillers.backfiller IS 'the role (its members may too)';
COMMENT ON COLUMN chekt.backfillers.granted_at IS 'when the right was given';

SELECT pg_catalog.pg_extension_config_dump('chekt.backfillers', '');

CREATE FUNCTION chekt.grant_backfill(backfiller regrole)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  INSERT INTO chekt.backfillers (backfiller) VALUES (backfiller)
  ON CONFLICT ((backfiller::oid)) DO NOTHING;
END;

COMMENT ON FUNCTION chekt.grant_backfill(regrole) IS
  'lets a role (and its members) supply the received_at of the deliveries it ingests, for replays and backfills: their signatures are then judged at that time';

CREATE FUNCTION chekt.revoke_backfill(backfiller regrole)
RETURNS void
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  DELETE FROM chekt.backfillers b WHERE b.backfiller::oid = revoke_backfill.backfiller::oid;
END;

COMMENT ON FUNCTION chekt.revoke_backfill(regrole) IS
  'takes back what chekt.grant_backfill() gave: the role''s deliveries are judged at now() again';

ALTER TABLE chekt.inbox ALTER COLUMN received_at DROP NOT NULL;

COMMENT ON COLUMN chekt.inbox.received_at IS
  'when the delivery was received; the replay window is measured from it.  Taken only from the extension owner and roles given chekt.grant_backfill(); for every other role, and when NULL, it is the transaction''s now()';

COMMENT ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) IS
  'ingests one delivery like a row of chekt.inbox (and needs the same INSERT privilege, and the backfill right for received_at to count) and returns its outcome: accepted, duplicate, or the reason it was quarantined';

REVOKE ALL ON chekt.backfillers FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.grant_backfill(regrole), chekt.revoke_backfill(regrole) FROM PUBLIC;

-------------------------------------------------------------------------------
-- The quarantine: bounded for deliveries that never authenticated, and
-- purged (src/store_refusals.c)
-------------------------------------------------------------------------------

ALTER TABLE chekt.rejected
  ADD COLUMN body_length integer,
  ADD COLUMN body_sha256 bytea,
  ADD COLUMN truncated boolean NOT NULL DEFAULT false;

UPDATE chekt.rejected
   SET body_length = octet_length(coalesce(body_bytes, convert_to(body, current_setting('server_encoding')))),
       body_sha256 = sha256(coalesce(body_bytes, convert_to(body, current_setting('server_encoding'))));

ALTER TABLE chekt.rejected
  ALTER COLUMN body_length SET NOT NULL,
  ALTER COLUMN body_sha256 SET NOT NULL;

CREATE INDEX rejected_rejected_at_idx ON chekt.rejected (rejected_at);
COMMENT ON INDEX chekt.rejected_rejected_at_idx IS 'the oldest refusals first: purge_rejected()';

COMMENT ON TABLE chekt.rejected IS
  'quarantine: every refused delivery with the reason; whole, except that one refused before it authenticated keeps a bounded part (see truncated); chekt.retry_rejected() re-runs them, chekt.purge_rejected() deletes old ones';
COMMENT ON COLUMN chekt.rejected.body IS
  'the delivery''s body, byte for byte (only its first chekt.max_unauthenticated_body_bytes when truncated); NULL when it was not valid text and is kept in body_bytes';
COMMENT ON COLUMN chekt.rejected.body_bytes IS
  'the delivery''s body, byte for byte (only its first chekt.max_unauthenticated_body_bytes when truncated), when it was not valid text in the database encoding (bad UTF-8, a NUL byte); NULL otherwise';
COMMENT ON COLUMN chekt.rejected.body_length IS 'the byte length of the whole body as received';
COMMENT ON COLUMN chekt.rejected.body_sha256 IS 'SHA-256 of the whole body as received';
COMMENT ON COLUMN chekt.rejected.truncated IS
  'true if the row does not hold the whole delivery: refused before it authenticated (unknown_app, bad_signature, stale_signature), it keeps the first chekt.max_unauthenticated_body_bytes of its body, 256 bytes of each signature header and its other headers only if they take at most 1 kB; never retried';
COMMENT ON COLUMN chekt.rejected.received_at IS
  'when the delivery was received (the database''s clock, unless the role that ingested it may backfill)';

CREATE FUNCTION chekt.purge_rejected(older_than interval, reason text DEFAULT NULL)
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
    DELETE FROM chekt.rejected r
     WHERE r.rejected_id IN (SELECT q.rejected_id FROM chekt.rejected q
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

COMMENT ON FUNCTION chekt.purge_rejected(interval, text) IS
  'deletes quarantined deliveries refused more than older_than ago (of one reason, or all), in batches of 10,000 that skip rows a retry holds; returns how many; schedule it with pg_cron';

REVOKE EXECUTE ON FUNCTION chekt.purge_rejected(interval, text) FROM PUBLIC;
