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
