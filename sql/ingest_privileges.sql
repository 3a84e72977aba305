--
-- A role that feeds deliveries needs USAGE on schema chekt_private and
-- INSERT on chekt_private.inbox (and EXECUTE on chekt.ingest() to use it),
-- nothing else: ingest reads secrets and writes the event tables as the
-- inbox owner, and the feeder can read neither
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('feeder-app', 'feeder-secret') > 0 AS added;

CREATE ROLE regress_chekt_feeder;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_chekt_feeder;
GRANT INSERT ON chekt_private.inbox TO regress_chekt_feeder;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_chekt_feeder;
CREATE ROLE regress_chekt_stranger;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_chekt_stranger;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_chekt_stranger;
-- INSERT on the inbox without USAGE on its schema (so it cannot COPY there
-- either: tested after the feeder's)
CREATE ROLE regress_chekt_outsider;
GRANT USAGE ON SCHEMA chekt TO regress_chekt_outsider;
GRANT INSERT ON chekt_private.inbox TO regress_chekt_outsider;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_chekt_outsider;
-- INSERT on the inbox's columns ingest fills, as COPY of them needs
CREATE ROLE regress_chekt_column_feeder;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_chekt_column_feeder;
GRANT INSERT (app, received_at, signed_at, signature, body, message_id) ON chekt_private.inbox
  TO regress_chekt_column_feeder;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_chekt_column_feeder;
-- INSERT on some of them only
CREATE ROLE regress_chekt_part_feeder;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_chekt_part_feeder;
GRANT INSERT (app, body) ON chekt_private.inbox TO regress_chekt_part_feeder;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_chekt_part_feeder;

CREATE TEMP TABLE body AS
SELECT '{"id":"evt_feed_' || i || '","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d' || i || '"}}' AS b, i
  FROM generate_series(1, 3) AS i;
GRANT SELECT ON body TO regress_chekt_feeder, regress_chekt_stranger, regress_chekt_outsider,
  regress_chekt_column_feeder, regress_chekt_part_feeder;
CREATE TEMP TABLE signed AS
SELECT i, b, 'sha256=' || chekt.sign('feeder-secret', extract(epoch FROM now())::bigint::text, b) AS sig,
       extract(epoch FROM now())::bigint::text AS ts
  FROM body;
GRANT SELECT ON signed TO regress_chekt_feeder, regress_chekt_stranger, regress_chekt_outsider,
  regress_chekt_column_feeder, regress_chekt_part_feeder;

SET ROLE regress_chekt_feeder;
-- feeding works, by INSERT and by chekt.ingest()
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'feeder-app', ts, sig, b FROM signed WHERE i = 1;
SELECT chekt.ingest('feeder-app', ts, sig, b) FROM signed WHERE i = 2;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'feeder-app', ts, 'sha256=' || repeat('0', 64), b FROM signed WHERE i = 3;
-- reading what ingest reads or writes does not
SELECT secret FROM chekt_private.app_secrets;
SELECT count(*) FROM chekt_private.events;
SELECT count(*) FROM chekt_private.rejected;
SELECT count(*) FROM chekt.device_events;
SELECT chekt.retry_rejected();
RESET ROLE;

-- a role without INSERT on the inbox cannot ingest through the function either
SET ROLE regress_chekt_stranger;
SELECT chekt.ingest('feeder-app', ts, sig, b) FROM signed WHERE i = 1;
RESET ROLE;
-- nor one that may not use the inbox's schema, by either way
SET ROLE regress_chekt_outsider;
SELECT chekt.ingest('feeder-app', ts, sig, b) FROM signed WHERE i = 1;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'feeder-app', ts, sig, b FROM signed WHERE i = 1;
RESET ROLE;
-- nor one that may insert some of the columns ingest fills only
SET ROLE regress_chekt_part_feeder;
SELECT chekt.ingest('feeder-app', ts, sig, b) FROM signed WHERE i = 1;
RESET ROLE;
-- one given INSERT on the columns ingest fills may (a duplicate of evt_feed_1)
SET ROLE regress_chekt_column_feeder;
SELECT chekt.ingest('feeder-app', ts, sig, b) FROM signed WHERE i = 1;
RESET ROLE;

-- what the feeder delivered arrived, written by the owner's rights
SELECT event_id, delivery_count FROM chekt_private.events ORDER BY event_id;
SELECT device_id FROM chekt.device_events ORDER BY device_id;
SELECT reason, event_id FROM chekt_private.rejected;

-- a search_path the caller controls changes nothing in what ingest does:
-- here an equality operator on text that always says no, which would turn
-- every duplicate into an id_conflict if ingest's own queries used it
-- (pg_catalog named after the trap, so that the trap would win)
CREATE SCHEMA regress_trap;
CREATE FUNCTION regress_trap.never_equal(text, text) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS 'SELECT false';
CREATE OPERATOR regress_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_trap.never_equal);
SET search_path = regress_trap, pg_catalog, public;
SELECT 'a'::text = 'a'::text AS trap_is_armed;
SELECT chekt.ingest('feeder-app', ts, sig, b) AS second_delivery FROM signed WHERE i = 2;
RESET search_path;
SELECT event_id, delivery_count FROM chekt_private.events WHERE event_id = 'evt_feed_2';

-- under session_replication_role = replica (where ordinary triggers stay
-- silent) an inbox row is still verified, not kept
SET session_replication_role = replica;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'feeder-app', ts, sig, replace(b, 'evt_feed_', 'evt_replica_') FROM signed WHERE i = 1;
RESET session_replication_role;
SELECT (SELECT count(*) FROM chekt_private.inbox) AS left_in_inbox,
       (SELECT count(*) FROM chekt_private.rejected WHERE body LIKE '%evt_replica_%') AS refused_as_forged;

-- clean up
DROP SCHEMA regress_trap CASCADE;
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.device_events;
DELETE FROM chekt_private.apps;
DROP OWNED BY regress_chekt_feeder, regress_chekt_stranger, regress_chekt_outsider,
  regress_chekt_column_feeder, regress_chekt_part_feeder;
DROP ROLE regress_chekt_feeder, regress_chekt_stranger, regress_chekt_outsider,
  regress_chekt_column_feeder, regress_chekt_part_feeder;
