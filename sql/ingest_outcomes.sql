--
-- Per-row outcomes and bodies as bytes: what chekt-ingest relies on.
-- With chekt.log_outcomes on, chekt.transaction_outcomes() lists the
-- outcome of each row of the transaction in arrival order; a body given in
-- body_bytes that is not valid text is quarantined byte for byte, without
-- failing the statement it rides in.
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('oc', 'oc-secret') > 0 AS added;

-- a signed delivery of raw bytes: timestamp, signature, body
CREATE FUNCTION pg_temp.signed(body bytea)
RETURNS TABLE (signed_at text, signature text, body_bytes bytea)
LANGUAGE sql AS $$
  SELECT t, encode(hmac(convert_to(t || '.', 'UTF8') || body, 'oc-secret', 'sha256'), 'hex'), body
    FROM (SELECT extract(epoch FROM now())::bigint::text AS t) AS x
$$;
CREATE FUNCTION pg_temp.event(id text) RETURNS bytea
LANGUAGE sql AS $$
  SELECT convert_to(format('{"id":"%s","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-%s","site_id":"é"}}', id, id), 'UTF8')
$$;

-- off by default: nothing is logged
SHOW chekt.log_outcomes;
BEGIN;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes) SELECT 'oc', * FROM pg_temp.signed(pg_temp.event('oc-0'));
SELECT count(*) AS logged FROM chekt.transaction_outcomes();
COMMIT;

-- on: each row's outcome, in the order the rows came, across statements
SET chekt.log_outcomes = on;
BEGIN;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes)
SELECT 'oc', s.* FROM (VALUES (1, pg_temp.event('oc-1')),
                              (2, pg_temp.event('oc-0')),                    -- already stored
                              (3, '\x7b226964223a20ff7d'::bytea),            -- bad UTF-8
                              (4, '\x7b7d00'::bytea),                        -- a NUL byte
                              (5, convert_to('{"id":1}', 'UTF8'))) AS v (n, b),
       LATERAL pg_temp.signed(b) AS s
 ORDER BY n;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes)
SELECT 'oc', signed_at, 'forged', body_bytes FROM pg_temp.signed(pg_temp.event('oc-2'));
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes)
SELECT 'nobody', * FROM pg_temp.signed(pg_temp.event('oc-3'));
SELECT chekt.ingest('oc', signed_at, signature, convert_from(body_bytes, 'UTF8'))
  FROM pg_temp.signed(pg_temp.event('oc-4'));
-- a rolled back savepoint takes back its rows' outcomes
SAVEPOINT s;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes) SELECT 'oc', * FROM pg_temp.signed(pg_temp.event('oc-5'));
ROLLBACK TO s;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes) SELECT 'oc', * FROM pg_temp.signed(pg_temp.event('oc-6'));
SELECT * FROM chekt.transaction_outcomes();
COMMIT;

-- the log goes with the transaction
SELECT count(*) AS logged_after_commit FROM chekt.transaction_outcomes();

-- the bad bodies are kept byte for byte, with where they go wrong
SELECT reason, body, body_bytes, detail
  FROM chekt_private.rejected WHERE app = 'oc' AND body_bytes IS NOT NULL ORDER BY rejected_id;
-- valid text given as bytes is ingested like text (the é included)
SELECT event_id, site_id FROM chekt.device_events WHERE event_id LIKE 'oc-%' ORDER BY event_id;

-- a retry keeps them as they are
SELECT chekt.retry_rejected('malformed_json') AS passed;
SELECT count(*) AS still_bytes FROM chekt_private.rejected
 WHERE app = 'oc' AND body_bytes IS NOT NULL AND retries = 1;

-- COPY takes bytes too, and a bad body does not fail the COPY
COPY chekt_private.inbox (app, signed_at, signature, body_bytes) FROM STDIN;
oc	1779789600	0000	\\x00ff
\.
SELECT reason, body_bytes FROM chekt_private.rejected WHERE body_bytes = '\x00ff';

-- exactly one of body and body_bytes
INSERT INTO chekt_private.inbox (app, body, body_bytes) VALUES ('oc', '{}', '\x7b7d');
INSERT INTO chekt_private.inbox (app) VALUES ('oc');
RESET chekt.log_outcomes;

-- clean up for the tests that follow
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.device_events;
DELETE FROM chekt_private.apps;
