--
-- Secrets belong to the extension owner: an ordinary role can read no secret
-- and change no app, even when it may use both schemas
--

SELECT chekt.add_secret('monitoring-centre', 'owner-only-secret') > 0 AS added;

CREATE ROLE regress_chekt_ordinary LOGIN;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_chekt_ordinary;

-- what the catalog says the role may do
SELECT object,
       has_table_privilege('regress_chekt_ordinary', object, 'SELECT') AS can_select,
       has_table_privilege('regress_chekt_ordinary', object, 'INSERT,UPDATE,DELETE') AS can_write
  FROM unnest(ARRAY['chekt_private.apps', 'chekt_private.app_secrets', 'chekt_private.secret_status']) AS object
 ORDER BY 1;
SELECT has_sequence_privilege('regress_chekt_ordinary', 'chekt_private.app_secrets_secret_id_seq',
                              'USAGE,SELECT,UPDATE') AS can_use_sequence;
SELECT p.oid::regprocedure AS function,
       has_function_privilege('regress_chekt_ordinary', p.oid, 'EXECUTE') AS can_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'chekt'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- and what happens when it tries
SET ROLE regress_chekt_ordinary;
SELECT secret FROM chekt_private.app_secrets;
SELECT * FROM chekt_private.apps;
SELECT * FROM chekt_private.secret_status;
SELECT chekt.add_secret('intruder', 'attacker-secret');
SELECT chekt.retire_secret(1);
SELECT chekt.alter_app('monitoring-centre', replay_tolerance_s => 86400);
UPDATE chekt_private.app_secrets SET secret = 'attacker-secret';
-- the pure functions need no secret of the database's
SELECT chekt.verify_signature('s', '1', 'b', chekt.sign('s', '1', 'b')) AS pure_functions_work;
RESET ROLE;

-- nothing changed
SELECT app FROM chekt_private.apps ORDER BY app;
SELECT count(*) AS secrets, bool_and(secret = 'owner-only-secret') AS unchanged
  FROM chekt_private.app_secrets;

DELETE FROM chekt_private.apps;
REVOKE USAGE ON SCHEMA chekt, chekt_private FROM regress_chekt_ordinary;
DROP ROLE regress_chekt_ordinary;
