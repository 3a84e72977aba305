--
-- What a delivery that never authenticated can cost: its metadata, its
-- body's length and SHA-256, at most chekt.max_unauthenticated_body_bytes
-- of its body (8 kB by default), 256 bytes of each signature header and
-- 1 kB of other headers.  (Seen on 0.4.0: 100 POSTs of 256 kB to
-- /webhooks/no-such-app grew chekt_private.rejected from 88 kB to 26 MB in 1.5 s.)
-- A delivery refused after it authenticated is kept whole.  And
-- chekt.purge_rejected() empties the quarantine of old rows.
--

SET TimeZone = 'UTC';
SHOW chekt.max_unauthenticated_body_bytes;
SELECT chekt.add_secret('bounded', 'bounded-secret') > 0 AS added;

-- A long body that does not compress, with an id so it can be told apart
CREATE FUNCTION pg_temp.big(id text, bytes int) RETURNS text LANGUAGE sql AS $$
  SELECT '{"id":"' || id || '","pad":"' ||
         left(string_agg(md5(i::text), ''), bytes - 18 - length(id)) || '"}'
    FROM generate_series(1, bytes / 32 + 1) AS i
$$;

-- unknown app, bad signature, stale signature: kept in part
INSERT INTO chekt_private.inbox (app, signed_at, signature, body, headers) VALUES
  ('no-such-app', '1', 'x', pg_temp.big('u1', 262144), NULL),
  ('bounded', extract(epoch FROM now())::bigint::text, 'sha256=' || repeat('0', 64),
   pg_temp.big('b1', 100000), jsonb_build_object('x-chekt-junk', repeat('j', 5000))),
  ('bounded', '946684800', chekt.sign('bounded-secret', '946684800', pg_temp.big('s1', 9000)),
   pg_temp.big('s1', 9000), '{"x-chekt-trace":"t-1"}'),
  -- a signature header of 10 kB is cut at 256 bytes
  ('no-such-app', repeat('9', 300), repeat('f', 10000), '{}', NULL);
-- multi-byte text is cut at a character boundary; bytes are cut as bytes
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) VALUES
  ('no-such-app', '1', 'x', repeat('€', 5000));
INSERT INTO chekt_private.inbox (app, signed_at, signature, body_bytes) VALUES
  ('no-such-app', '1', 'x', '\xff'::bytea || convert_to(repeat('z', 20000), 'UTF8'));
-- authenticated but malformed: kept whole, however long
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'bounded', ts, chekt.sign('bounded-secret', ts, b), b
  FROM (SELECT extract(epoch FROM now())::bigint::text AS ts, pg_temp.big('m1', 50000) || '}' AS b) AS d;

-- (numbered in order: the ids depend on what the tests before used)
SELECT row_number() OVER (ORDER BY rejected_id) AS n, reason, app,
       octet_length(coalesce(body_bytes, convert_to(body, 'UTF8'))) AS kept_bytes,
       body_length,
       CASE WHEN NOT truncated THEN body_sha256 = sha256(convert_to(body, 'UTF8'))
            WHEN body LIKE '{"id":"__","pad"%'
            THEN body_sha256 = sha256(convert_to(pg_temp.big(substr(body, 8, 2), body_length), 'UTF8'))
       END AS sha256_of_whole,
       octet_length(signed_at) AS signed_at_bytes, octet_length(signature) AS signature_bytes,
       headers, truncated
  FROM chekt_private.rejected ORDER BY rejected_id;
-- the cut text is still valid text, the cut bytes are the first bytes
SELECT length(body) AS characters, body = repeat('€', length(body)) AS whole_characters,
       body_sha256 = sha256(convert_to(repeat('€', 5000), 'UTF8')) AS sha256_of_whole
  FROM chekt_private.rejected WHERE body LIKE '€%';
SELECT body_bytes = substr('\xff'::bytea || convert_to(repeat('z', 20000), 'UTF8'), 1, 8192) AS first_bytes
  FROM chekt_private.rejected WHERE body_bytes IS NOT NULL;

-- the setting is the superuser's: a role that may only feed cannot raise it
CREATE ROLE regress_bounds_feeder;
SET ROLE regress_bounds_feeder;
SET chekt.max_unauthenticated_body_bytes = '1GB';
RESET ROLE;
DROP ROLE regress_bounds_feeder;
SET chekt.max_unauthenticated_body_bytes = 10;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body) VALUES ('no-such-app', '1', 'x', '{"id":"short-cap"}');
SELECT body, body_length, truncated FROM chekt_private.rejected WHERE rejected_id = (SELECT max(rejected_id) FROM chekt_private.rejected);
RESET chekt.max_unauthenticated_body_bytes;

-- a real delivery for an app registered late fits whole and is recovered;
-- a truncated one is never retried as if it were whole
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'late-app', ts, chekt.sign('late-secret', ts, b), b
  FROM (SELECT extract(epoch FROM now())::bigint::text AS ts,
               '{"id":"late-1","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-1"}}' AS b) AS d;
INSERT INTO chekt_private.inbox (app, signed_at, signature, body)
SELECT 'late-app', ts, chekt.sign('late-secret', ts, b), b
  FROM (SELECT extract(epoch FROM now())::bigint::text AS ts,
               '{"id":"late-2","type":"device.offline","created_at":"2026-05-26T10:00:00Z","data":{"device_id":"d-1","site_id":"' ||
               repeat('s', 9000) || '"}}' AS b) AS d;
SELECT chekt.add_secret('late-app', 'late-secret') > 0 AS added;
SELECT chekt.retry_rejected('unknown_app') AS recovered;
SELECT event_id FROM chekt_private.events WHERE app = 'late-app';
SELECT count(*) AS left_truncated FROM chekt_private.rejected WHERE app = 'late-app' AND truncated;

--
-- purge_rejected(older_than, reason)
--
UPDATE chekt_private.rejected SET rejected_at = now() - interval '40 days' WHERE reason = 'unknown_app';
UPDATE chekt_private.rejected SET rejected_at = now() - interval '10 days' WHERE reason = 'bad_signature';
SELECT reason, count(*) FROM chekt_private.rejected GROUP BY 1 ORDER BY 1;
SELECT chekt.purge_rejected('30 days', 'bad_signature') AS purged_bad_signature_over_30_days;
SELECT chekt.purge_rejected('30 days') AS purged_over_30_days;
SELECT chekt.purge_rejected('30 days') AS purged_again;
SELECT chekt.purge_rejected('1 day', 'stale_signature') AS purged_stale_over_a_day;
SELECT reason, count(*) FROM chekt_private.rejected GROUP BY 1 ORDER BY 1;
-- more than one batch of 10,000
INSERT INTO chekt_private.rejected (app, received_at, body, reason, detail, rejected_at, body_length, body_sha256)
SELECT 'bulk', now(), '{}', 'unknown_app', 'bulk', now() - interval '1 year', 2, sha256('{}')
  FROM generate_series(1, 25000);
SELECT chekt.purge_rejected('30 days', 'unknown_app') AS purged_bulk;
SELECT count(*) AS bulk_left FROM chekt_private.rejected WHERE app = 'bulk';
-- what is wrong is said
SELECT chekt.purge_rejected('-1 day');
SELECT chekt.purge_rejected(NULL);
SELECT chekt.purge_rejected('30 days', 'accepted');
SELECT chekt.purge_rejected('30 days', 'no_such_reason');

-- clean up
TRUNCATE chekt_private.events, chekt_private.rejected, chekt.device_events;
DELETE FROM chekt_private.apps;
