-- A realistic stream of signed CHeKT deliveries, signed now, for sending
-- over HTTP (the demo, the receiver tests, the HTTP benchmark).
--
--   psql -v alarms=200 -v app=demo-app [-v secret=...] -v run=r1 \
--        -v out=FILE -v out_replay=FILE2 -f scripts/generate-stream.sql
--
-- Without :secret (run as the extension owner) it signs with the app's
-- newest secret, read where it is kept: psql substitutes :'secret' into
-- the statement's text, which the server log shows if it fails.
--
-- One week of a monitoring centre ending now: :alarms alarms over 40 sites
-- with their lifecycles (created, snapshot, acknowledged, some verified,
-- dispatched, relays fired; resolved as handled, false positive or
-- escalated), device outages, arming and disarming.  All 11 event types.
-- Then what delivery brings: ~4% delivered twice, and a few bad ones:
-- forged (wrong secret), stale (signed an hour ago), malformed (cut
-- short), an invalid payload and an unknown type, each signed correctly.
--
-- :out gets one line per delivery, tab-separated, in sending order:
--   kind  timestamp  signature  body
-- (kind: event, duplicate, forged, stale, malformed, invalid_payload,
-- unknown_type).  Bodies are compact JSON without tabs or backslashes.
-- :out_replay gets the same deliveries as chekt-ingest --replay lines.
-- Event ids carry :run, so that runs do not collide.  Needs chekt.sign().

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE TEMP TABLE stream_event AS
WITH alarm AS (
  SELECT a, :'run' || '-A' || a AS alarm_id, 'site-' || (a % 40 + 1) AS site_id,
         'cam-' || (a % 40 + 1) || '-' || (a % 3 + 1) AS device_id,
         date_trunc('second', now()) - interval '7 days' + (a - 1) * (interval '7 days' / :alarms) AS t0
    FROM generate_series(1, :alarms) AS a
)
SELECT 'evt_' || :'run' || '_' || a || 'c' AS event_id, 'alarm.created' AS event_type, t0 AS created_at,
       json_build_object('alarm_id', alarm_id, 'site_id', site_id, 'device_id', device_id,
                         'priority', (ARRAY['HIGH', 'MEDIUM', 'LOW'])[a % 3 + 1],
                         'trigger', (ARRAY['motion', 'door', 'glass_break'])[a % 3 + 1],
                         'location', (ARRAY['Main Entrance', 'Loading Dock', 'Back Office', 'Parking'])[a % 4 + 1],
                         'snapshot_url', 'https://media.chekt.com/snap/' || alarm_id)::text AS data
  FROM alarm
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 's', 'snapshot.created', t0 + interval '2 seconds',
       json_build_object('snapshot_id', 'snap-' || alarm_id, 'device_id', device_id, 'alarm_id', alarm_id,
                         'url', 'https://media.chekt.com/snap/' || alarm_id,
                         'expires_at', to_char(t0 + interval '30 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM alarm
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'a', 'alarm.acknowledged', t0 + (15 + a % 75) * interval '1 second',
       json_build_object('alarm_id', alarm_id, 'operator_id', 'op-' || (a % 12 + 1),
                         'reason', 'reviewing video')::text
  FROM alarm
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'v', 'verification.requested', t0 + interval '20 seconds',
       json_build_object('alarm_id', alarm_id, 'requested_by', 'operator', 'deadline_seconds', 90)::text
  FROM alarm WHERE a % 4 = 0
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'd', 'alarm.dispatched', t0 + (120 + a % 240) * interval '1 second',
       json_build_object('alarm_id', alarm_id, 'responder_id', 'unit-' || (a % 9 + 1),
                         'responder_type', (ARRAY['guard', 'police'])[a % 2 + 1],
                         'eta_seconds', 300 + a % 900, 'tracking_url', 'https://dispatch.chekt.com/t/' || alarm_id)::text
  FROM alarm WHERE a % 3 = 0
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'l', 'relay.activated', t0 + interval '5 seconds',
       json_build_object('relay_id', 'siren-' || (a % 40 + 1), 'device_id', device_id, 'duration_seconds', 60,
                         'trigger', 'alarm.created:' || alarm_id)::text
  FROM alarm WHERE a % 6 = 0
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'r', 'alarm.resolved', t0 + (600 + a % 1800) * interval '1 second',
       json_build_object('alarm_id', alarm_id,
                         'resolution', (ARRAY['handled', 'false-positive', 'false-positive', 'escalated'])[a % 4 + 1],
                         'notes', (ARRAY['Intruder left before arrival', 'Cleaning crew', 'Wind moved a banner', 'Police on site'])[a % 4 + 1])::text
  FROM alarm WHERE a % 10 <> 9
UNION ALL
-- outages: a device goes offline and comes back
SELECT 'evt_' || :'run' || '_' || a || 'f', 'device.offline', t0 + interval '1 hour',
       json_build_object('device_id', device_id, 'site_id', site_id,
                         'last_seen_at', to_char(t0 + interval '1 hour' - interval '30 seconds', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM alarm WHERE a % 5 = 1
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'o', 'device.online', t0 + interval '1 hour' + (60 + a % 3000) * interval '1 second',
       json_build_object('device_id', device_id, 'site_id', site_id, 'previous_status', 'offline',
                         'downtime_seconds', 60 + a % 3000)::text
  FROM alarm WHERE a % 5 = 1
UNION ALL
SELECT 'evt_' || :'run' || '_' || a || 'p', CASE WHEN a % 2 = 0 THEN 'partition.armed' ELSE 'partition.disarmed' END,
       t0 - interval '10 minutes',
       CASE WHEN a % 2 = 0
            THEN json_build_object('partition_id', 'part-' || (a % 40 + 1), 'site_id', site_id,
                                   'mode', (ARRAY['away', 'stay'])[a % 4 / 2 + 1], 'by', 'schedule')::text
            ELSE json_build_object('partition_id', 'part-' || (a % 40 + 1), 'site_id', site_id,
                                   'by', 'user', 'operator_id', 'op-' || (a % 12 + 1))::text END
  FROM alarm WHERE a % 2 = 0 OR a % 7 = 0;

CREATE TEMP TABLE stream_delivery AS
WITH body AS (
  SELECT e.event_id, e.event_type,
         format('{"id":"%s","type":"%s","created_at":"%s","data":%s}', e.event_id, e.event_type,
                to_char(e.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), e.data) AS body
    FROM stream_event e
), kinded AS (
  SELECT event_id, event_type, body,
         CASE abs(hashtext(event_id || 'kind')) % 200
           WHEN 0 THEN 'forged' WHEN 1 THEN 'stale' WHEN 2 THEN 'malformed'
           WHEN 3 THEN 'invalid_payload' WHEN 4 THEN 'unknown_type'
           ELSE 'event' END AS kind
    FROM body
)
SELECT kind, event_id,
       CASE kind WHEN 'malformed' THEN left(body, 70)
                 WHEN 'invalid_payload' THEN regexp_replace(body, '"(alarm|device|partition|relay|snapshot)_id"', '"\1"')
                 WHEN 'unknown_type' THEN replace(body, '"type":"' || event_type || '"', '"type":"alarm.escalated"')
                 ELSE body END AS body,
       abs(hashtext(event_id || 'order')) AS sort_key
  FROM kinded
UNION ALL
-- CHeKT delivers some twice (a retry after a lost answer), re-signed
SELECT 'duplicate', event_id, body, abs(hashtext(event_id || 'again'))
  FROM kinded
 WHERE kind = 'event' AND abs(hashtext(event_id || 'twice')) % 25 = 0;

\if :{?secret}
CREATE TEMP TABLE stream_secret AS SELECT :'secret'::text AS secret;
\else
CREATE TEMP TABLE stream_secret AS
SELECT s.secret FROM chekt_private.app_secrets s WHERE s.app = :'app' ORDER BY s.secret_id DESC LIMIT 1;
\endif

CREATE TEMP TABLE stream_signed AS
SELECT d.kind, d.body, d.sort_key, t.signed,
       'sha256=' || chekt.sign(CASE d.kind WHEN 'forged' THEN 'not-the-secret' ELSE k.secret END,
                               t.signed, d.body) AS signature
  FROM stream_delivery d, stream_secret k,
       LATERAL (SELECT (extract(epoch FROM now())::bigint
                        - CASE d.kind WHEN 'stale' THEN 3600 ELSE 0 END)::text AS signed) AS t;

-- unaligned output: each value exactly as it is, no COPY escaping
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'
\o :out
SELECT kind, signed, signature, body FROM stream_signed ORDER BY sort_key;
\o :out_replay
SELECT json_build_object('app', :'app', 'received_at', now(), 'timestamp', signed,
                         'signature', signature, 'body', body)
  FROM stream_signed ORDER BY sort_key;
\o
