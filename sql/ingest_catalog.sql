--
-- The 11 payloads of CHeKT's event catalog (test/fixtures/catalog), signed as
-- CHeKT signs them, are accepted byte for byte into the right family tables
-- with the right column types
--

SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT chekt.add_secret('regress', 'regress-secret') > 0 AS added;

CREATE TEMP TABLE catalog_payload (event_type text, body text);
INSERT INTO catalog_payload VALUES
  ('alarm.acknowledged', $payload${
  "id": "evt_2hKqxA",
  "type": "alarm.acknowledged",
  "created_at": "2026-05-26T10:22:15Z",
  "data": {
    "alarm_id": "A-10293",
    "operator_id": "op_jsmith",
    "reason": "AI verified, confidence=0.92"
  }
}$payload$),
  ('alarm.created', $payload${
  "id": "evt_2hKqx9",
  "type": "alarm.created",
  "created_at": "2026-05-26T10:21:34Z",
  "data": {
    "alarm_id": "A-10293",
    "site_id": "site_29snd",
    "device_id": "dev_8h2j3kfm",
    "priority": "HIGH",
    "trigger": "motion",
    "location": "Main Entrance",
    "snapshot_url": "https://media.chekt.com/snap/snap_91kxl2"
  }
}$payload$),
  ('alarm.dispatched', $payload${
  "id": "evt_2hKqxB",
  "type": "alarm.dispatched",
  "created_at": "2026-05-26T10:23:02Z",
  "data": {
    "alarm_id": "A-10293",
    "responder_id": "rsp_8x2k",
    "responder_type": "guard",
    "eta_seconds": 240,
    "tracking_url": "https://dispatch.chekt.com/d/dxxx"
  }
}$payload$),
  ('alarm.resolved', $payload${
  "id": "evt_2hKqxC",
  "type": "alarm.resolved",
  "created_at": "2026-05-26T10:27:48Z",
  "data": {
    "alarm_id": "A-10293",
    "resolution": "false-positive",
    "notes": "Cleaning crew"
  }
}$payload$),
  ('device.offline', $payload${
  "id": "evt_5kxlm1",
  "type": "device.offline",
  "created_at": "2026-05-26T07:58:49Z",
  "data": {
    "device_id": "dev_8h2j3kfm",
    "site_id": "site_29snd",
    "last_seen_at": "2026-05-26T07:58:48Z"
  }
}$payload$),
  ('device.online', $payload${
  "id": "evt_5kxlm0",
  "type": "device.online",
  "created_at": "2026-05-26T08:01:11Z",
  "data": {
    "device_id": "dev_8h2j3kfm",
    "site_id": "site_29snd",
    "previous_status": "offline",
    "downtime_seconds": 142
  }
}$payload$),
  ('partition.armed', $payload${
  "id": "evt_par123",
  "type": "partition.armed",
  "created_at": "2026-05-26T22:00:00Z",
  "data": {
    "partition_id": "p_abc",
    "site_id": "site_29snd",
    "mode": "away",
    "by": "schedule"
  }
}$payload$),
  ('partition.disarmed', $payload${
  "id": "evt_par124",
  "type": "partition.disarmed",
  "created_at": "2026-05-26T06:30:11Z",
  "data": {
    "partition_id": "p_abc",
    "site_id": "site_29snd",
    "by": "user",
    "operator_id": "op_jsmith"
  }
}$payload$),
  ('relay.activated', $payload${
  "id": "evt_rel001",
  "type": "relay.activated",
  "created_at": "2026-05-26T10:21:36Z",
  "data": {
    "relay_id": "rel_4kj",
    "device_id": "dev_8h2j3kfm",
    "duration_seconds": 30,
    "trigger": "alarm.created:A-10293"
  }
}$payload$),
  ('snapshot.created', $payload${
  "id": "evt_91kxl3",
  "type": "snapshot.created",
  "created_at": "2026-05-26T10:21:34Z",
  "data": {
    "snapshot_id": "snap_91kxl2",
    "device_id": "dev_8h2j3kfm",
    "alarm_id": "A-10293",
    "url": "https://media.chekt.com/snap/snap_91kxl2",
    "expires_at": "2026-05-27T10:21:34Z"
  }
}$payload$),
  ('verification.requested', $payload${
  "id": "evt_2hKqxD",
  "type": "verification.requested",
  "created_at": "2026-05-26T10:21:40Z",
  "data": {
    "alarm_id": "A-10293",
    "requested_by": "operator",
    "deadline_seconds": 90
  }
}$payload$);

-- signed at 1779791400 (2026-05-26 10:30:00 UTC) and received then
SELECT event_type,
       chekt.ingest('regress', '1779791400',
                    'sha256=' || chekt.sign('regress-secret', '1779791400', body),
                    body, '2026-05-26 10:30:00+00') AS outcome
  FROM catalog_payload
 ORDER BY event_type;

-- chekt_private.events keeps each body byte for byte, and its signature still verifies
SELECT p.event_type, e.event_id, e.created_at, e.received_at, e.delivery_count,
       e.body = p.body AS body_exact,
       chekt.verify_signature('regress-secret', e.signed_at, e.body, e.signature) AS reverifies
  FROM catalog_payload p
  JOIN chekt_private.events e USING (event_type)
 ORDER BY p.event_type;
SELECT count(*) AS rejected FROM chekt_private.rejected;

-- one row per event in its family table, every field in its typed column
\x on
SELECT * FROM chekt.alarm_events ORDER BY created_at;
SELECT * FROM chekt.device_events ORDER BY created_at;
SELECT * FROM chekt.snapshot_events;
SELECT * FROM chekt.verification_events;
SELECT * FROM chekt.partition_events ORDER BY created_at;
SELECT * FROM chekt.relay_events;
\x off

-- the typed columns hold typed values (not text that looks like them)
SELECT pg_typeof(eta_seconds) AS eta_seconds FROM chekt.alarm_events WHERE eta_seconds IS NOT NULL;
SELECT pg_typeof(downtime_seconds) AS downtime_seconds, pg_typeof(last_seen_at) AS last_seen_at
  FROM chekt.device_events LIMIT 1;
SELECT expires_at - created_at AS snapshot_url_lifetime FROM chekt.snapshot_events;

-- delivering the catalog again changes nothing but the delivery counts
SELECT event_type,
       chekt.ingest('regress', '1779791460',
                    'sha256=' || chekt.sign('regress-secret', '1779791460', body),
                    body, '2026-05-26 10:31:00+00') AS outcome
  FROM catalog_payload
 ORDER BY event_type;
SELECT count(*) AS events, sum(delivery_count) AS deliveries,
       max(last_received_at) AS last_received_at, min(received_at) AS first_received_at
  FROM chekt_private.events;
SELECT (SELECT count(*) FROM chekt.alarm_events) + (SELECT count(*) FROM chekt.device_events)
     + (SELECT count(*) FROM chekt.snapshot_events) + (SELECT count(*) FROM chekt.verification_events)
     + (SELECT count(*) FROM chekt.partition_events) + (SELECT count(*) FROM chekt.relay_events)
       AS family_rows;

-- clean up for the tests that follow
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
         chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
         chekt.relay_events, chekt.alarm_trail, chekt.device_months;
DELETE FROM chekt_private.apps;
