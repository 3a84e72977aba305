--
-- A statement that inserts into chekt_private.inbox while ingest writes (a trigger
-- of the user's on a family table) gets a batch of its own; the batch
-- being written is neither shared nor freed under it.  (0.3.0 kept one
-- global statement batch: the nested statement appended to the batch being
-- written and then freed it.)
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('nesting', 'nesting-secret') > 0 AS added;

-- every alarm.created stored also delivers an acknowledgement of it
CREATE FUNCTION public.acknowledge_every_alarm() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  b text := pg_catalog.json_build_object(
              'id', 'ack-' || NEW.event_id, 'type', 'alarm.acknowledged',
              'created_at', '2026-05-26T10:22:00Z',
              'data', pg_catalog.json_build_object('alarm_id', NEW.alarm_id, 'operator_id', 'robot'))::text;
BEGIN
  IF NEW.event_type = 'alarm.created' THEN
    INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
    VALUES ('nesting', '2026-05-26 10:30:00+00', '1779791400',
            chekt.sign('nesting-secret', '1779791400', b), b);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER acknowledge_every_alarm AFTER INSERT ON chekt.alarm_events
  FOR EACH ROW EXECUTE FUNCTION public.acknowledge_every_alarm();

-- 1,500 alarms in one statement: two batches are written, each storing
-- 1,000 or 500 alarm rows, each row's trigger feeding one more delivery
SET chekt.log_outcomes = on;
BEGIN;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'nesting', '2026-05-26 10:30:00+00', '1779791400', chekt.sign('nesting-secret', '1779791400', b), b
  FROM generate_series(1, 1500) AS i,
       LATERAL (SELECT json_build_object('id', 'alarm-' || i, 'type', 'alarm.created',
                                         'created_at', '2026-05-26T10:21:34Z',
                                         'data', json_build_object('alarm_id', 'A-' || i, 'site_id', 'S-1'))::text) AS x (b);
SELECT outcome, count(*) FROM chekt.transaction_outcomes() GROUP BY 1;
COMMIT;
RESET chekt.log_outcomes;
SELECT event_type, count(*), count(DISTINCT alarm_id) AS alarms FROM chekt.alarm_events GROUP BY 1 ORDER BY 1;
SELECT count(*) AS quarantined FROM chekt_private.rejected;

DROP TRIGGER acknowledge_every_alarm ON chekt.alarm_events;
DROP FUNCTION public.acknowledge_every_alarm();

-- A statement of rows whose every row first runs an insert into the inbox
-- in an EXCEPTION block that then rolls back: the block's row goes, and is
-- rolled back, with the block; the statement's own rows all stay.
CREATE FUNCTION pg_temp.insert_and_regret(n int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  b text := json_build_object('id', 'regretted-' || n, 'type', 'alarm.created',
                              'created_at', '2026-05-26T10:21:34Z',
                              'data', json_build_object('alarm_id', 'R-' || n, 'site_id', 'S-1'))::text;
BEGIN
  BEGIN
    INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
    VALUES ('nesting', '2026-05-26 10:30:00+00', '1779791400', chekt.sign('nesting-secret', '1779791400', b), b);
    RAISE EXCEPTION 'regretted';
  EXCEPTION WHEN raise_exception THEN
    NULL;
  END;
  RETURN n;
END
$$;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'nesting', '2026-05-26 10:30:00+00', '1779791400', chekt.sign('nesting-secret', '1779791400', b), b
  FROM generate_series(1, 3) AS g,
       LATERAL (SELECT json_build_object('id', 'kept-' || pg_temp.insert_and_regret(g), 'type', 'alarm.created',
                                         'created_at', '2026-05-26T10:21:34Z',
                                         'data', json_build_object('alarm_id', 'K-' || g, 'site_id', 'S-1'))::text) AS x (b);
SELECT event_id FROM chekt_private.events WHERE event_id LIKE 'kept-%' OR event_id LIKE 'regretted-%' ORDER BY 1;

DELETE FROM chekt.alarm_events;
DELETE FROM chekt.alarm_trail;
DELETE FROM chekt_private.events;
