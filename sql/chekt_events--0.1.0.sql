-- chekt_events 0.1.0: signature core, apps and their webhook secrets

\echo Use "CREATE EXTENSION chekt_events" to load this file. \quit

COMMENT ON SCHEMA chekt IS
  'CHeKT webhook events: signature verification, app secrets, and (later) typed event tables';

-------------------------------------------------------------------------------
-- Signatures: pure functions over bytes (src/signature.c)
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.sign(secret text, signed_at text, body text)
RETURNS text
AS 'MODULE_PATHNAME', 'chekt_sign'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION chekt.sign(text, text, text) IS
  'X-CHeKT-Signature for a delivery: lowercase hex of HMAC-SHA256(secret, signed_at || ''.'' || body)';

CREATE FUNCTION chekt.verify_signature(secret text, signed_at text, body text, signature text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'chekt_verify_signature'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION chekt.verify_signature(text, text, text, text) IS
  'true if any signature in an X-CHeKT-Signature header value (hex, optional sha256= or v1= prefix, separated by commas or spaces) signs signed_at.body under secret; false for anything else';

CREATE FUNCTION chekt.sign_standard_webhook(secret text, msg_id text, "timestamp" text, body text)
RETURNS text
AS 'MODULE_PATHNAME', 'chekt_sign_standard_webhook'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION chekt.sign_standard_webhook(text, text, text, text) IS
  'Standard Webhooks webhook-signature value v1,<base64> of HMAC-SHA256 over msg_id.timestamp.body; secret is base64 with or without whsec_';

CREATE FUNCTION chekt.verify_standard_webhook(secret text, msg_id text, "timestamp" text, body text, signature text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'chekt_verify_standard_webhook'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION chekt.verify_standard_webhook(text, text, text, text, text) IS
  'true if any v1, entry of a webhook-signature header value (space separated) signs msg_id.timestamp.body under secret; false for anything else';

CREATE FUNCTION chekt.validate_secret(secret text, scheme text)
RETURNS void
AS 'MODULE_PATHNAME', 'chekt_validate_secret'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION chekt.validate_secret(text, text) IS
  'raises an error saying what is wrong if secret cannot sign deliveries under scheme (chekt or standard_webhooks); never shows the secret';

-------------------------------------------------------------------------------
-- Apps and their webhook secrets
--
-- Secrets must be stored as they are: an HMAC key cannot be checked against
-- a hash of itself.  They are protected by privileges instead: only the
-- extension owner can read these tables or call the functions that change
-- them, and no function returns a secret.
-------------------------------------------------------------------------------

CREATE TABLE chekt.apps (
  app                 text PRIMARY KEY,
  scheme              text NOT NULL DEFAULT 'chekt'
                      CHECK (scheme IN ('chekt', 'standard_webhooks')),
  replay_tolerance_s  integer NOT NULL DEFAULT 300
                      CHECK (replay_tolerance_s BETWEEN 1 AND 86400),
  created_at          timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE chekt.apps IS
  'CHeKT Apps whose webhook deliveries are accepted; one row per app, created by chekt.add_secret()';
COMMENT ON COLUMN chekt.apps.app IS
  'app name: the {app} of POST /webhooks/{app} and the app column of chekt.inbox';
COMMENT ON COLUMN chekt.apps.scheme IS
  'how the app signs: chekt (X-CHeKT-Timestamp/X-CHeKT-Signature) or standard_webhooks (webhook-id/-timestamp/-signature)';
COMMENT ON COLUMN chekt.apps.replay_tolerance_s IS
  'largest accepted gap in seconds between a delivery''s signed timestamp and its receipt (replay protection)';
COMMENT ON COLUMN chekt.apps.created_at IS
  'when the app was registered';

CREATE TABLE chekt.app_secrets (
  secret_id   bigserial PRIMARY KEY,
  app         text NOT NULL REFERENCES chekt.apps (app) ON UPDATE CASCADE ON DELETE CASCADE,
  secret      text NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz
);

CREATE INDEX app_secrets_app_idx ON chekt.app_secrets (app);

COMMENT ON TABLE chekt.app_secrets IS
  'webhook signing secrets per app; several may be active at once while a secret rotates; readable by the extension owner only';
COMMENT ON COLUMN chekt.app_secrets.secret_id IS
  'identifier of the secret, returned by chekt.add_secret() and taken by chekt.retire_secret()';
COMMENT ON COLUMN chekt.app_secrets.app IS
  'the app that signs with this secret';
COMMENT ON COLUMN chekt.app_secrets.secret IS
  'the secret as the sender shows it (chekt: raw key; standard_webhooks: base64, optionally whsec_-prefixed)';
COMMENT ON COLUMN chekt.app_secrets.added_at IS
  'when the secret was registered';
COMMENT ON COLUMN chekt.app_secrets.expires_at IS
  'the secret signs nothing received from this instant on; NULL means it never expires';

-- pg_dump keeps the rows of these tables although the tables belong to the
-- extension: without them a restored database would refuse every delivery.
SELECT pg_catalog.pg_extension_config_dump('chekt.apps', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.app_secrets', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.app_secrets_secret_id_seq', '');

CREATE VIEW chekt.secret_status AS
SELECT s.secret_id,
       s.app,
       a.scheme,
       s.added_at,
       s.expires_at,
       (s.expires_at IS NULL OR s.expires_at > now()) AS is_active
  FROM chekt.app_secrets s
  JOIN chekt.apps a USING (app);

COMMENT ON VIEW chekt.secret_status IS
  'the registered secrets without their values: which app, since when, until when, active now or not';
COMMENT ON COLUMN chekt.secret_status.secret_id IS 'identifier to pass to chekt.retire_secret()';
COMMENT ON COLUMN chekt.secret_status.app IS 'the app that signs with this secret';
COMMENT ON COLUMN chekt.secret_status.scheme IS 'the app''s signature scheme';
COMMENT ON COLUMN chekt.secret_status.added_at IS 'when the secret was registered';
COMMENT ON COLUMN chekt.secret_status.expires_at IS 'when the secret stops signing; NULL for never';
COMMENT ON COLUMN chekt.secret_status.is_active IS 'true if the secret signs deliveries received now';

CREATE FUNCTION chekt.add_secret(app text, secret text, scheme text DEFAULT 'chekt',
                                 expires_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  app_scheme text;
  new_secret_id bigint;
BEGIN
  IF add_secret.app IS NULL OR add_secret.app = '' THEN
    RAISE EXCEPTION 'app name must not be null or empty'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the name the app''s deliveries are posted under, the {app} of POST /webhooks/{app}.';
  END IF;
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

  INSERT INTO chekt.apps (app, scheme)
  VALUES (add_secret.app, add_secret.scheme)
  ON CONFLICT ON CONSTRAINT apps_pkey DO NOTHING;

  SELECT a.scheme INTO app_scheme
    FROM chekt.apps a
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
  UPDATE chekt.app_secrets s
     SET expires_at = add_secret.expires_at
   WHERE s.app = add_secret.app
     AND s.secret = add_secret.secret
  RETURNING s.secret_id INTO new_secret_id;

  IF new_secret_id IS NULL THEN
    INSERT INTO chekt.app_secrets (app, secret, expires_at)
    VALUES (add_secret.app, add_secret.secret, add_secret.expires_at)
    RETURNING secret_id INTO new_secret_id;
  END IF;
  RETURN new_secret_id;
END
$$;

COMMENT ON FUNCTION chekt.add_secret(text, text, text, timestamptz) IS
  'registers a webhook signing secret for an app (creating the app), optionally expiring; returns its secret_id; adding a known secret again resets its expiry';

CREATE FUNCTION chekt.retire_secret(secret_id bigint, retire_at timestamptz DEFAULT now())
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

  UPDATE chekt.app_secrets s
     SET expires_at = retire_secret.retire_at
   WHERE s.secret_id = retire_secret.secret_id
  RETURNING s.app INTO secret_app;

  IF secret_app IS NULL THEN
    RAISE EXCEPTION 'secret % does not exist', retire_secret.secret_id
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT * FROM chekt.secret_status lists the registered secrets.';
  END IF;

  IF NOT EXISTS (SELECT FROM chekt.app_secrets s
                  WHERE s.app = secret_app
                    AND (s.expires_at IS NULL OR s.expires_at > retire_secret.retire_at)) THEN
    RAISE WARNING 'app "%" is left without an active secret', secret_app
      USING DETAIL = format('Deliveries for this app received from %s on will be refused as unknown_app.',
                            retire_secret.retire_at),
            HINT = 'Add the new secret with chekt.add_secret() before retiring the old one.';
  END IF;
END
$$;

COMMENT ON FUNCTION chekt.retire_secret(bigint, timestamptz) IS
  'stops a secret from signing deliveries received from retire_at on (default now); warns when the app is left without a secret';

CREATE FUNCTION chekt.alter_app(app text, scheme text DEFAULT NULL,
                                replay_tolerance_s integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  app_secret text;
BEGIN
  PERFORM FROM chekt.apps a WHERE a.app = alter_app.app FOR UPDATE;
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
      SELECT s.secret FROM chekt.app_secrets s WHERE s.app = alter_app.app
    LOOP
      PERFORM chekt.validate_secret(app_secret, alter_app.scheme);
    END LOOP;
  END IF;

  UPDATE chekt.apps a
     SET scheme = coalesce(alter_app.scheme, a.scheme),
         replay_tolerance_s = coalesce(alter_app.replay_tolerance_s, a.replay_tolerance_s)
   WHERE a.app = alter_app.app;
END
$$;

COMMENT ON FUNCTION chekt.alter_app(text, text, integer) IS
  'changes an app''s signature scheme and/or replay tolerance in seconds; NULL leaves a setting as it is';

-------------------------------------------------------------------------------
-- Privileges: secrets and their management belong to the extension owner
-------------------------------------------------------------------------------

REVOKE ALL ON chekt.apps, chekt.app_secrets, chekt.secret_status FROM PUBLIC;
REVOKE ALL ON SEQUENCE chekt.app_secrets_secret_id_seq FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.add_secret(text, text, text, timestamptz),
                           chekt.retire_secret(bigint, timestamptz),
                           chekt.alter_app(text, text, integer)
  FROM PUBLIC;

-------------------------------------------------------------------------------
-- The event type catalog: data the C code reads (src/catalog.c)
--
-- A new CHeKT event type or data field is rows here plus a column in its
-- family table, in an upgrade script; no C changes.
-------------------------------------------------------------------------------

CREATE TABLE chekt.event_families (
  family       text PRIMARY KEY,
  description  text NOT NULL
);

COMMENT ON TABLE chekt.event_families IS
  'event families; family F is stored in table chekt.F_events';
COMMENT ON COLUMN chekt.event_families.family IS 'family name, e.g. alarm (table chekt.alarm_events)';
COMMENT ON COLUMN chekt.event_families.description IS 'what the family''s events are about';

CREATE TABLE chekt.event_types (
  event_type   text PRIMARY KEY,
  family       text NOT NULL REFERENCES chekt.event_families,
  description  text NOT NULL
);

COMMENT ON TABLE chekt.event_types IS
  'the CHeKT event types accepted at ingest; a delivery of any other type is quarantined as unknown_type';
COMMENT ON COLUMN chekt.event_types.event_type IS 'the envelope''s type, e.g. alarm.created';
COMMENT ON COLUMN chekt.event_types.family IS 'the family whose table stores events of this type';
COMMENT ON COLUMN chekt.event_types.description IS 'when CHeKT sends this event';

CREATE TABLE chekt.event_fields (
  event_type   text NOT NULL REFERENCES chekt.event_types ON DELETE CASCADE,
  field        text NOT NULL,
  column_name  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('string', 'seconds', 'timestamp')),
  required     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (event_type, field)
);

COMMENT ON TABLE chekt.event_fields IS
  'the data fields of each event type, how they are checked, and the family column each is stored in';
COMMENT ON COLUMN chekt.event_fields.event_type IS 'the event type';
COMMENT ON COLUMN chekt.event_fields.field IS 'the key in the payload''s data object';
COMMENT ON COLUMN chekt.event_fields.column_name IS 'the column of the family table that stores it';
COMMENT ON COLUMN chekt.event_fields.kind IS
  'string (JSON string, column text), seconds (non-negative JSON integer, column integer) or timestamp (RFC 3339 string, column timestamptz)';
COMMENT ON COLUMN chekt.event_fields.required IS
  'true: must be present and non-null, else the delivery is quarantined as invalid_payload; false: checked only when present and non-null';

INSERT INTO chekt.event_families (family, description) VALUES
  ('alarm',        'the alarm lifecycle: created, acknowledged, dispatched, resolved'),
  ('device',       'devices going offline and coming back online'),
  ('snapshot',     'image and video captures tied to events'),
  ('verification', 'video-verification requests'),
  ('partition',    'partitions armed and disarmed'),
  ('relay',        'hardware relay activations');

INSERT INTO chekt.event_types (event_type, family, description) VALUES
  ('alarm.created',          'alarm',        'a new alarm was triggered at a site'),
  ('alarm.acknowledged',     'alarm',        'an operator (human or app) acknowledged the alarm'),
  ('alarm.dispatched',       'alarm',        'a responder was dispatched to the alarm location'),
  ('alarm.resolved',         'alarm',        'the alarm was closed with a resolution'),
  ('device.online',          'device',       'a device came back online'),
  ('device.offline',         'device',       'a device stopped responding (after a 60-second debounce)'),
  ('snapshot.created',       'snapshot',     'a new snapshot is available (its URL expires after 24 hours)'),
  ('verification.requested', 'verification', 'an alarm needs verification before a deadline'),
  ('partition.armed',        'partition',    'a partition was armed'),
  ('partition.disarmed',     'partition',    'a partition was disarmed'),
  ('relay.activated',        'relay',        'a relay was triggered by an alarm, a schedule or a manual action');

INSERT INTO chekt.event_fields (event_type, field, column_name, kind, required) VALUES
  ('alarm.created',          'alarm_id',          'alarm_id',          'string',    true),
  ('alarm.created',          'site_id',           'site_id',           'string',    true),
  ('alarm.created',          'device_id',         'device_id',         'string',    false),
  ('alarm.created',          'priority',          'priority',          'string',    false),
  ('alarm.created',          'trigger',           'trigger',           'string',    false),
  ('alarm.created',          'location',          'location',          'string',    false),
  ('alarm.created',          'snapshot_url',      'snapshot_url',      'string',    false),
  ('alarm.acknowledged',     'alarm_id',          'alarm_id',          'string',    true),
  ('alarm.acknowledged',     'operator_id',       'operator_id',       'string',    false),
  ('alarm.acknowledged',     'reason',            'reason',            'string',    false),
  ('alarm.dispatched',       'alarm_id',          'alarm_id',          'string',    true),
  ('alarm.dispatched',       'responder_id',      'responder_id',      'string',    false),
  ('alarm.dispatched',       'responder_type',    'responder_type',    'string',    false),
  ('alarm.dispatched',       'eta_seconds',       'eta_seconds',       'seconds',   false),
  ('alarm.dispatched',       'tracking_url',      'tracking_url',      'string',    false),
  ('alarm.resolved',         'alarm_id',          'alarm_id',          'string',    true),
  ('alarm.resolved',         'resolution',        'resolution',        'string',    true),
  ('alarm.resolved',         'notes',             'notes',             'string',    false),
  ('device.online',          'device_id',         'device_id',         'string',    true),
  ('device.online',          'site_id',           'site_id',           'string',    false),
  ('device.online',          'previous_status',   'previous_status',   'string',    false),
  ('device.online',          'downtime_seconds',  'downtime_seconds',  'seconds',   false),
  ('device.offline',         'device_id',         'device_id',         'string',    true),
  ('device.offline',         'site_id',           'site_id',           'string',    false),
  ('device.offline',         'last_seen_at',      'last_seen_at',      'timestamp', false),
  ('snapshot.created',       'snapshot_id',       'snapshot_id',       'string',    true),
  ('snapshot.created',       'device_id',         'device_id',         'string',    false),
  ('snapshot.created',       'alarm_id',          'alarm_id',          'string',    false),
  ('snapshot.created',       'url',               'url',               'string',    false),
  ('snapshot.created',       'expires_at',        'expires_at',        'timestamp', false),
  ('verification.requested', 'alarm_id',          'alarm_id',          'string',    true),
  ('verification.requested', 'requested_by',      'requested_by',      'string',    false),
  ('verification.requested', 'deadline_seconds',  'deadline_seconds',  'seconds',   false),
  ('partition.armed',        'partition_id',      'partition_id',      'string',    true),
  ('partition.armed',        'site_id',           'site_id',           'string',    false),
  ('partition.armed',        'mode',              'mode',              'string',    false),
  ('partition.armed',        'by',                'initiated_by',      'string',    false),
  ('partition.disarmed',     'partition_id',      'partition_id',      'string',    true),
  ('partition.disarmed',     'site_id',           'site_id',           'string',    false),
  ('partition.disarmed',     'by',                'initiated_by',      'string',    false),
  ('partition.disarmed',     'operator_id',       'operator_id',       'string',    false),
  ('relay.activated',        'relay_id',          'relay_id',          'string',    true),
  ('relay.activated',        'device_id',         'device_id',         'string',    false),
  ('relay.activated',        'duration_seconds',  'duration_seconds',  'seconds',   false),
  ('relay.activated',        'trigger',           'trigger',           'string',    false);

-------------------------------------------------------------------------------
-- Ingest: chekt.inbox is the COPY target; nothing stays in it
--
-- A BEFORE ROW trigger authenticates, parses and validates each delivery in
-- C and keeps the outcome in a batch; the batch is written set-based (one
-- INSERT ... SELECT per table) when it fills up and at the end of the
-- statement. See src/ingest.c.
-------------------------------------------------------------------------------

CREATE TABLE chekt.inbox (
  app          text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  signed_at    text,
  signature    text,
  body         text NOT NULL,
  message_id   text COLLATE "C",
  headers      jsonb
);

COMMENT ON TABLE chekt.inbox IS
  'COPY or INSERT webhook deliveries here; each row is verified and routed to chekt.events and its family table, or to chekt.rejected, and is not kept here';
COMMENT ON COLUMN chekt.inbox.app IS 'the app the delivery was posted for (POST /webhooks/{app})';
COMMENT ON COLUMN chekt.inbox.received_at IS 'when the delivery was received; the replay window is measured from it';
COMMENT ON COLUMN chekt.inbox.signed_at IS 'the X-CHeKT-Timestamp (or webhook-timestamp) header, verbatim: Unix seconds';
COMMENT ON COLUMN chekt.inbox.signature IS 'the X-CHeKT-Signature (or webhook-signature) header, verbatim';
COMMENT ON COLUMN chekt.inbox.body IS 'the raw request body, byte for byte';
COMMENT ON COLUMN chekt.inbox.message_id IS 'the webhook-id header of the Standard Webhooks scheme; NULL for the chekt scheme';
COMMENT ON COLUMN chekt.inbox.headers IS 'other delivery headers worth keeping (e.g. X-CHeKT-* tracing headers), as a JSON object';

CREATE TABLE chekt.events (
  event_id          text COLLATE "C" PRIMARY KEY,
  event_type        text NOT NULL,
  created_at        timestamptz NOT NULL,
  received_at       timestamptz NOT NULL,
  last_received_at  timestamptz NOT NULL,
  app               text NOT NULL,
  delivery_count    integer NOT NULL DEFAULT 1,
  signed_at         text,
  signature         text,
  message_id        text COLLATE "C",
  headers           jsonb,
  body              text NOT NULL
);

COMMENT ON TABLE chekt.events IS
  'one row per distinct accepted event, keeping its first accepted delivery exactly as received (re-verifiable, re-parsable)';
COMMENT ON COLUMN chekt.events.event_id IS 'the envelope''s id: CHeKT''s stable event id, the dedupe key';
COMMENT ON COLUMN chekt.events.event_type IS 'the envelope''s type, e.g. alarm.created';
COMMENT ON COLUMN chekt.events.created_at IS 'the envelope''s created_at: when CHeKT created the event';
COMMENT ON COLUMN chekt.events.received_at IS 'when the first accepted delivery of the event was received';
COMMENT ON COLUMN chekt.events.last_received_at IS 'when the latest delivery (the first, or a duplicate) was received';
COMMENT ON COLUMN chekt.events.app IS 'the app the first accepted delivery was posted for';
COMMENT ON COLUMN chekt.events.delivery_count IS 'how many deliveries of this event (same id, same body) were received';
COMMENT ON COLUMN chekt.events.signed_at IS 'the first accepted delivery''s timestamp header, verbatim';
COMMENT ON COLUMN chekt.events.signature IS 'the first accepted delivery''s signature header, verbatim';
COMMENT ON COLUMN chekt.events.message_id IS 'the first accepted delivery''s webhook-id (Standard Webhooks), else NULL';
COMMENT ON COLUMN chekt.events.headers IS 'the first accepted delivery''s other headers';
COMMENT ON COLUMN chekt.events.body IS 'the first accepted delivery''s body, byte for byte';

CREATE TABLE chekt.rejected (
  rejected_id   bigserial PRIMARY KEY,
  app           text NOT NULL,
  received_at   timestamptz NOT NULL,
  signed_at     text,
  signature     text,
  body          text NOT NULL,
  message_id    text COLLATE "C",
  headers       jsonb,
  reason        text NOT NULL,
  detail        text NOT NULL,
  event_id      text COLLATE "C",
  rejected_at   timestamptz NOT NULL DEFAULT now(),
  retried_at    timestamptz,
  retries       integer NOT NULL DEFAULT 0
);

CREATE INDEX rejected_reason_idx ON chekt.rejected (reason);

COMMENT ON TABLE chekt.rejected IS
  'quarantine: every refused delivery, whole, with the reason; chekt.retry_rejected() re-runs them';
COMMENT ON COLUMN chekt.rejected.rejected_id IS 'identifier of the refused delivery';
COMMENT ON COLUMN chekt.rejected.app IS 'the delivery''s app, as received';
COMMENT ON COLUMN chekt.rejected.received_at IS 'when the delivery was received';
COMMENT ON COLUMN chekt.rejected.signed_at IS 'the delivery''s timestamp header, verbatim';
COMMENT ON COLUMN chekt.rejected.signature IS 'the delivery''s signature header, verbatim';
COMMENT ON COLUMN chekt.rejected.body IS 'the delivery''s body, byte for byte';
COMMENT ON COLUMN chekt.rejected.message_id IS 'the delivery''s webhook-id, if any';
COMMENT ON COLUMN chekt.rejected.headers IS 'the delivery''s other headers, if any';
COMMENT ON COLUMN chekt.rejected.reason IS
  'why it was refused: unknown_app, bad_signature, stale_signature, oversize, malformed_json, invalid_envelope, unknown_type, invalid_payload or id_conflict';
COMMENT ON COLUMN chekt.rejected.detail IS 'what exactly was wrong (which field, which value), for a person to act on';
COMMENT ON COLUMN chekt.rejected.event_id IS 'the envelope''s id when it could be read, else NULL';
COMMENT ON COLUMN chekt.rejected.rejected_at IS 'when the delivery was first refused';
COMMENT ON COLUMN chekt.rejected.retried_at IS 'when chekt.retry_rejected() last tried it again, if ever';
COMMENT ON COLUMN chekt.rejected.retries IS 'how often chekt.retry_rejected() tried it again';

-------------------------------------------------------------------------------
-- Family tables: one per event family, one column per data field
--
-- Written only by ingest; no triggers and no foreign keys, so that each can
-- be distributed (Citus) by its own key, which leads its primary key.  Ids
-- compare byte by byte (COLLATE "C") everywhere: one collation for every
-- join and distribution key, and no linguistic sorting on the ingest path.
-------------------------------------------------------------------------------

CREATE TABLE chekt.alarm_events (
  event_id        text COLLATE "C" NOT NULL,
  event_type      text NOT NULL,
  created_at      timestamptz NOT NULL,
  received_at     timestamptz NOT NULL,
  alarm_id        text COLLATE "C" NOT NULL,
  site_id         text COLLATE "C",
  device_id       text COLLATE "C",
  priority        text,
  trigger         text,
  location        text,
  snapshot_url    text,
  operator_id     text COLLATE "C",
  reason          text,
  responder_id    text COLLATE "C",
  responder_type  text,
  eta_seconds     integer,
  tracking_url    text,
  resolution      text,
  notes           text,
  PRIMARY KEY (alarm_id, event_id)
);

COMMENT ON TABLE chekt.alarm_events IS 'alarm.created, alarm.acknowledged, alarm.dispatched and alarm.resolved events';
COMMENT ON COLUMN chekt.alarm_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.alarm_events.event_type IS 'alarm.created, alarm.acknowledged, alarm.dispatched or alarm.resolved';
COMMENT ON COLUMN chekt.alarm_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.alarm_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.alarm_events.alarm_id IS 'the alarm, e.g. A-10293';
COMMENT ON COLUMN chekt.alarm_events.site_id IS 'alarm.created: the site where the alarm was triggered';
COMMENT ON COLUMN chekt.alarm_events.device_id IS 'alarm.created: the device that triggered it';
COMMENT ON COLUMN chekt.alarm_events.priority IS 'alarm.created: priority, e.g. HIGH';
COMMENT ON COLUMN chekt.alarm_events.trigger IS 'alarm.created: what triggered it (motion, panic, door-forced, glass-break, custom)';
COMMENT ON COLUMN chekt.alarm_events.location IS 'alarm.created: where at the site, e.g. Main Entrance';
COMMENT ON COLUMN chekt.alarm_events.snapshot_url IS 'alarm.created: URL of the snapshot taken';
COMMENT ON COLUMN chekt.alarm_events.operator_id IS 'alarm.acknowledged: the operator (human or app) who acknowledged';
COMMENT ON COLUMN chekt.alarm_events.reason IS 'alarm.acknowledged: the reason text given';
COMMENT ON COLUMN chekt.alarm_events.responder_id IS 'alarm.dispatched: the responder dispatched';
COMMENT ON COLUMN chekt.alarm_events.responder_type IS 'alarm.dispatched: kind of responder, e.g. guard';
COMMENT ON COLUMN chekt.alarm_events.eta_seconds IS 'alarm.dispatched: estimated time of arrival in seconds';
COMMENT ON COLUMN chekt.alarm_events.tracking_url IS 'alarm.dispatched: live tracking URL';
COMMENT ON COLUMN chekt.alarm_events.resolution IS 'alarm.resolved: outcome (handled, false-positive, escalated, or a value CHeKT adds later)';
COMMENT ON COLUMN chekt.alarm_events.notes IS 'alarm.resolved: free-text notes';

CREATE TABLE chekt.device_events (
  event_id          text COLLATE "C" NOT NULL,
  event_type        text NOT NULL,
  created_at        timestamptz NOT NULL,
  received_at       timestamptz NOT NULL,
  device_id         text COLLATE "C" NOT NULL,
  site_id           text COLLATE "C",
  previous_status   text,
  downtime_seconds  integer,
  last_seen_at      timestamptz,
  PRIMARY KEY (device_id, event_id)
);

COMMENT ON TABLE chekt.device_events IS 'device.online and device.offline events';
COMMENT ON COLUMN chekt.device_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.device_events.event_type IS 'device.online or device.offline';
COMMENT ON COLUMN chekt.device_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.device_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.device_events.device_id IS 'the device';
COMMENT ON COLUMN chekt.device_events.site_id IS 'the device''s site';
COMMENT ON COLUMN chekt.device_events.previous_status IS 'device.online: the status before, e.g. offline';
COMMENT ON COLUMN chekt.device_events.downtime_seconds IS 'device.online: how long the device was offline, in seconds';
COMMENT ON COLUMN chekt.device_events.last_seen_at IS 'device.offline: when the device was last seen';

CREATE TABLE chekt.snapshot_events (
  event_id     text COLLATE "C" NOT NULL,
  event_type   text NOT NULL,
  created_at   timestamptz NOT NULL,
  received_at  timestamptz NOT NULL,
  snapshot_id  text COLLATE "C" NOT NULL,
  device_id    text COLLATE "C",
  alarm_id     text COLLATE "C",
  url          text,
  expires_at   timestamptz,
  PRIMARY KEY (snapshot_id, event_id)
);

COMMENT ON TABLE chekt.snapshot_events IS 'snapshot.created events';
COMMENT ON COLUMN chekt.snapshot_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.snapshot_events.event_type IS 'snapshot.created';
COMMENT ON COLUMN chekt.snapshot_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.snapshot_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.snapshot_events.snapshot_id IS 'the snapshot';
COMMENT ON COLUMN chekt.snapshot_events.device_id IS 'the device that captured it';
COMMENT ON COLUMN chekt.snapshot_events.alarm_id IS 'the alarm it belongs to, if any';
COMMENT ON COLUMN chekt.snapshot_events.url IS 'where to fetch it (expires 24 hours after creation)';
COMMENT ON COLUMN chekt.snapshot_events.expires_at IS 'when the URL expires';

CREATE TABLE chekt.verification_events (
  event_id          text COLLATE "C" NOT NULL,
  event_type        text NOT NULL,
  created_at        timestamptz NOT NULL,
  received_at       timestamptz NOT NULL,
  alarm_id          text COLLATE "C" NOT NULL,
  requested_by      text,
  deadline_seconds  integer,
  PRIMARY KEY (alarm_id, event_id)
);

COMMENT ON TABLE chekt.verification_events IS 'verification.requested events';
COMMENT ON COLUMN chekt.verification_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.verification_events.event_type IS 'verification.requested';
COMMENT ON COLUMN chekt.verification_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.verification_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.verification_events.alarm_id IS 'the alarm to verify';
COMMENT ON COLUMN chekt.verification_events.requested_by IS 'who asked, e.g. operator';
COMMENT ON COLUMN chekt.verification_events.deadline_seconds IS 'seconds until CHeKT escalates';

CREATE TABLE chekt.partition_events (
  event_id      text COLLATE "C" NOT NULL,
  event_type    text NOT NULL,
  created_at    timestamptz NOT NULL,
  received_at   timestamptz NOT NULL,
  partition_id  text COLLATE "C" NOT NULL,
  site_id       text COLLATE "C",
  mode          text,
  initiated_by  text,
  operator_id   text COLLATE "C",
  PRIMARY KEY (partition_id, event_id)
);

COMMENT ON TABLE chekt.partition_events IS 'partition.armed and partition.disarmed events';
COMMENT ON COLUMN chekt.partition_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.partition_events.event_type IS 'partition.armed or partition.disarmed';
COMMENT ON COLUMN chekt.partition_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.partition_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.partition_events.partition_id IS 'the partition';
COMMENT ON COLUMN chekt.partition_events.site_id IS 'the partition''s site';
COMMENT ON COLUMN chekt.partition_events.mode IS 'partition.armed: arming mode, e.g. away';
COMMENT ON COLUMN chekt.partition_events.initiated_by IS 'the payload''s "by": user, schedule or remote (or a value CHeKT adds later)';
COMMENT ON COLUMN chekt.partition_events.operator_id IS 'partition.disarmed: the operator, when disarmed manually';

CREATE TABLE chekt.relay_events (
  event_id          text COLLATE "C" NOT NULL,
  event_type        text NOT NULL,
  created_at        timestamptz NOT NULL,
  received_at       timestamptz NOT NULL,
  relay_id          text COLLATE "C" NOT NULL,
  device_id         text COLLATE "C",
  duration_seconds  integer,
  trigger           text,
  alarm_id          text COLLATE "C" GENERATED ALWAYS AS
                      (CASE WHEN starts_with(trigger, 'alarm.created:')
                            THEN nullif(substr(trigger, 15), '') END) STORED,
  PRIMARY KEY (relay_id, event_id)
);

COMMENT ON TABLE chekt.relay_events IS 'relay.activated events';
COMMENT ON COLUMN chekt.relay_events.event_id IS 'the event''s id (chekt.events.event_id)';
COMMENT ON COLUMN chekt.relay_events.event_type IS 'relay.activated';
COMMENT ON COLUMN chekt.relay_events.created_at IS 'when CHeKT created the event (envelope created_at)';
COMMENT ON COLUMN chekt.relay_events.received_at IS 'when its first accepted delivery was received';
COMMENT ON COLUMN chekt.relay_events.relay_id IS 'the relay';
COMMENT ON COLUMN chekt.relay_events.device_id IS 'the device the relay belongs to';
COMMENT ON COLUMN chekt.relay_events.duration_seconds IS 'how long the relay was activated, in seconds';
COMMENT ON COLUMN chekt.relay_events.trigger IS 'what triggered it, e.g. alarm.created:A-10293, a schedule or a manual action';
COMMENT ON COLUMN chekt.relay_events.alarm_id IS 'the alarm named by a trigger of the form alarm.created:<alarm_id>, else NULL';

SELECT pg_catalog.pg_extension_config_dump('chekt.events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.rejected', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.rejected_rejected_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.alarm_events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.device_events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.snapshot_events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.verification_events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.partition_events', '');
SELECT pg_catalog.pg_extension_config_dump('chekt.relay_events', '');

-------------------------------------------------------------------------------
-- Ingest functions (src/ingest.c)
--
-- The C code runs its own queries (reading secrets and the catalog, writing
-- the event tables) as the owner of chekt.inbox with search_path pinned to
-- pg_catalog, once per batch, as PostgreSQL's foreign-key triggers do: a role
-- that feeds deliveries needs INSERT on chekt.inbox, never the right to read
-- secrets or write the event tables.  (SECURITY DEFINER would do the same
-- but pay for a search_path change on every row.)
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.inbox_receive()
RETURNS trigger
AS 'MODULE_PATHNAME', 'chekt_inbox_receive'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION chekt.inbox_receive() IS
  'BEFORE ROW trigger on chekt.inbox: verifies, parses and validates a delivery into the current batch; keeps nothing in the inbox';

CREATE FUNCTION chekt.inbox_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'chekt_inbox_flush'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION chekt.inbox_flush() IS
  'AFTER STATEMENT trigger on chekt.inbox: writes what is left of the batch to the event tables and the quarantine';

CREATE TRIGGER inbox_receive BEFORE INSERT ON chekt.inbox
  FOR EACH ROW EXECUTE FUNCTION chekt.inbox_receive();
CREATE TRIGGER inbox_flush AFTER INSERT ON chekt.inbox
  FOR EACH STATEMENT EXECUTE FUNCTION chekt.inbox_flush();
-- also under session_replication_role = replica (logical replication apply,
-- restore tools): an inbox row must never stay unverified
ALTER TABLE chekt.inbox ENABLE ALWAYS TRIGGER inbox_receive;
ALTER TABLE chekt.inbox ENABLE ALWAYS TRIGGER inbox_flush;

CREATE FUNCTION chekt.ingest(app text, signed_at text, signature text, body text,
                             received_at timestamptz DEFAULT now(),
                             message_id text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'chekt_ingest'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) IS
  'ingests one delivery like a row of chekt.inbox (and needs the same INSERT privilege) and returns its outcome: accepted, duplicate, or the reason it was quarantined';

CREATE FUNCTION chekt.retry_rejected(reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'chekt_retry_rejected'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;

COMMENT ON FUNCTION chekt.retry_rejected(text) IS
  're-runs quarantined deliveries (all, or those with the given reason) against the current secrets and catalog, judging staleness by their original received_at; moves those that now pass and returns how many';

REVOKE ALL ON chekt.inbox, chekt.events, chekt.rejected,
              chekt.alarm_events, chekt.device_events, chekt.snapshot_events,
              chekt.verification_events, chekt.partition_events, chekt.relay_events,
              chekt.event_families, chekt.event_types, chekt.event_fields
  FROM PUBLIC;
REVOKE ALL ON SEQUENCE chekt.rejected_rejected_id_seq FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION chekt.inbox_receive(), chekt.inbox_flush(),
                           chekt.ingest(text, text, text, text, timestamptz, text),
                           chekt.retry_rejected(text)
  FROM PUBLIC;
