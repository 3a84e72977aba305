--
-- A delivery is judged at the database's time, not at the time its feeder
-- says it was received.  (Seen on 0.4.0: a role with only INSERT on
-- chekt_private.inbox backdated a delivery signed with a retired, leaked secret
-- into that secret's active period and past the replay window, and got it
-- accepted; an explicit NULL received_at was read as 2000-01-01 and
-- accepted with a matching signed_at.)  Only the extension owner and roles
-- given chekt.grant_backfill() (and their members) are believed.
--

SET TimeZone = 'UTC';
SELECT chekt.add_secret('receipt', 'leaked-secret') AS leaked_id \gset
SELECT chekt.add_secret('receipt', 'current-secret') > 0 AS added;
-- both were added in January; the leaked one was retired two days ago
UPDATE chekt_private.app_secrets SET added_at = '2026-01-01' WHERE app = 'receipt';
SELECT chekt.retire_secret(:leaked_id, now() - interval '2 days');

CREATE ROLE regress_receipt_feeder;
CREATE ROLE regress_receipt_backfiller;
CREATE ROLE regress_receipt_member IN ROLE regress_receipt_backfiller;
GRANT USAGE ON SCHEMA chekt, chekt_private TO regress_receipt_feeder, regress_receipt_backfiller;
GRANT INSERT ON chekt_private.inbox TO regress_receipt_feeder, regress_receipt_backfiller;
GRANT EXECUTE ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text)
  TO regress_receipt_feeder, regress_receipt_backfiller;
SELECT chekt.grant_backfill('regress_receipt_backfiller');
SELECT chekt.grant_backfill('regress_receipt_backfiller');  -- again: no change
SELECT backfiller FROM chekt_private.backfillers;

-- A delivery signed with the leaked secret three days ago, claimed to have
-- been received then; and one signed now with the current secret
CREATE TEMP TABLE delivery AS
SELECT id, b, ts, chekt.sign(secret, ts, b) AS sig, received
  FROM (VALUES ('forged', 'leaked-secret', now() - interval '3 days'),
               ('fresh', 'current-secret', now())) AS v (id, secret, received),
       LATERAL (SELECT format('{"id":"%s","type":"alarm.resolved","created_at":"%s","data":{"alarm_id":"A-7","resolution":"false-positive"}}',
                              id, to_char(received AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS b,
                       extract(epoch FROM received)::bigint::text AS ts) AS x;
GRANT SELECT ON delivery TO regress_receipt_feeder, regress_receipt_backfiller;

-- the feeder's received_at is not believed: judged now, the leaked secret
-- signs nothing; the refusal says why the time given did not count
BEGIN;
SET LOCAL ROLE regress_receipt_feeder;
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'receipt', received, ts, sig, b FROM delivery WHERE id = 'forged';
SELECT chekt.ingest('receipt', ts, sig, b, received) FROM delivery WHERE id = 'forged';
-- nor is an explicit NULL: it is now(), and a signature of 2000-01-01 is stale
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'receipt', NULL, '946684800', chekt.sign('current-secret', '946684800', replace(b, 'fresh', 'y2k')),
       replace(b, 'fresh', 'y2k')
  FROM delivery WHERE id = 'fresh';
SELECT chekt.ingest('receipt', ts, sig, b, NULL) FROM delivery WHERE id = 'fresh';
-- a time a moment ago is not kept either: the stored receipt time is now()
SELECT chekt.ingest('receipt', ts, sig, replace(b, 'fresh', 'fresh-2'), received - interval '1 second')
  FROM (SELECT ts, chekt.sign('current-secret', ts, replace(b, 'fresh', 'fresh-2')) AS sig, b, received
          FROM delivery WHERE id = 'fresh') AS d;
RESET ROLE;
SELECT reason, regexp_replace(regexp_replace(detail, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00', 'T', 'g'),
                              'received \d+ s later', 'received N s later') AS detail,
       received_at = now() AS judged_now
  FROM chekt_private.rejected ORDER BY rejected_id;
SELECT event_id, received_at = now() AS received_now FROM chekt_private.events ORDER BY event_id;
COMMIT;

-- a backfill role is believed (and a member of it): the forged delivery
-- is then judged three days ago, when the leaked secret was still active
-- (the right is to replay captures, so whoever holds it can do this)
SET ROLE regress_receipt_member;
SELECT chekt.ingest('receipt', ts, sig, b, received) FROM delivery WHERE id = 'forged';
RESET ROLE;
SELECT e.event_id, e.received_at = d.received AS received_as_given
  FROM chekt_private.events e JOIN delivery d ON d.id = e.event_id WHERE e.event_id = 'forged';

-- by COPY too (a capture replayed by chekt-ingest --replay is a COPY)
SET ROLE regress_receipt_backfiller;
COPY chekt_private.inbox (app, received_at, signed_at, signature, body) FROM STDIN;
receipt	2026-05-26 10:30:02+00	1779791400	ba6a32afd533724b8c5bd5a6ee9d75b845f6ef01617432346676f6a586b470f2	{"id":"copy-old","type":"device.online","created_at":"2026-05-26T10:29:58Z","data":{"device_id":"cam-r"}}
\.
RESET ROLE;
SELECT chekt.revoke_backfill('regress_receipt_backfiller');
BEGIN;
SET LOCAL ROLE regress_receipt_backfiller;
COPY chekt_private.inbox (app, received_at, signed_at, signature, body) FROM STDIN;
receipt	2026-05-26 10:30:02+00	1779791400	7382d98aefe8a1881ac76733e34792c44fd701572dabaea28ead7511781231f1	{"id":"copy-old-2","type":"device.online","created_at":"2026-05-26T10:29:58Z","data":{"device_id":"cam-r"}}
\.
RESET ROLE;
SELECT event_id, received_at FROM chekt_private.events WHERE event_id LIKE 'copy-old%' ORDER BY 1;
SELECT reason, regexp_replace(regexp_replace(detail, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00', 'T', 'g'),
                              'received \d+ s later', 'received N s later') AS detail,
       received_at = now() AS judged_now
  FROM chekt_private.rejected WHERE body LIKE '%copy-old-2%';
COMMIT;

-- the owner is believed
SELECT chekt.ingest('receipt', '1779791400',
                    'ba6a32afd533724b8c5bd5a6ee9d75b845f6ef01617432346676f6a586b470f2',
                    '{"id":"copy-old","type":"device.online","created_at":"2026-05-26T10:29:58Z","data":{"device_id":"cam-r"}}',
                    '2026-05-26 10:30:03+00') AS owner_replay;

-- retry_rejected() judges a quarantined delivery at the time it was
-- judged at (now() then), not at a time a feeder claimed
SELECT chekt.retry_rejected() AS passed_on_retry;
SELECT reason, count(*) FROM chekt_private.rejected GROUP BY 1 ORDER BY 1;

-- clean up
REVOKE ALL ON delivery FROM regress_receipt_feeder, regress_receipt_backfiller;
REVOKE ALL ON chekt_private.inbox FROM regress_receipt_feeder, regress_receipt_backfiller;
REVOKE ALL ON FUNCTION chekt.ingest(text, text, text, text, timestamptz, text)
  FROM regress_receipt_feeder, regress_receipt_backfiller;
REVOKE USAGE ON SCHEMA chekt, chekt_private FROM regress_receipt_feeder, regress_receipt_backfiller;
DROP ROLE regress_receipt_member, regress_receipt_feeder, regress_receipt_backfiller;
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events,
         chekt.alarm_trail, chekt.device_months;
DELETE FROM chekt_private.apps;
