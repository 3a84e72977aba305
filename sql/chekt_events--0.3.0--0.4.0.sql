-- chekt_events 0.3.0 -> 0.4.0: a write path that no delivery can fail
--
-- Keys have a limit: an event id, an app name, and every data field stored
-- in a column a btree index covers are at most 200 bytes (longer is
-- refused as invalid_envelope, invalid_payload or unknown_app, and kept in
-- quarantine), so no delivery can make an index insert fail the batch it
-- rides in.  The limit and the outcome table live in C (src/chekt_protocol.h,
-- shared with chekt-ingest); chekt.outcomes() shows the table to SQL.  App
-- names registered from now on follow the rule the receiver applies to its
-- URLs.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.4.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- The outcome table (src/outcome.c)
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.outcomes()
RETURNS TABLE (outcome text, class text, http_status integer, description text)
AS 'MODULE_PATHNAME', 'chekt_outcomes'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 11;

COMMENT ON FUNCTION chekt.outcomes() IS
  'every outcome of a delivery in the order ingest decides them: accepted and duplicate (class stored), the refusal reasons before the body is trusted (class unauthenticated, answered 401 by chekt-ingest) and after (class quarantined, answered 200); the one table chekt-ingest is built from';

-------------------------------------------------------------------------------
-- App names: what a URL /webhooks/{app} can carry
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.check_app_name(app text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF app IS NULL OR app = '' THEN
    RAISE EXCEPTION 'app name must not be null or empty'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the name the app''s deliveries are posted under, the {app} of POST /webhooks/{app}.';
  END IF;
  IF octet_length(app) > 200 THEN
    RAISE EXCEPTION 'app name is too long'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The name has %s bytes; app names have at most 200.', octet_length(app)),
            HINT = 'Choose a shorter name; it is the {app} of POST /webhooks/{app}.';
  END IF;
  IF app ~ '[\u0001-\u001f\u007f/]' THEN
    RAISE EXCEPTION 'app name must not contain a slash or a control character'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The name is %s.', quote_literal(app)),
            HINT = 'The name is one segment of the path /webhooks/{app}; letters, digits, "-", "_" and "." are safe everywhere.';
  END IF;
END
$$;

COMMENT ON FUNCTION chekt.check_app_name(text) IS
  'raises an error saying what is wrong unless app can name an app: 1 to 200 bytes, no "/", no control character (what one segment of /webhooks/{app} can carry)';

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

-- The rule is checked where names are registered, not by a constraint on
-- chekt.apps: a constraint would check the rows of a dump being restored,
-- and an app registered before 0.4.0 under another name must survive a
-- pg_dump and restore.
COMMENT ON COLUMN chekt.apps.app IS
  'app name: the {app} of POST /webhooks/{app} and the app column of chekt.inbox; chekt.add_secret() registers 1 to 200 bytes without "/" or control characters (chekt.check_app_name())';

REVOKE EXECUTE ON FUNCTION chekt.add_secret(text, text, text, timestamptz) FROM PUBLIC;

-------------------------------------------------------------------------------
-- Reasons, described where users read them
-------------------------------------------------------------------------------

COMMENT ON COLUMN chekt.rejected.reason IS
  'why it was refused: unknown_app, bad_signature, stale_signature, oversize, malformed_json, invalid_envelope, unknown_type, invalid_payload or id_conflict (SELECT * FROM chekt.outcomes() describes each)';
COMMENT ON COLUMN chekt.rejected.event_id IS
  'the envelope''s id when it could be read and is at most 200 bytes; NULL otherwise';
