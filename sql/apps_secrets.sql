--
-- Apps and their secrets: add_secret(), retire_secret(), alter_app(),
-- chekt_private.secret_status; rotation and expiry
--

-- registering a secret creates the app with the defaults
SELECT chekt.add_secret('monitoring-centre', 'first-secret') AS first_id \gset
SELECT app, scheme, replay_tolerance_s FROM chekt_private.apps ORDER BY app;
SELECT secret_id = :first_id AS same_id, app, scheme, expires_at, is_active
  FROM chekt_private.secret_status;

-- adding the same secret again is idempotent: same id, no second row
SELECT chekt.add_secret('monitoring-centre', 'first-secret') = :first_id AS same_id;
SELECT count(*) AS secrets FROM chekt_private.app_secrets;

-- rotation: a second secret, both active at once
SELECT chekt.add_secret('monitoring-centre', 'second-secret') AS second_id \gset
SELECT count(*) FILTER (WHERE is_active) AS active
  FROM chekt_private.secret_status WHERE app = 'monitoring-centre';

-- retiring the old one leaves the new one active, without a warning
SELECT chekt.retire_secret(:first_id);
SELECT secret_id = :second_id AS is_second, is_active
  FROM chekt_private.secret_status WHERE app = 'monitoring-centre' ORDER BY secret_id;

-- retiring the last one warns that the app now fails closed
\set VERBOSITY terse
SELECT chekt.retire_secret(:second_id);

-- re-adding a retired secret makes it active again, with its old id
SELECT chekt.add_secret('monitoring-centre', 'second-secret') = :second_id AS same_id;
SELECT is_active FROM chekt_private.secret_status WHERE secret_id = :second_id;

-- scheduled retirement: active until then (one transaction: one now())
BEGIN;
SELECT chekt.retire_secret(:second_id, now() + interval '1 day');
SELECT is_active, expires_at = now() + interval '1 day' AS expires_tomorrow
  FROM chekt_private.secret_status WHERE secret_id = :second_id;
COMMIT;
\set VERBOSITY default

-- a secret that expires on its own
BEGIN;
SELECT chekt.add_secret('monitoring-centre', 'third-secret', 'chekt',
                        now() + interval '2 hours') AS third_id \gset
SELECT expires_at = now() + interval '2 hours' AS expires_in_two_hours
  FROM chekt_private.secret_status WHERE secret_id = :third_id;
COMMIT;

-- a Standard Webhooks app
SELECT chekt.add_secret('svix-app', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                        'standard_webhooks') > 0 AS added;
SELECT app, scheme FROM chekt_private.apps ORDER BY app;

-- alter_app: tolerance and scheme
SELECT chekt.alter_app('monitoring-centre', replay_tolerance_s => 600);
SELECT chekt.alter_app('svix-app', scheme => 'chekt');
SELECT app, scheme, replay_tolerance_s FROM chekt_private.apps ORDER BY app;

-- user errors: each says what is wrong and how to fix it
\set SHOW_CONTEXT never
SELECT chekt.add_secret('', 's');
SELECT chekt.add_secret(NULL, 's');
SELECT chekt.add_secret('a', NULL);
SELECT chekt.add_secret('a', 's', NULL);
SELECT chekt.add_secret('a', '');
SELECT chekt.add_secret('a', 's', 'hmac');
\set VERBOSITY terse
SELECT chekt.add_secret('a', 's', 'chekt', now() - interval '1 second');
\set VERBOSITY default
SELECT chekt.add_secret('svix-app', 'c2VjcmV0', 'standard_webhooks');
SELECT chekt.add_secret('b', 'whsec_***', 'standard_webhooks');
SELECT chekt.retire_secret(999999);
SELECT chekt.retire_secret(NULL);
SELECT chekt.alter_app('nobody', replay_tolerance_s => 60);
SELECT chekt.alter_app('monitoring-centre', replay_tolerance_s => 0);
SELECT chekt.alter_app('monitoring-centre', scheme => 'standard_webhooks');
SELECT chekt.validate_secret('s', 'jwt');

-- failed calls changed nothing
SELECT app, scheme, replay_tolerance_s FROM chekt_private.apps ORDER BY app;
SELECT count(*) AS secrets FROM chekt_private.app_secrets;

-- no error message ever shows the secret, or any part of it
DO $$
DECLARE
  attempt text;
  msg text;
  detail text;
  hint text;
BEGIN
  FOREACH attempt IN ARRAY ARRAY[
    $a$SELECT chekt.add_secret('svix-app', 'Pa55w0rd-is-secret', 'standard_webhooks')$a$,
    $a$SELECT chekt.add_secret('x', 'whsec_Pa55w0rd-is-secret', 'standard_webhooks')$a$,
    $a$SELECT chekt.sign_standard_webhook('whsec_Pa55w0rd-is-secret', 'm', '1', 'b')$a$,
    $a$SELECT chekt.validate_secret('Pa55w0rd-is-secret', 'standard_webhooks')$a$,
    $a$SELECT chekt.alter_app('monitoring-centre', scheme => 'standard_webhooks')$a$
  ] LOOP
    BEGIN
      EXECUTE attempt;
      RAISE EXCEPTION 'no error from: %', attempt;
    EXCEPTION WHEN invalid_parameter_value THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                              hint = PG_EXCEPTION_HINT;
      IF concat_ws(' ', msg, detail, hint) ~* '(Pa55w0rd|is-secret|first-secret|second-secret|third-secret)' THEN
        RAISE EXCEPTION 'error message shows a secret: % / % / %', msg, detail, hint;
      END IF;
    END;
  END LOOP;
  RAISE NOTICE 'no message showed a secret';
END
$$;

-- clean up for the tests that follow
DELETE FROM chekt_private.apps;
