--
-- Every refusal reason, in the order ingest checks them, with the detail a
-- person acts on; every refused delivery is kept whole in chekt_private.rejected
--

SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SELECT chekt.add_secret('regress', 'regress-secret') > 0 AS added;

-- Sign a body as CHeKT does (default: at 1779791400, 2026-05-26 10:30:00
-- UTC, received then), ingest it, and report what became of it.
CREATE FUNCTION pg_temp.try(body text,
                            signed_at text DEFAULT '1779791400',
                            received_at timestamptz DEFAULT '2026-05-26 10:30:00+00',
                            app text DEFAULT 'regress',
                            secret text DEFAULT 'regress-secret',
                            OUT outcome text, OUT detail text, OUT event_id text,
                            OUT kept_whole boolean)
LANGUAGE plpgsql AS $$
DECLARE
  last_rejected bigint := (SELECT coalesce(max(rejected_id), 0) FROM chekt_private.rejected);
  signature_header text := 'sha256=' || chekt.sign(secret, signed_at, body);
BEGIN
  outcome := chekt.ingest(app, signed_at, signature_header, body, received_at);
  SELECT r.detail, r.event_id,
         r.body = try.body AND r.signed_at = try.signed_at AND r.signature = signature_header
           AND r.received_at = try.received_at AND r.app = try.app
    INTO detail, event_id, kept_whole
    FROM chekt_private.rejected r
   WHERE r.rejected_id > last_rejected;
END
$$;

-- a valid event to start from
SELECT * FROM pg_temp.try('{"id":"evt_ok","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1"}}');

--
-- unknown_app: no such app, or no secret active when received (fail closed)
--
SELECT * FROM pg_temp.try('{"id":"e1"}', app => 'nobody');
SELECT chekt.add_secret('retired-app', 'old-secret') AS retired_secret \gset
SELECT chekt.retire_secret(:retired_secret, '2026-05-26 10:00:00+00');
SELECT * FROM pg_temp.try('{"id":"e2"}', app => 'retired-app', secret => 'old-secret');
-- received before the secret's expiry, it would have passed
SELECT outcome FROM pg_temp.try('{"id":"e3","type":"alarm.acknowledged","created_at":"2026-05-26T09:00:00Z","data":{"alarm_id":"A-1"}}',
                                 signed_at => '1779786000', received_at => '2026-05-26 09:00:00+00',
                                 app => 'retired-app', secret => 'old-secret');

--
-- bad_signature: checked before anything looks inside the body
--
SELECT * FROM pg_temp.try('{"id":"e4"}', secret => 'wrong-secret');
SELECT * FROM pg_temp.try('this is not JSON', secret => 'wrong-secret');
SELECT chekt.ingest('regress', '1779791400', NULL, '{"id":"e5"}', '2026-05-26 10:30:00+00') AS missing_signature;
SELECT chekt.ingest('regress', NULL, 'sha256=00', '{"id":"e6"}', '2026-05-26 10:30:00+00') AS missing_timestamp;
SELECT reason, detail FROM chekt_private.rejected WHERE body IN ('{"id":"e5"}', '{"id":"e6"}') ORDER BY rejected_id;
-- a signature over another body
SELECT chekt.ingest('regress', '1779791400', chekt.sign('regress-secret', '1779791400', '{"id":"e7"}'),
                    '{"id":"e7x"}', '2026-05-26 10:30:00+00') AS other_body;

-- rotation: while two secrets are active, either one signs
SELECT chekt.add_secret('regress', 'regress-secret-2') AS second_secret \gset
SELECT outcome FROM pg_temp.try('{"id":"evt_rot1","type":"alarm.acknowledged","created_at":"2026-05-26T10:22:00Z","data":{"alarm_id":"A-1"}}',
                                 secret => 'regress-secret-2');
SELECT outcome FROM pg_temp.try('{"id":"evt_rot2","type":"alarm.acknowledged","created_at":"2026-05-26T10:22:00Z","data":{"alarm_id":"A-2"}}');
SELECT chekt.retire_secret(:second_secret, '2026-05-26 10:00:00+00');
SELECT outcome, detail FROM pg_temp.try('{"id":"evt_rot3","type":"alarm.acknowledged","created_at":"2026-05-26T10:22:00Z","data":{"alarm_id":"A-3"}}',
                                         secret => 'regress-secret-2');

--
-- stale_signature: the replay window (300 s by default) around receipt
--
SELECT * FROM pg_temp.try('{"id":"e8"}', signed_at => '1779791099');
SELECT outcome FROM pg_temp.try('{"id":"e9","type":"alarm.acknowledged","created_at":"2026-05-26T10:20:00Z","data":{"alarm_id":"A-9"}}',
                                 signed_at => '1779791100');
SELECT * FROM pg_temp.try('{"id":"e10"}', signed_at => '1779791701');
SELECT * FROM pg_temp.try('{"id":"e11"}', signed_at => '2026-05-26T10:30:00Z');
SELECT * FROM pg_temp.try('{"id":"e12"}', signed_at => '');
-- a wider window for this app
SELECT chekt.alter_app('regress', replay_tolerance_s => 600);
SELECT outcome FROM pg_temp.try('{"id":"e13","type":"alarm.acknowledged","created_at":"2026-05-26T10:20:00Z","data":{"alarm_id":"A-13"}}',
                                 signed_at => '1779791099');
SELECT chekt.alter_app('regress', replay_tolerance_s => 300);

--
-- oversize: the body limit, chekt.max_body_bytes (default 256 kB)
--
SHOW chekt.max_body_bytes;
SET chekt.max_body_bytes = 1024;
SELECT outcome, detail, kept_whole FROM pg_temp.try('{"id":"e14","pad":"' || repeat('x', 2000) || '"}');
-- a stale and oversize delivery is stale: the order of the checks
SELECT outcome FROM pg_temp.try('{"id":"e15","pad":"' || repeat('x', 2000) || '"}', signed_at => '1779790000');
-- oversize comes before JSON is parsed, and the limit itself is allowed
SELECT outcome FROM pg_temp.try(repeat('[', 2000));
SELECT outcome FROM pg_temp.try('{"id":"e16","type":"alarm.acknowledged","created_at":"2026-05-26T10:20:00Z","data":{"alarm_id":"A-16"},"pad":"' || repeat('x', 1024 - 110 - 2) || '"}');
SELECT octet_length(body) FROM chekt_private.events WHERE event_id = 'e16';
RESET chekt.max_body_bytes;

--
-- malformed_json: jansson says where; nothing is stored but the quarantine
--
SELECT * FROM pg_temp.try('');
SELECT * FROM pg_temp.try('not json');
SELECT * FROM pg_temp.try('{"id": "e17", ');
SELECT * FROM pg_temp.try('{"id":"e18","id":"e19","type":"alarm.created"}');
SELECT * FROM pg_temp.try('{"id":"e20","note":"a\u0000b"}');
SELECT * FROM pg_temp.try('{"id":"e21","note":"\q"}');
SELECT * FROM pg_temp.try('{"id":"e22","note":"\ud800"}');
SELECT * FROM pg_temp.try('{"id":"e23","n":1e999999}');
SELECT * FROM pg_temp.try('{"id":"e24","n":123456789012345678901234567890}');
SELECT * FROM pg_temp.try('{"id":"e25"} trailing');
SELECT outcome, left(detail, 60) AS detail FROM pg_temp.try(repeat('[', 100000) || repeat(']', 100000));
SELECT outcome, left(detail, 60) AS detail FROM pg_temp.try('{"a":' || repeat('{"a":', 5000) || '1' || repeat('}', 5001));

--
-- invalid_envelope
--
SELECT * FROM pg_temp.try('[1, 2]');
SELECT * FROM pg_temp.try('"evt_1"');
SELECT * FROM pg_temp.try('{"type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{}}');
SELECT * FROM pg_temp.try('{"id":"","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{}}');
SELECT * FROM pg_temp.try('{"id":42,"type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{}}');
SELECT * FROM pg_temp.try('{"id":"e26","created_at":"2026-05-26T10:21:34Z","data":{}}');
SELECT * FROM pg_temp.try('{"id":"e27","type":["alarm.created"],"created_at":"2026-05-26T10:21:34Z","data":{}}');
SELECT * FROM pg_temp.try('{"id":"e28","type":"alarm.created","data":{}}');
SELECT * FROM pg_temp.try('{"id":"e29","type":"alarm.created","created_at":"2026-05-26T10:21:34Z"}');
SELECT * FROM pg_temp.try('{"id":"e30","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":null}');
SELECT * FROM pg_temp.try('{"id":"e31","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":[]}');

-- created_at is strict RFC 3339: PostgreSQL's lenient spellings are refused
SELECT created_at, (t).outcome, (t).detail
  FROM (SELECT created_at,
               pg_temp.try(format('{"id":"ts-%s","type":"alarm.acknowledged","created_at":%s,"data":{"alarm_id":"A-ts"}}',
                                  md5(created_at), created_at)) AS t
  FROM (VALUES ('"now"'), ('"today"'), ('"infinity"'), ('"-infinity"'), ('"epoch"'),
               ('1779790894'), ('"1779790894"'), ('"2026-05-26 10:21:34Z"'),
               ('"2026-05-26T10:21:34"'), ('"2026-05-26"'), ('"May 26 2026 10:21:34Z"'),
               ('"2026-5-26T10:21:34Z"'), ('"2026-05-26T10:21:34.Z"'), ('"2026-05-26T10:21:34+0200"'),
               ('"2026-05-26T10:21:34 Z"'), ('"2026-05-26T10:21:34Z "'), ('"2026-02-29T10:21:34Z"'),
               ('"2026-04-31T10:21:34Z"'), ('"2026-05-26T24:00:00Z"'), ('"2026-05-26T10:60:00Z"'),
               ('"0000-01-01T00:00:00Z"'), ('"2026-05-26T10:21:34+24:00"'), ('null')) AS c (created_at)) AS r;

-- and its valid spellings are read exactly (each received when created:
-- one created far after its receipt would be out_of_range, below)
CREATE TEMP TABLE valid_spelling AS
SELECT c.created_at,
       (pg_temp.try(format('{"id":"ok-%s","type":"alarm.acknowledged","created_at":"%s","data":{"alarm_id":"A-ts"}}',
                           md5(c.created_at), c.created_at),
                    signed_at => extract(epoch FROM c.created_at::timestamptz)::bigint::text,
                    received_at => c.created_at::timestamptz)).outcome
  FROM (VALUES ('2026-05-26T10:21:34Z'), ('2026-05-26t10:21:34z'), ('2026-05-26T10:21:34.5Z'),
               ('2026-05-26T10:21:34.123456789Z'), ('2026-05-26T12:21:34+02:00'),
               ('2026-05-26T05:51:34-04:30'), ('2026-05-26T10:21:34-00:00'),
               ('2028-02-29T23:59:59Z'), ('2026-12-31T23:59:60Z')) AS c (created_at);
SELECT v.created_at AS given, v.outcome, e.created_at AS stored
  FROM valid_spelling v
  LEFT JOIN chekt_private.events e ON e.event_id = 'ok-' || md5(v.created_at)
 ORDER BY e.created_at, v.created_at;

--
-- unknown_type: the catalog decides; types are case-sensitive
--
SELECT * FROM pg_temp.try('{"id":"e32","type":"alarm.escalated","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1"}}');
SELECT * FROM pg_temp.try('{"id":"e33","type":"ALARM.CREATED","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1"}}');

--
-- invalid_payload: required fields, JSON types, seconds, timestamps
--
SELECT label, (t).outcome, (t).detail, (t).event_id
  FROM (VALUES
    ('alarm.created without site_id', '{"id":"p1","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1"}}'),
    ('alarm.created with null alarm_id', '{"id":"p2","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":null,"site_id":"S-1"}}'),
    ('alarm.created with numeric alarm_id', '{"id":"p3","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":10293,"site_id":"S-1"}}'),
    ('alarm.created with object priority', '{"id":"p4","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1","priority":{"level":"HIGH"}}}'),
    ('alarm.acknowledged without alarm_id', '{"id":"p5","type":"alarm.acknowledged","created_at":"2026-05-26T10:21:34Z","data":{"operator_id":"op"}}'),
    ('alarm.acknowledged with boolean reason', '{"id":"p6","type":"alarm.acknowledged","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","reason":true}}'),
    ('alarm.dispatched with negative eta', '{"id":"p7","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","eta_seconds":-1}}'),
    ('alarm.dispatched with fractional eta', '{"id":"p8","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","eta_seconds":1.5}}'),
    ('alarm.dispatched with eta as string', '{"id":"p9","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","eta_seconds":"240"}}'),
    ('alarm.dispatched with eta beyond integer', '{"id":"p10","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","eta_seconds":2147483648}}'),
    ('alarm.resolved without resolution', '{"id":"p11","type":"alarm.resolved","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1"}}'),
    ('device.online without device_id', '{"id":"p12","type":"device.online","created_at":"2026-05-26T10:21:34Z","data":{"site_id":"S-1"}}'),
    ('device.online with downtime as real', '{"id":"p13","type":"device.online","created_at":"2026-05-26T10:21:34Z","data":{"device_id":"d","downtime_seconds":142.0}}'),
    ('device.offline with lenient last_seen_at', '{"id":"p14","type":"device.offline","created_at":"2026-05-26T10:21:34Z","data":{"device_id":"d","last_seen_at":"yesterday"}}'),
    ('snapshot.created without snapshot_id', '{"id":"p15","type":"snapshot.created","created_at":"2026-05-26T10:21:34Z","data":{"device_id":"d"}}'),
    ('snapshot.created with numeric expires_at', '{"id":"p16","type":"snapshot.created","created_at":"2026-05-26T10:21:34Z","data":{"snapshot_id":"s","expires_at":1779877294}}'),
    ('verification.requested without alarm_id', '{"id":"p17","type":"verification.requested","created_at":"2026-05-26T10:21:34Z","data":{"requested_by":"operator"}}'),
    ('verification.requested with deadline as string', '{"id":"p18","type":"verification.requested","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","deadline_seconds":"90"}}'),
    ('partition.armed without partition_id', '{"id":"p19","type":"partition.armed","created_at":"2026-05-26T10:21:34Z","data":{"site_id":"S-1"}}'),
    ('partition.disarmed with numeric by', '{"id":"p20","type":"partition.disarmed","created_at":"2026-05-26T10:21:34Z","data":{"partition_id":"p","by":1}}'),
    ('relay.activated without relay_id', '{"id":"p21","type":"relay.activated","created_at":"2026-05-26T10:21:34Z","data":{"device_id":"d"}}'),
    ('relay.activated with array trigger', '{"id":"p22","type":"relay.activated","created_at":"2026-05-26T10:21:34Z","data":{"relay_id":"r","trigger":["alarm.created:A-1"]}}'),
    ('long wrong value is cut short', '{"id":"p23","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","eta_seconds":"' || repeat('é', 100) || '"}}')
  ) AS c (label, body),
  LATERAL (SELECT pg_temp.try(c.body) AS t) AS r
 ORDER BY label;

-- accepted as they are: unknown fields (kept in chekt_private.events.body), new
-- values of known fields, optional fields null or absent
SELECT label, (pg_temp.try(body)).outcome
  FROM (VALUES
    ('unknown data field', '{"id":"a1","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-a1","site_id":"S-1","zone":7}}'),
    ('unknown envelope field', '{"id":"a2","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-a2","site_id":"S-1"},"version":2}'),
    ('new resolution value', '{"id":"a3","type":"alarm.resolved","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-a3","resolution":"customer-cancelled"}}'),
    ('new partition by value', '{"id":"a4","type":"partition.armed","created_at":"2026-05-26T10:21:34Z","data":{"partition_id":"p-a4","by":"geofence"}}'),
    ('optional fields null', '{"id":"a5","type":"alarm.dispatched","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-a5","eta_seconds":null,"responder_id":null}}'),
    ('zero seconds', '{"id":"a6","type":"device.online","created_at":"2026-05-26T10:21:34Z","data":{"device_id":"d-a6","downtime_seconds":0}}'),
    ('largest seconds', '{"id":"a7","type":"relay.activated","created_at":"2026-05-26T10:21:34Z","data":{"relay_id":"r-a7","duration_seconds":2147483647,"trigger":"schedule"}}'),
    ('empty trigger tail', '{"id":"a8","type":"relay.activated","created_at":"2026-05-26T10:21:34Z","data":{"relay_id":"r-a8","trigger":"alarm.created:"}}'),
    ('non-ASCII text', '{"id":"a9","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-a9","site_id":"S-1","location":"Entrée ☃ 🚨 \u00e9"}}')
  ) AS c (label, body)
 ORDER BY label;
SELECT resolution FROM chekt.alarm_events WHERE alarm_id = 'A-a3';
SELECT initiated_by FROM chekt.partition_events WHERE partition_id = 'p-a4';
SELECT relay_id, trigger, alarm_id FROM chekt.relay_events ORDER BY relay_id;
SELECT location FROM chekt.alarm_events WHERE alarm_id = 'A-a9';
SELECT body::jsonb -> 'data' ->> 'zone' AS zone_kept FROM chekt_private.events WHERE event_id = 'a1';

--
-- out_of_range: created_at outside what the storage policy keeps, a
-- refusal with its detail rather than an error
--
-- more than max_future (7 days by default) after its receipt
SELECT * FROM pg_temp.try('{"id":"r1","type":"alarm.created","created_at":"2026-06-02T10:30:01Z","data":{"alarm_id":"A-r1","site_id":"S-1"}}');
-- at most that: stored, in a partition made for its month
SELECT outcome FROM pg_temp.try('{"id":"r2","type":"alarm.created","created_at":"2026-06-02T10:30:00Z","data":{"alarm_id":"A-r2","site_id":"S-1"}}');
SELECT tableoid::regclass AS partition FROM chekt.alarm_events WHERE alarm_id = 'A-r2';
-- a changed policy, said wrong, is refused with what is allowed
SELECT chekt.set_storage_policy('max_future', '2 years');
SELECT chekt.set_storage_policy('retention', 'forever');
SELECT chekt.set_storage_policy('max_future', '1 day');
SELECT setting, value, is_default FROM chekt.storage_policy() WHERE setting IN ('max_future', 'retention');
SELECT * FROM pg_temp.try('{"id":"r3","type":"alarm.created","created_at":"2026-05-27T10:30:01Z","data":{"alarm_id":"A-r3","site_id":"S-1"}}');
SELECT chekt.set_storage_policy('max_future', NULL);
-- a change is seen at once, also by the transaction that made it after
-- ingesting under the old policy (ingest keeps the policy it read)
BEGIN;
SELECT outcome FROM pg_temp.try('{"id":"r3a","type":"alarm.created","created_at":"2026-05-28T10:30:00Z","data":{"alarm_id":"A-r3a","site_id":"S-1"}}');
SELECT chekt.set_storage_policy('max_future', '1 day');
SELECT outcome FROM pg_temp.try('{"id":"r3b","type":"alarm.created","created_at":"2026-05-28T10:30:00Z","data":{"alarm_id":"A-r3b","site_id":"S-1"}}');
ROLLBACK;
SELECT outcome FROM pg_temp.try('{"id":"r3b","type":"alarm.created","created_at":"2026-05-28T10:30:00Z","data":{"alarm_id":"A-r3b","site_id":"S-1"}}');
-- the same answer in every session's time zone: received 2026-11-01
-- 03:00 UTC, 7 days later is 2026-11-08 03:00 UTC, although New York's
-- clocks went back an hour between (seen: accepted from a session in
-- America/New_York, as its 7 days ended at 04:00 UTC)
SET TimeZone = 'America/New_York';
SELECT outcome FROM pg_temp.try('{"id":"r3ny","type":"alarm.created","created_at":"2026-11-08T03:30:00Z","data":{"alarm_id":"A-r3ny","site_id":"S-1"}}',
                                signed_at => '1793502000', received_at => '2026-11-01 03:00:00+00');
SET TimeZone = 'UTC';
-- before the oldest month kept: the retention at receipt...
SELECT chekt.set_storage_policy('retention', '3 months');
SELECT * FROM pg_temp.try('{"id":"r4","type":"alarm.created","created_at":"2026-01-31T23:59:59Z","data":{"alarm_id":"A-r4","site_id":"S-1"}}');
SELECT outcome FROM pg_temp.try('{"id":"r5","type":"alarm.created","created_at":"2026-02-01T00:00:00Z","data":{"alarm_id":"A-r5","site_id":"S-1"}}');
SELECT chekt.set_storage_policy('retention', NULL);
-- ...or what chekt.drop_events_before() dropped (nothing of 2025 is stored)
SELECT chekt.drop_events_before('2025-11-15 00:00:00+00') AS months_dropped;
SELECT value FROM chekt.storage_policy() WHERE setting = 'kept_from';
SELECT * FROM pg_temp.try('{"id":"r6","type":"alarm.created","created_at":"2025-10-31T23:59:59Z","data":{"alarm_id":"A-r6","site_id":"S-1"}}');
SELECT outcome FROM pg_temp.try('{"id":"r7","type":"alarm.created","created_at":"2025-11-01T00:00:00Z","data":{"alarm_id":"A-r7","site_id":"S-1"}}');
SELECT chekt.set_storage_policy('kept_from', 'infinity');
SELECT chekt.set_storage_policy('kept_from', NULL);

--
-- duplicate and id_conflict: the event id decides
--
SELECT outcome FROM pg_temp.try('{"id":"evt_ok","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-1"}}',
                                 signed_at => '1779791460', received_at => '2026-05-26 10:31:00+00');
SELECT * FROM pg_temp.try('{"id":"evt_ok","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-1","site_id":"S-2"}}');
SELECT event_id, delivery_count, received_at, last_received_at FROM chekt_private.events WHERE event_id = 'evt_ok';
SELECT count(*) AS alarm_rows FROM chekt.alarm_events WHERE event_id = 'evt_ok';

--
-- a Standard Webhooks sender: webhook-id, webhook-timestamp and
-- webhook-signature, a whsec_ secret
--
SELECT chekt.add_secret('svix-app', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'standard_webhooks') > 0 AS added;
CREATE TEMP TABLE sw AS
SELECT '{"id":"evt_sw1","type":"relay.activated","created_at":"2026-05-26T10:21:36Z","data":{"relay_id":"rel_sw"}}'::text AS body;
SELECT chekt.ingest('svix-app', '1779791400',
                    'v1,bm90IHRoaXMgb25lIG5vdCB0aGlzIG9uZSBub3QgdGhpcw== ' ||
                    chekt.sign_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', '1779791400', body),
                    body, '2026-05-26 10:30:00+00', 'msg_1') AS signed_with_id
  FROM sw;
-- the same signature under another message id, and without one
SELECT chekt.ingest('svix-app', '1779791400',
                    chekt.sign_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', '1779791400', body),
                    body, '2026-05-26 10:30:00+00', 'msg_2') AS other_id,
       chekt.ingest('svix-app', '1779791400',
                    chekt.sign_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', '1779791400', body),
                    body, '2026-05-26 10:30:00+00') AS no_id,
       -- a CHeKT-style signature means nothing to this app
       chekt.ingest('svix-app', '1779791400', 'sha256=' || chekt.sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '1779791400', body),
                    body, '2026-05-26 10:30:00+00', 'msg_1') AS chekt_style
  FROM sw;
SELECT detail FROM chekt_private.rejected WHERE app = 'svix-app' ORDER BY rejected_id;
SELECT event_id, message_id, relay_id FROM chekt_private.events JOIN chekt.relay_events USING (event_id)
 WHERE event_id = 'evt_sw1';

-- every reason code occurred, and every refused delivery is kept
SELECT reason, count(*) FROM chekt_private.rejected GROUP BY reason ORDER BY reason;
SELECT count(*) FILTER (WHERE event_id IS NOT NULL) AS with_event_id,
       count(*) FILTER (WHERE detail = '') AS without_detail
  FROM chekt_private.rejected;

-- user errors of chekt.ingest() and retry_rejected()
SELECT chekt.ingest(NULL, '1', 's', '{}');
SELECT chekt.ingest('regress', '1', 's', NULL);
SELECT chekt.retry_rejected('stale');

-- clean up
RESET chekt.max_body_bytes;
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
         chekt.snapshot_events, chekt.verification_events, chekt.partition_events,
         chekt.relay_events, chekt.alarm_trail, chekt.device_months;
DELETE FROM chekt_private.apps;
