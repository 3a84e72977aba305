-- chekt_events 0.2.0 -> 0.3.0: what a receiver needs
--
-- A receiver (chekt-ingest) COPYs the deliveries of many HTTP requests into
-- chekt.inbox in one transaction and must answer each request with the
-- outcome of its own row: chekt.transaction_outcomes() lists them, in
-- arrival order, before COMMIT.  And a body that is not valid text (bad
-- UTF-8, a NUL byte) must neither fail the COPY it rides in nor be lost:
-- it enters as bytes through chekt.inbox.body_bytes and is kept, byte for
-- byte, in chekt.rejected.body_bytes.

\echo Use "ALTER EXTENSION chekt_events UPDATE TO '0.3.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- Bodies as bytes (src/ingest.c, src/batch.c, src/route.c)
-------------------------------------------------------------------------------

-- exactly one of body and body_bytes is given; inbox_receive checks it, as
-- no row is ever stored in the inbox for a constraint to check
ALTER TABLE chekt.inbox
  ALTER COLUMN body DROP NOT NULL,
  ADD COLUMN body_bytes bytea;

COMMENT ON COLUMN chekt.inbox.body IS
  'the raw request body, byte for byte, as text; NULL when it is given in body_bytes';
COMMENT ON COLUMN chekt.inbox.body_bytes IS
  'the raw request body as bytes, for a sender that cannot know it is valid text; a body that is not valid text in the database encoding is quarantined as malformed_json, the others are ingested as if given in body';

ALTER TABLE chekt.rejected
  ALTER COLUMN body DROP NOT NULL,
  ADD COLUMN body_bytes bytea,
  ADD CONSTRAINT rejected_body_once CHECK ((body IS NULL) <> (body_bytes IS NULL));

COMMENT ON COLUMN chekt.rejected.body IS
  'the delivery''s body, byte for byte; NULL when it was not valid text and is kept in body_bytes';
COMMENT ON COLUMN chekt.rejected.body_bytes IS
  'the delivery''s body, byte for byte, when it was not valid text in the database encoding (bad UTF-8, a NUL byte); NULL otherwise';

-------------------------------------------------------------------------------
-- Per-row outcomes (src/outcome_log.c)
-------------------------------------------------------------------------------

CREATE FUNCTION chekt.transaction_outcomes()
RETURNS TABLE (ordinal bigint, outcome text, event_id text)
AS 'MODULE_PATHNAME', 'chekt_transaction_outcomes'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED ROWS 1000;

COMMENT ON FUNCTION chekt.transaction_outcomes() IS
  'the outcome (accepted, duplicate or a refusal reason) and event id of each delivery ingested so far in this transaction while chekt.log_outcomes was on, numbered from 1 in arrival order; read it before COMMIT';
