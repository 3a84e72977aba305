-- Realistic signed CHeKT deliveries for the ingest benchmark.
--
--   psql -v n=225000 -v out=FILE -v out_bodies=FILE2 [-v months=24] [-v sites=400] -f generate.sql
--
-- An alarm begins every 7 seconds from 2026-05-01, or, with :months, the
-- alarms are spread evenly over that many months before 2026-05-01 (a
-- history of that length with about :n events); :sites (default 997) is
-- the number of sites the 4,999 devices are on.
-- Writes about :n deliveries (CSV: app, received_at, signed_at, signature,
-- body) to :out in order of receipt, and their bodies (but the malformed
-- ones) to :out_bodies: all 11 event types in the proportions
-- of a monitoring centre (alarm lifecycles dominate), events arriving up to
-- 15 minutes late and so out of order, 5% delivered twice (re-signed), and
-- 2% bad deliveries (forged, stale, malformed, invalid payload, unknown
-- type).  Deterministic for a given :n.  Needs chekt_events (chekt.sign).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';

\if :{?sites}
\else
  \set sites 997
\endif
\if :{?months}
  SELECT timestamptz '2026-05-01 00:00:00+00' - :months * interval '1 month' AS first_alarm,
         extract(epoch FROM :months * interval '1 month') / (:n / 5.3) AS step_s \gset
\else
  \set first_alarm '2026-05-01 00:00:00+00'
  \set step_s 7
\endif

CREATE TEMP TABLE bench_event AS
WITH alarm AS (
  -- 4,999 devices on :sites sites (a device stays on its site), 1,999
  -- partitions
  SELECT a, 'A-' || a AS alarm_id, 'site_' || a % 4999 % :sites AS site_id, 'dev_' || a % 4999 AS device_id,
         'p_' || a % 1999 AS partition_id, 'site_' || a % 1999 % :sites AS partition_site_id,
         timestamptz :'first_alarm' + a * :step_s * interval '1 second' AS t0
    FROM generate_series(1, (:n / 5.3)::int) AS a
)
SELECT 'evt_' || a || 'c' AS event_id, 'alarm.created' AS event_type, t0 AS created_at,
       json_build_object('alarm_id', alarm_id, 'site_id', site_id, 'device_id', device_id,
                         'priority', (ARRAY['HIGH', 'MEDIUM', 'LOW'])[a % 3 + 1], 'trigger', 'motion',
                         'location', 'Main Entrance', 'snapshot_url', 'https://media.chekt.com/snap/s' || a)::text AS data
  FROM alarm
UNION ALL
SELECT 'evt_' || a || 'a', 'alarm.acknowledged', t0 + (20 + a % 90) * interval '1 second',
       json_build_object('alarm_id', alarm_id, 'operator_id', 'op_' || a % 50, 'reason', 'AI verified, confidence=0.92')::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || 'd', 'alarm.dispatched', t0 + interval '2 minutes',
       json_build_object('alarm_id', alarm_id, 'responder_id', 'rsp_' || a % 77, 'responder_type', 'guard',
                         'eta_seconds', 120 + a % 600, 'tracking_url', 'https://dispatch.chekt.com/d/' || a)::text
  FROM alarm WHERE a % 4 = 0
UNION ALL
SELECT 'evt_' || a || 'r', 'alarm.resolved', t0 + interval '6 minutes',
       json_build_object('alarm_id', alarm_id,
                         'resolution', (ARRAY['handled', 'false-positive', 'escalated'])[a % 3 + 1],
                         'notes', 'Cleaning crew')::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || 's', 'snapshot.created', t0,
       json_build_object('snapshot_id', 'snap_' || a, 'device_id', device_id, 'alarm_id', alarm_id,
                         'url', 'https://media.chekt.com/snap/snap_' || a,
                         'expires_at', to_char(t0 + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM alarm
UNION ALL
SELECT 'evt_' || a || 'v', 'verification.requested', t0 + interval '6 seconds',
       json_build_object('alarm_id', alarm_id, 'requested_by', 'operator', 'deadline_seconds', 90)::text
  FROM alarm WHERE a % 5 = 0
UNION ALL
SELECT 'evt_' || a || 'l', 'relay.activated', t0 + interval '2 seconds',
       json_build_object('relay_id', 'rel_' || a % 311, 'device_id', device_id, 'duration_seconds', 30,
                         'trigger', 'alarm.created:' || alarm_id)::text
  FROM alarm WHERE a % 10 = 0
UNION ALL
SELECT 'evt_' || a || 'f', 'device.offline', t0 + interval '3 seconds',
       json_build_object('device_id', device_id, 'site_id', site_id,
                         'last_seen_at', to_char(t0, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text
  FROM alarm WHERE a % 10 = 1
UNION ALL
SELECT 'evt_' || a || 'o', 'device.online', t0 + interval '4 minutes',
       json_build_object('device_id', device_id, 'site_id', site_id, 'previous_status', 'offline',
                         'downtime_seconds', 237)::text
  FROM alarm WHERE a % 10 = 1
UNION ALL
-- each partition armed and disarmed in turn (its events are 19,990 apart)
SELECT 'evt_' || a || 'p', CASE WHEN a / 19990 % 2 = 0 THEN 'partition.armed' ELSE 'partition.disarmed' END,
       t0 + interval '1 second',
       CASE WHEN a / 19990 % 2 = 0
            THEN json_build_object('partition_id', partition_id, 'site_id', partition_site_id, 'mode', 'away', 'by', 'schedule')::text
            ELSE json_build_object('partition_id', partition_id, 'site_id', partition_site_id, 'by', 'user', 'operator_id', 'op_' || a % 50)::text END
  FROM alarm WHERE a % 10 = 2;

CREATE TEMP TABLE bench_delivery AS
SELECT received_at, body, kind,
       CASE WHEN kind = 'stale' THEN received_at - interval '1 hour' ELSE received_at - interval '2 seconds' END AS signed,
       CASE WHEN kind = 'forged' THEN 'guessed-secret' ELSE 'bench-secret' END AS secret
  FROM (SELECT e.created_at + (abs(hashtext(e.event_id)) % 900) * interval '1 second' AS received_at,
               CASE WHEN k.kind = 'malformed' THEN left(b.body, 60)
                    WHEN k.kind = 'invalid_payload' THEN replace(b.body, '"alarm_id"', '"alarm"')
                    WHEN k.kind = 'unknown_type' THEN replace(b.body, e.event_type, 'alarm.escalated')
                    ELSE b.body END AS body,
               k.kind
          FROM bench_event e,
               LATERAL (SELECT format('{"id":"%s","type":"%s","created_at":"%s","data":%s}', e.event_id, e.event_type,
                                      to_char(e.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), e.data) AS body) AS b,
               LATERAL (SELECT CASE abs(hashtext(e.event_id || 'k')) % 250
                                 WHEN 0 THEN 'forged' WHEN 1 THEN 'stale' WHEN 2 THEN 'malformed'
                                 WHEN 3 THEN 'invalid_payload' WHEN 4 THEN 'unknown_type'
                                 ELSE 'good' END AS kind) AS k
        UNION ALL
        -- 5% delivered again a minute later, re-signed
        SELECT e.created_at + (abs(hashtext(e.event_id)) % 900 + 60) * interval '1 second',
               format('{"id":"%s","type":"%s","created_at":"%s","data":%s}', e.event_id, e.event_type,
                      to_char(e.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), e.data),
               'good'
          FROM bench_event e
         WHERE abs(hashtext(e.event_id || 'd')) % 20 = 0) AS d;

-- the bodies alone, for the bare jsonb baseline (malformed ones cannot be jsonb)
COPY (SELECT body FROM bench_delivery WHERE kind <> 'malformed' ORDER BY received_at) TO STDOUT WITH (FORMAT csv) \g :out_bodies
COPY (SELECT 'bench-app', received_at, extract(epoch FROM signed)::bigint,
             'sha256=' || chekt.sign(secret, extract(epoch FROM signed)::bigint::text, body), body
        FROM bench_delivery ORDER BY received_at)
  TO STDOUT WITH (FORMAT csv) \g :out
