--
-- Ingest and transactions: a statement that fails inside a savepoint leaves
-- nothing behind; deliveries never stay unwritten at commit; inbox rows,
-- chekt.ingest() and retries mix in one transaction
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('tx', 'tx-secret') > 0 AS added;

CREATE FUNCTION pg_temp.row(id text) RETURNS TABLE (app text, signed_at text, signature text, body text)
LANGUAGE sql AS $$
  SELECT 'tx', extract(epoch FROM now())::bigint::text,
         chekt.sign('tx-secret', extract(epoch FROM now())::bigint::text, b), b
    FROM (SELECT format('{"id":"%s","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-%s"}}', id, id) AS b) AS x
$$;

-- a statement that fails after some of its rows were taken: rolled back
-- with its savepoint, and its batch forgotten
BEGIN;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) SELECT * FROM pg_temp.row('tx-1');
SAVEPOINT before_bad;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT * FROM pg_temp.row('tx-2')
UNION ALL
SELECT NULL, NULL, NULL, '{}';
ROLLBACK TO before_bad;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) SELECT * FROM pg_temp.row('tx-3');
SELECT chekt.ingest(app, signed_at, signature, body) FROM pg_temp.row('tx-4');
COMMIT;
SELECT event_id FROM chekt_private.events ORDER BY event_id;

-- the whole transaction rolled back: nothing of it stays
BEGIN;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) SELECT * FROM pg_temp.row('tx-5');
SELECT chekt.ingest(app, signed_at, signature, body) FROM pg_temp.row('tx-6');
ROLLBACK;
SELECT count(*) AS rolled_back_events FROM chekt_private.events WHERE event_id IN ('tx-5', 'tx-6');

-- INSERT ... RETURNING returns nothing: the inbox keeps no row
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) SELECT * FROM pg_temp.row('tx-7') RETURNING *;
SELECT count(*) AS in_inbox FROM chekt_private.inbox;

-- with the statement trigger disabled, rows would stay unwritten: the commit
-- refuses rather than lose them
ALTER TABLE chekt_private.inbox DISABLE TRIGGER inbox_flush;
BEGIN;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) SELECT * FROM pg_temp.row('tx-8');
COMMIT;
ALTER TABLE chekt_private.inbox ENABLE ALWAYS TRIGGER inbox_flush;
SELECT count(*) AS tx8_events FROM chekt_private.events WHERE event_id = 'tx-8';

-- a read-only transaction (or a hot standby) cannot ingest: before, a new
-- event was stored and a redelivery counted in it all the same
SELECT chekt.ingest(app, signed_at, signature, body) FROM pg_temp.row('tx-9');
BEGIN READ ONLY;
SELECT chekt.ingest(app, signed_at, signature, body) FROM pg_temp.row('tx-9');
ROLLBACK;
BEGIN READ ONLY;
SELECT chekt.ingest(app, signed_at, signature, body) FROM pg_temp.row('tx-10');
ROLLBACK;
SET default_transaction_read_only = on;
SELECT chekt.retry_rejected();
RESET default_transaction_read_only;
SELECT event_id, delivery_count FROM chekt_private.events WHERE event_id IN ('tx-9', 'tx-10');

-- clean up
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.device_events;
DELETE FROM chekt_private.apps;
