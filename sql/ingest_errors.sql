--
-- An error inside ingest leaves the session as PostgreSQL's rules say: what
-- ingest opened is closed before the error reaches the caller, so an
-- EXCEPTION block or a savepoint rolls back exactly what it covers, and the
-- session goes on.  (Seen on 0.3.0: a caught error left ingest's internal
-- subtransaction open, so an EXCEPTION handler rolled back that instead of
-- its own block, and COMMIT failed with leak warnings.)
--

SET TimeZone = 'UTC';
\set VERBOSITY terse
SELECT chekt.add_secret('errors', 'errors-secret') > 0 AS added;

-- Ingest an alarm.created of a given id and priority
CREATE FUNCTION pg_temp.alarm(id text, priority text DEFAULT 'LOW') RETURNS text
LANGUAGE sql AS $$
  SELECT chekt.ingest('errors', '1779791400', chekt.sign('errors-secret', '1779791400', b), b,
                      '2026-05-26 10:30:00+00')
    FROM (SELECT json_build_object('id', id, 'type', 'alarm.created', 'created_at', '2026-05-26T10:21:34Z',
                                   'data', json_build_object('alarm_id', 'A-' || id, 'site_id', 'S-1',
                                                             'priority', priority))::text) AS v (b)
$$;

-- A constraint of the user's that the second event breaks
ALTER TABLE chekt_private.events ADD CONSTRAINT errors_no_boom CHECK (body NOT LIKE '%BOOM%');

-- EXCEPTION block around two ingests, the second failing: the handler runs
-- and the block's work, the first event included, is rolled back
DO $$
BEGIN
  BEGIN
    PERFORM pg_temp.alarm('exc-1');
    PERFORM pg_temp.alarm('exc-2', 'BOOM');
  EXCEPTION WHEN check_violation THEN
    RAISE NOTICE 'handler ran: %', SQLERRM;
  END;
END
$$;
SELECT count(*) AS events_kept FROM chekt_private.events WHERE event_id LIKE 'exc-%';

-- the same block with work before it: that work stays
DO $$
BEGIN
  PERFORM pg_temp.alarm('before-block');
  BEGIN
    PERFORM pg_temp.alarm('in-block');
    PERFORM pg_temp.alarm('in-block-boom', 'BOOM');
  EXCEPTION WHEN check_violation THEN
    RAISE NOTICE 'handler ran';
  END;
  PERFORM pg_temp.alarm('after-block');
END
$$;
SELECT event_id FROM chekt_private.events WHERE event_id LIKE '%block%' ORDER BY 1;

-- A failing constraint inside one statement of many rows (COPY goes the
-- same way): the statement fails, nothing of it is stored, and the
-- transaction's savepoint, the next statements and COMMIT work, without a
-- warning
BEGIN;
SAVEPOINT before_bad;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'errors', '2026-05-26 10:30:00+00', '1779791400', chekt.sign('errors-secret', '1779791400', b), b
  FROM (SELECT json_build_object('id', id, 'type', 'alarm.created', 'created_at', '2026-05-26T10:21:34Z',
                                 'data', json_build_object('alarm_id', 'A', 'site_id', 'S', 'priority', p))::text
          FROM (VALUES ('copy-1', 'LOW'), ('copy-2', 'BOOM'), ('copy-3', 'LOW')) AS v (id, p)) AS x (b);
ROLLBACK TO before_bad;
SELECT pg_temp.alarm('copy-after');
COMMIT;
SELECT event_id FROM chekt_private.events WHERE event_id LIKE 'copy-%' ORDER BY 1;

-- in autocommit: the failed statement leaves no transaction behind
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'errors', '2026-05-26 10:30:00+00', '1779791400', chekt.sign('errors-secret', '1779791400', b), b
  FROM (SELECT '{"id":"auto-boom","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A","site_id":"S","priority":"BOOM"}}') AS x (b);
SELECT 1 AS still_usable;
ROLLBACK;
SELECT state, backend_xid IS NULL AS no_transaction FROM pg_stat_activity WHERE pid = pg_backend_pid();

-- ingest as a role that may only insert into chekt_private.inbox: after an error,
-- the session is back to that role, with its own search_path
CREATE ROLE regress_errors_feeder;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_errors_feeder;
GRANT INSERT ON chekt_private.inbox TO regress_errors_feeder;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text) TO regress_errors_feeder;
-- (it replays a delivery received on 2026-05-26: it needs the backfill right)
SELECT chekt.grant_backfill('regress_errors_feeder');
SET search_path = public, pg_temp;
SET ROLE regress_errors_feeder;
SELECT chekt.ingest('errors', '1779791400', chekt.sign('errors-secret', '1779791400', b), b, '2026-05-26 10:30:00+00')
  FROM (SELECT '{"id":"role-boom","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A","site_id":"S","priority":"BOOM"}}') AS x (b);
SELECT current_user, current_setting('search_path') AS search_path;
RESET ROLE;
RESET search_path;
SELECT chekt.revoke_backfill('regress_errors_feeder');
DROP OWNED BY regress_errors_feeder;
DROP ROLE regress_errors_feeder;

-- and ingest goes on as before

SELECT pg_temp.alarm('count-1'), pg_temp.alarm('count-1');
SELECT event_id, delivery_count FROM chekt_private.events WHERE event_id = 'count-1';

-- A count goes on the stored row in place, under the table's constraints:
-- one that the count breaks fails the statement, as an UPDATE's would
ALTER TABLE chekt_private.events ADD CONSTRAINT errors_few_deliveries CHECK (delivery_count <= 2);
SELECT pg_temp.alarm('count-2'), pg_temp.alarm('count-2');
SELECT pg_temp.alarm('count-2');
ALTER TABLE chekt_private.events DROP CONSTRAINT errors_few_deliveries;

-- A month with an update trigger of the user's is counted by an UPDATE,
-- which fires it
CREATE FUNCTION public.note_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE '% counted from % to %', NEW.event_id, OLD.delivery_count, NEW.delivery_count;
  RETURN NEW;
END
$$;
CREATE TRIGGER note_count BEFORE UPDATE ON chekt_private.events_p202605
  FOR EACH ROW EXECUTE FUNCTION public.note_count();
SELECT pg_temp.alarm('count-2');
DROP TRIGGER note_count ON chekt_private.events_p202605;
DROP FUNCTION public.note_count();
SELECT pg_temp.alarm('count-2');
SELECT event_id, delivery_count FROM chekt_private.events WHERE event_id = 'count-2';

-- ingest's trigger on a table of the wrong shape says so, and reads nothing
CREATE TABLE public.not_an_inbox (app integer, received_at timestamptz, signed_at text,
                                  signature text, body text, message_id text, headers jsonb);
CREATE TRIGGER inbox_receive BEFORE INSERT ON public.not_an_inbox
  FOR EACH ROW EXECUTE FUNCTION chekt.inbox_receive();
INSERT INTO public.not_an_inbox VALUES (1, now(), '1', 'x', '{}', NULL, NULL);
DROP TABLE public.not_an_inbox;

ALTER TABLE chekt_private.events DROP CONSTRAINT errors_no_boom;
DELETE FROM chekt.alarm_events;
DELETE FROM chekt.alarm_trail;
DELETE FROM chekt_private.events;
DELETE FROM chekt_private.rejected;
