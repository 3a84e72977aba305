--
-- Keys have a limit, checked before anything is written: no delivery can
-- make an index insert fail the statement it rides in.  (Seen on 0.3.0: an
-- event id or alarm_id of 3,200 characters failed a whole COPY with "index
-- row size 3216 exceeds btree version 4 maximum 2704".)
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('limits', 'limits-secret') > 0 AS added;

-- A signed delivery of a body, as chekt_private.inbox takes it
CREATE FUNCTION pg_temp.signed(body text, app text DEFAULT 'limits',
                               OUT app text, OUT received_at timestamptz,
                               OUT signed_at text, OUT signature text, OUT body text)
LANGUAGE sql AS $$
  SELECT app, '2026-05-26 10:30:00+00'::timestamptz, '1779791400',
         chekt.sign('limits-secret', '1779791400', body), body
$$;

-- A long string that does not compress (btree entries are compressed: a
-- long run of one letter would fit)
CREATE FUNCTION pg_temp.noise(bytes int) RETURNS text LANGUAGE sql AS $$
  SELECT left(string_agg(md5(i::text), ''), bytes) FROM generate_series(1, bytes / 32 + 1) AS i
$$;

-- An alarm.created body with one part made long
CREATE FUNCTION pg_temp.alarm(id text, alarm_id text DEFAULT 'A-1', site_id text DEFAULT 'S-1')
RETURNS text LANGUAGE sql AS $$
  SELECT json_build_object('id', id, 'type', 'alarm.created', 'created_at', '2026-05-26T10:21:34Z',
                           'data', json_build_object('alarm_id', alarm_id, 'site_id', site_id))::text
$$;

-- One statement, four rows: good, long id, good, long alarm_id.  The good
-- ones are stored, the long ones quarantined; nothing fails.
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT (pg_temp.signed(b)).*
  FROM (VALUES (pg_temp.alarm('good-1')),
               (pg_temp.alarm(pg_temp.noise(3200))),
               (pg_temp.alarm('good-2', alarm_id => 'A-2')),
               (pg_temp.alarm('long-alarm', alarm_id => pg_temp.noise(3200)))) AS v (b);
SELECT event_id FROM chekt_private.events ORDER BY event_id;
SELECT reason, detail, event_id FROM chekt_private.rejected ORDER BY rejected_id;

-- exactly at the limit is a key like any other; one byte more is not
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed(pg_temp.alarm(repeat('i', 200), alarm_id => repeat('a', 200), site_id => repeat('s', 200)));
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed(pg_temp.alarm(repeat('i', 201)));
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed(pg_temp.alarm('long-site', site_id => repeat('s', 201)));
-- bytes, not characters: 67 three-byte characters are 201 bytes
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed(pg_temp.alarm(repeat('€', 67)));
SELECT reason, detail FROM chekt_private.rejected WHERE rejected_id > 2 ORDER BY rejected_id;

-- Which fields are keys follows the schema: every id (its column compares
-- byte by byte, COLLATE "C") and every string field whose column a btree
-- index covers (directly, in an expression or predicate, or through a
-- generated column: relay.activated's trigger, from which relay_events.alarm_id
-- is computed), a user's own indexes included
SELECT f.event_type, f.field,
       chekt.ingest('limits', '1779791400', chekt.sign('limits-secret', '1779791400', x.b), x.b,
                    '2026-05-26 10:30:00+00') AS outcome
  FROM chekt.event_fields f
  CROSS JOIN LATERAL (
    SELECT jsonb_build_object('id', 'key-' || f.event_type || '-' || f.field,
                              'type', f.event_type, 'created_at', '2026-05-26T10:21:34Z',
                              'data', coalesce((SELECT jsonb_object_agg(r.field, 'x')
                                                  FROM chekt.event_fields r
                                                 WHERE r.event_type = f.event_type AND r.required),
                                               '{}')
                                      || jsonb_build_object(f.field, repeat('k', 201)))::text) AS x (b)
 WHERE f.kind = 'string'
 ORDER BY 1, 2;
CREATE INDEX alarm_events_location_idx ON chekt.alarm_events (lower(location));
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed('{"id":"long-location","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-9","site_id":"S-1","location":"' || repeat('l', 201) || '"}}');
SELECT detail FROM chekt_private.rejected WHERE body LIKE '%long-location%';
DROP INDEX chekt.alarm_events_location_idx;
-- A relay names its alarm in its trigger, which chekt.alarm_trail's index
-- takes as the alarm: a long one is refused, not a failed statement
-- (relay_events.alarm_id, generated from it, is an id: since 0.16.0 that
-- caps it, whatever indexes the months of relay_events have)
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT (pg_temp.signed(b)).*
  FROM (VALUES ('{"id":"relay-ok","type":"relay.activated","created_at":"2026-05-26T10:21:36Z","data":{"relay_id":"R-1","trigger":"alarm.created:A-1"}}'),
               ('{"id":"relay-long","type":"relay.activated","created_at":"2026-05-26T10:21:36Z","data":{"relay_id":"R-1","trigger":"alarm.created:' || pg_temp.noise(3200) || '"}}')) AS v (b);
SELECT event_id, alarm_id FROM chekt.relay_events ORDER BY event_id;
SELECT event_id, alarm_id FROM chekt.alarm_trail WHERE event_type = 'relay.activated';
SELECT reason, detail FROM chekt_private.rejected WHERE body LIKE '%relay-long%';
-- an index of yours on chekt.alarm_trail, which ingest fills from the
-- families' columns of the same names, caps those (before 0.16.0 only
-- the families' own indexes did, and this failed the statement)
CREATE INDEX alarm_trail_location_idx ON chekt.alarm_trail (location);
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT (pg_temp.signed(b)).*
  FROM (VALUES ('{"id":"trail-ok","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-7","site_id":"S-7","location":"hall"}}'),
               ('{"id":"trail-long","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-7","site_id":"S-7","location":"' || pg_temp.noise(3200) || '"}}')) AS v (b);
SELECT event_id, location FROM chekt.alarm_trail WHERE alarm_id = 'A-7';
SELECT reason, detail FROM chekt_private.rejected WHERE body LIKE '%trail-long%';
DROP INDEX chekt.alarm_trail_location_idx;
-- a long field no index covers is stored whole
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed('{"id":"long-notes","type":"alarm.resolved","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","resolution":"handled","notes":"' || repeat('n', 5000) || '"}}');

-- An app name longer than any app can have is unknown, without a look
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed(pg_temp.alarm('long-app'), app => repeat('p', 201));
SELECT reason, detail, length(app) FROM chekt_private.rejected WHERE body LIKE '%long-app%';
-- and cannot be registered, nor one a URL segment cannot carry
SELECT chekt.add_secret(repeat('p', 201), 'secret');
SELECT chekt.add_secret('a/b', 'secret');
SELECT chekt.add_secret(E'a\tb', 'secret');

-- A quarantined unknown_type delivery with a long id no longer fails
-- retry_rejected() for every row once its type exists: it is invalid.
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed('{"id":"' || pg_temp.noise(3200) || '","type":"alarm.escalated","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1"}}');
SELECT chekt.ingest(app, signed_at, signature, body, received_at)
  FROM pg_temp.signed('{"id":"escalated-ok","type":"alarm.escalated","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1"}}');
INSERT INTO chekt.event_types VALUES ('alarm.escalated', 'alarm', 'test type');
INSERT INTO chekt.event_fields VALUES ('alarm.escalated', 'alarm_id', 'alarm_id', 'string', true);
SELECT chekt.retry_rejected('unknown_type') AS passed;
SELECT reason, left(detail, 40) AS detail FROM chekt_private.rejected WHERE body LIKE '%alarm.escalated%';
SELECT event_id FROM chekt.alarm_events WHERE event_type = 'alarm.escalated';
DELETE FROM chekt.event_fields WHERE event_type = 'alarm.escalated';
DELETE FROM chekt.event_types WHERE event_type = 'alarm.escalated';

-- The reasons and how a receiver answers them, from the one table
SELECT outcome, class, http_status FROM chekt.outcomes();

DELETE FROM chekt.alarm_events;
DELETE FROM chekt.relay_events;
DELETE FROM chekt.alarm_trail;
DELETE FROM chekt_private.events;
DELETE FROM chekt_private.rejected;
