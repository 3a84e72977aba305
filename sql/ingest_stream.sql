--
-- A realistic stream: a monitoring centre's day of events (all 11 types),
-- delivered shuffled, some twice, with every kind of bad delivery mixed in.
-- Each accepted event is stored once, every duplicate counted, every
-- refused delivery quarantined with the right reason; replaying the stream
-- (COPY, text and CSV) changes no event; retry_rejected() recovers what a
-- fix makes valid.
--

SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT chekt.add_secret('centre', 'centre-secret') > 0 AS added;

-- the events: 150 alarms with their lifecycle, snapshots, verifications and
-- relays; 40 devices going offline and back; 10 partitions armed and disarmed
CREATE TEMP TABLE event_spec AS
WITH alarm AS (
  SELECT a, 'A-' || a AS alarm_id, 'site_' || a % 7 AS site_id, 'dev_' || a % 13 AS device_id,
         timestamptz '2026-05-26 08:00:00+00' + a * interval '3 minutes' AS t0
    FROM generate_series(1, 150) AS a
)
SELECT 'evt_' || a || '_created' AS event_id, 'alarm.created' AS event_type, t0 AS created_at,
       json_build_object('alarm_id', alarm_id, 'site_id', site_id, 'device_id', device_id,
                         'priority', (ARRAY['HIGH', 'MEDIUM', 'LOW'])[a % 3 + 1],
                         'trigger', 'motion', 'location', 'Gate ' || a % 4,
                         'snapshot_url', 'https://media.chekt.com/snap/s' || a)::text AS data
  FROM alarm
UNION ALL
SELECT 'evt_' || a || '_ack', 'alarm.acknowledged', t0 + (20 + a % 60) * interval '1 second',
       json_build_object('alarm_id', alarm_id, 'operator_id', 'op_' || a % 5, 'reason', 'checked video')::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || '_dispatched', 'alarm.dispatched', t0 + interval '2 minutes',
       json_build_object('alarm_id', alarm_id, 'responder_id', 'rsp_' || a % 9, 'responder_type', 'guard',
                         'eta_seconds', 120 + a, 'tracking_url', 'https://dispatch.chekt.com/d/' || a)::text
  FROM alarm WHERE a % 3 = 0
UNION ALL
SELECT 'evt_' || a || '_resolved', 'alarm.resolved', t0 + interval '6 minutes',
       json_build_object('alarm_id', alarm_id,
                         'resolution', CASE WHEN a % 4 = 0 THEN 'false-positive' ELSE 'handled' END,
                         'notes', 'note ' || a)::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || '_snapshot', 'snapshot.created', t0,
       json_build_object('snapshot_id', 's' || a, 'device_id', device_id, 'alarm_id', alarm_id,
                         'url', 'https://media.chekt.com/snap/s' || a,
                         'expires_at', to_char(t0 + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || '_verify', 'verification.requested', t0 + interval '6 seconds',
       json_build_object('alarm_id', alarm_id, 'requested_by', 'operator', 'deadline_seconds', 90)::text
  FROM alarm WHERE a % 5 = 0
UNION ALL
SELECT 'evt_' || a || '_relay', 'relay.activated', t0 + interval '2 seconds',
       json_build_object('relay_id', 'rel_' || a % 11, 'device_id', device_id, 'duration_seconds', 30,
                         'trigger', 'alarm.created:' || alarm_id)::text
  FROM alarm WHERE a % 6 = 0
UNION ALL
SELECT 'evt_d' || d || '_off', 'device.offline', timestamptz '2026-05-26 07:00:00+00' + d * interval '7 minutes',
       json_build_object('device_id', 'cam_' || d, 'site_id', 'site_' || d % 7,
                         'last_seen_at', to_char(timestamptz '2026-05-26 06:59:00+00' + d * interval '7 minutes',
                                                 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM generate_series(1, 40) AS d
UNION ALL
SELECT 'evt_d' || d || '_on', 'device.online', timestamptz '2026-05-26 07:00:00+00' + d * interval '7 minutes' + d * interval '1 minute',
       json_build_object('device_id', 'cam_' || d, 'site_id', 'site_' || d % 7,
                         'previous_status', 'offline', 'downtime_seconds', 60 * d + 60)::text
  FROM generate_series(1, 40) AS d
UNION ALL
SELECT 'evt_p' || p || '_' || s, CASE s WHEN 1 THEN 'partition.armed' ELSE 'partition.disarmed' END,
       timestamptz '2026-05-26 06:00:00+00' + p * interval '1 minute' + s * interval '12 hours',
       CASE s WHEN 1 THEN json_build_object('partition_id', 'p_' || p, 'site_id', 'site_' || p % 7,
                                            'mode', 'away', 'by', 'schedule')::text
              ELSE json_build_object('partition_id', 'p_' || p, 'site_id', 'site_' || p % 7,
                                     'by', 'user', 'operator_id', 'op_' || p)::text END
  FROM generate_series(1, 10) AS p, generate_series(1, 2) AS s;

CREATE FUNCTION pg_temp.envelope(event_id text, event_type text, created_at timestamptz, data text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('{"id":"%s","type":"%s","created_at":"%s","data":%s}', event_id, event_type,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), data)
$$;

-- the deliveries, each labelled with the outcome it must have
CREATE TEMP TABLE delivery (
  n serial, label text, app text, received_at timestamptz, signed_at text,
  secret text, body text, signature text
);
-- every event once, received up to 15 minutes after it was created, so
-- that events arrive in another order than they happened
ALTER TABLE event_spec ADD COLUMN delay interval;
UPDATE event_spec SET delay = abs(hashtext(event_id)) % 900 * interval '1 second';
INSERT INTO delivery (label, app, received_at, body)
SELECT 'accepted', 'centre', created_at + delay,
       pg_temp.envelope(event_id, event_type, created_at, data)
  FROM event_spec;
-- one event in ten again a minute later: CHeKT's retry, re-signed
INSERT INTO delivery (label, app, received_at, body)
SELECT 'duplicate', 'centre', created_at + delay + interval '65 seconds',
       pg_temp.envelope(event_id, event_type, created_at, data)
  FROM event_spec WHERE hashtext(event_id) % 10 = 0;
-- forgeries: valid events signed with another secret
INSERT INTO delivery (label, app, received_at, secret, body)
SELECT 'bad_signature', 'centre', created_at + interval '9 seconds', 'guessed-secret',
       pg_temp.envelope(event_id || '_forged', event_type, created_at, data)
  FROM event_spec WHERE event_type = 'alarm.resolved' ORDER BY event_id LIMIT 5;
-- an app not registered yet (fixed below by adding its secret)
INSERT INTO delivery (label, app, received_at, secret, body)
SELECT 'unknown_app', 'second-centre', created_at + interval '5 seconds', 'second-secret',
       pg_temp.envelope('evt_second_' || i, 'alarm.created', created_at, data)
  FROM (SELECT row_number() OVER (ORDER BY event_id) AS i, * FROM event_spec
         WHERE event_type = 'alarm.created') AS e WHERE i <= 5;
-- replays of old deliveries: signed an hour before they arrive
INSERT INTO delivery (label, app, received_at, signed_at, body)
SELECT 'stale_signature', 'centre', created_at + interval '1 hour',
       extract(epoch FROM created_at)::bigint::text,
       pg_temp.envelope(event_id || '_replayed', event_type, created_at, data)
  FROM event_spec WHERE event_type = 'alarm.acknowledged' ORDER BY event_id LIMIT 5;
-- too big
INSERT INTO delivery (label, app, received_at, body)
SELECT 'oversize', 'centre', timestamptz '2026-05-26 12:00:00+00',
       '{"id":"evt_big_' || i || '","pad":"' || repeat('x', 300 * 1024) || '"}'
  FROM generate_series(1, 2) AS i;
-- cut short
INSERT INTO delivery (label, app, received_at, body)
SELECT 'malformed_json', 'centre', created_at + interval '5 seconds',
       left(pg_temp.envelope(event_id || '_cut', event_type, created_at, data), 40)
  FROM event_spec WHERE event_type = 'device.online' ORDER BY event_id LIMIT 5;
-- a lenient timestamp
INSERT INTO delivery (label, app, received_at, body)
SELECT 'invalid_envelope', 'centre', created_at + interval '5 seconds',
       replace(pg_temp.envelope(event_id || '_now', event_type, created_at, data),
               to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'now')
  FROM event_spec WHERE event_type = 'partition.armed' ORDER BY event_id LIMIT 3;
-- a type CHeKT added after this version (taught to the catalog below)
INSERT INTO delivery (label, app, received_at, body)
SELECT 'unknown_type', 'centre', created_at + interval '5 seconds',
       pg_temp.envelope(event_id || '_escalated', 'alarm.escalated', created_at,
                        json_build_object('alarm_id', 'A-' || i, 'level', 2)::text)
  FROM (SELECT row_number() OVER (ORDER BY event_id) AS i, * FROM event_spec
         WHERE event_type = 'alarm.created') AS e WHERE i <= 5;
-- a payload missing a required field
INSERT INTO delivery (label, app, received_at, body)
SELECT 'invalid_payload', 'centre', created_at + interval '5 seconds',
       pg_temp.envelope(event_id || '_noresolution', 'alarm.resolved', created_at,
                        (data::jsonb - 'resolution')::text)
  FROM event_spec WHERE event_type = 'alarm.resolved' ORDER BY event_id LIMIT 5;
-- an id reused for another body, late in the day (the first body wins)
INSERT INTO delivery (label, app, received_at, body)
SELECT 'id_conflict', 'centre', timestamptz '2026-05-26 23:00:00+00',
       pg_temp.envelope(event_id, event_type, created_at, (data::jsonb || '{"notes":"edited"}')::text)
  FROM event_spec WHERE event_type = 'alarm.resolved' ORDER BY event_id LIMIT 5;

-- sign them all (default: signed 2 s before receipt, with the app's secret)
UPDATE delivery
   SET signed_at = coalesce(signed_at, (extract(epoch FROM received_at)::bigint - 2)::text);
UPDATE delivery
   SET signature = 'sha256=' || chekt.sign(coalesce(secret, 'centre-secret'), signed_at, body);

SELECT label, count(*) AS deliveries FROM delivery GROUP BY label ORDER BY label;

-- deliver all of it in one statement, in order of receipt (several batches)
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT app, received_at, signed_at, signature, body FROM delivery ORDER BY received_at, n;

-- out of order indeed: alarms whose resolution arrived before their creation
SELECT count(*) AS resolved_before_created_arrived
  FROM chekt.alarm_events c
  JOIN chekt.alarm_events r USING (alarm_id)
 WHERE c.event_type = 'alarm.created' AND r.event_type = 'alarm.resolved'
   AND r.received_at < c.received_at;
SELECT count(*) AS left_in_inbox FROM chekt_private.inbox;

-- what each label should have produced, against what ingest did
CREATE TEMP VIEW tally AS
SELECT label, expected, actual, expected = actual AS ok
  FROM (SELECT 'accepted (events)' AS label,
               (SELECT count(*) FROM event_spec) AS expected,
               (SELECT count(*) FROM chekt_private.events) AS actual
        UNION ALL
        SELECT 'deliveries counted',
               (SELECT count(*) FROM delivery WHERE label IN ('accepted', 'duplicate')),
               (SELECT sum(delivery_count) FROM chekt_private.events)
        UNION ALL
        SELECT 'family rows',
               (SELECT count(*) FROM event_spec),
               (SELECT count(*) FROM chekt.alarm_events) + (SELECT count(*) FROM chekt.device_events)
               + (SELECT count(*) FROM chekt.snapshot_events) + (SELECT count(*) FROM chekt.verification_events)
               + (SELECT count(*) FROM chekt.partition_events) + (SELECT count(*) FROM chekt.relay_events)
        UNION ALL
        SELECT l.label, count(d.n), (SELECT count(*) FROM chekt_private.rejected r WHERE r.reason = l.label)
          FROM (VALUES ('unknown_app'), ('bad_signature'), ('stale_signature'), ('oversize'),
                       ('malformed_json'), ('invalid_envelope'), ('unknown_type'),
                       ('invalid_payload'), ('id_conflict')) AS l (label)
          LEFT JOIN delivery d ON d.label = l.label
         GROUP BY l.label) AS t;
SELECT * FROM tally ORDER BY label;

-- each family table got its types
SELECT event_type, count(*) FROM (
  SELECT event_type FROM chekt.alarm_events UNION ALL SELECT event_type FROM chekt.device_events
  UNION ALL SELECT event_type FROM chekt.snapshot_events UNION ALL SELECT event_type FROM chekt.verification_events
  UNION ALL SELECT event_type FROM chekt.partition_events UNION ALL SELECT event_type FROM chekt.relay_events) AS f
 GROUP BY event_type ORDER BY event_type;

-- stored events equal the spec, field by field (a sample of columns)
SELECT count(*) AS mismatched_alarms
  FROM event_spec s
  JOIN chekt.alarm_events a USING (event_id)
 WHERE a.created_at <> s.created_at
    OR a.alarm_id IS DISTINCT FROM s.data::json ->> 'alarm_id'
    OR a.eta_seconds IS DISTINCT FROM (s.data::json ->> 'eta_seconds')::integer
    OR a.resolution IS DISTINCT FROM s.data::json ->> 'resolution';
SELECT count(*) FILTER (WHERE alarm_id IS NULL) AS relays_without_alarm,
       count(*) FILTER (WHERE trigger = 'alarm.created:' || alarm_id) AS relays_linked
  FROM chekt.relay_events;
-- duplicates kept the first delivery and counted the later one
SELECT count(*) AS twice_delivered,
       bool_and(e.received_at = s.created_at + s.delay) AS first_kept,
       bool_and(e.last_received_at = s.created_at + s.delay + interval '65 seconds') AS last_noted
  FROM chekt_private.events e JOIN event_spec s USING (event_id)
 WHERE e.delivery_count = 2;
-- every stored event still verifies against its kept signature
SELECT count(*) FILTER (WHERE NOT chekt.verify_signature('centre-secret', signed_at, body, signature))
       AS not_reverifiable
  FROM chekt_private.events;

CREATE TEMP TABLE events_before AS
SELECT event_id, event_type, created_at, received_at, app, signed_at, signature, body FROM chekt_private.events;

-- replay the whole stream through COPY, text format, then CSV in reverse:
-- no event changes
\copy (SELECT app, received_at, signed_at, signature, body FROM delivery ORDER BY n) TO 'results/ingest_stream.txt'
\copy (SELECT app, received_at, signed_at, signature, body FROM delivery ORDER BY n DESC) TO 'results/ingest_stream.csv' WITH (FORMAT csv)
\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM 'results/ingest_stream.txt'
\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM 'results/ingest_stream.csv' WITH (FORMAT csv)
SELECT (SELECT count(*) FROM chekt_private.events) AS events,
       (SELECT count(*) FROM (SELECT event_id, event_type, created_at, received_at, app, signed_at, signature, body
                                FROM chekt_private.events
                              EXCEPT
                              SELECT * FROM events_before) AS changed) AS changed_events,
       (SELECT sum(delivery_count) FROM chekt_private.events) AS deliveries_counted,
       (SELECT count(*) FROM delivery WHERE label IN ('accepted', 'duplicate')) * 3 AS deliveries_sent,
       (SELECT count(*) FROM chekt_private.rejected) AS quarantined,
       (SELECT count(*) FROM delivery WHERE label NOT IN ('accepted', 'duplicate')) * 3 AS refusals_sent;

-- fix causes, then retry: the missing app's secret
SELECT chekt.add_secret('second-centre', 'second-secret') > 0 AS added;
SELECT chekt.retry_rejected('unknown_app') AS recovered;
-- a new type taught to the catalog (an upgrade script would do this)
INSERT INTO chekt.event_types VALUES ('alarm.escalated', 'alarm', 'an alarm was escalated');
INSERT INTO chekt.event_fields VALUES ('alarm.escalated', 'alarm_id', 'alarm_id', 'string', true);
SELECT chekt.retry_rejected('unknown_type') AS recovered;
-- what no fix can heal stays, with its reason brought up to date
SELECT chekt.retry_rejected() AS recovered;
SELECT reason, count(*), min(retries) AS min_retries, bool_and(retried_at IS NOT NULL) AS retried
  FROM chekt_private.rejected GROUP BY reason ORDER BY reason;
SELECT app, count(*) AS events, sum(delivery_count) AS deliveries
  FROM chekt_private.events WHERE event_id LIKE 'evt_second_%' OR event_type = 'alarm.escalated'
 GROUP BY app ORDER BY app;
SELECT event_type, count(*) FROM chekt.alarm_events WHERE event_type = 'alarm.escalated' GROUP BY 1;

-- clean up
DELETE FROM chekt.event_types WHERE event_type = 'alarm.escalated';
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
         chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
         chekt.relay_events, chekt.alarm_trail, chekt.device_months;
DELETE FROM chekt_private.apps;
