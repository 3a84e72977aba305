#!/usr/bin/env bash
# The parser survives any bytes, and nothing delivered is lost: 20,000
# authentic deliveries whose bodies are the catalog payloads mutated at
# random (bytes replaced with JSON's structural characters, escapes, huge
# numbers, deep nesting, cuts and splices), ingested through chekt_private.inbox in
# one statement and through chekt.ingest(); random signature headers through
# verify_signature(); a 10 MB body.  The server must stay up, and every
# delivery must be accounted for: accepted, counted as a duplicate, or
# quarantined.
. "$(dirname "$0")/../lib/common.sh"

fresh_db chekt_fuzz
seed=${CHEKT_FUZZ_SEED:-$RANDOM}
echo "seed $seed (rerun with CHEKT_FUZZ_SEED=$seed)"

body_values=$(for f in test/fixtures/catalog/*.json; do
  printf "(convert_from(decode('%s', 'base64'), 'UTF8')),\n" "$(base64 -w0 "$f")"
done | sed '$ s/,$//')

sql chekt_fuzz -v seed="$seed" <<SQL
SELECT chekt.add_secret('fuzz', 'fuzz-secret') > 0;
SELECT setseed(:seed / 32768.0);
CREATE TABLE seed_body (body text);
INSERT INTO seed_body VALUES $body_values;

-- one random mutation of a body
CREATE FUNCTION mutate(b text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
  tokens text[] := ARRAY['{', '}', '[', ']', '"', ':', ',', '\\', '\\u0000', '\\ud800', '\\uDFFF',
                         '\\u00e9', '\\"', 'null', 'true', '-', '0', '1e999999', '-1e-999999',
                         '123456789012345678901234567890', '1.5', ' ', E'\\t', E'\\n', 'é', '🚨',
                         repeat('[', 3000), repeat('{"a":', 500), '"' || repeat('x', 70000) || '"'];
  pos int;
  len int := length(b);
BEGIN
  FOR i IN 1 .. 1 + (random() * 3)::int LOOP
    pos := 1 + (random() * greatest(len - 1, 0))::int;
    CASE (random() * 4)::int
      WHEN 0 THEN b := overlay(b PLACING tokens[1 + (random() * (array_length(tokens, 1) - 1))::int] FROM pos FOR 1);
      WHEN 1 THEN b := left(b, pos);
      WHEN 2 THEN b := overlay(b PLACING '' FROM pos FOR 1 + (random() * 10)::int);
      WHEN 3 THEN b := left(b, pos) || substr(b, 1 + (random() * greatest(len - 1, 0))::int, 20) || substr(b, pos + 1);
      ELSE b := b || tokens[1 + (random() * (array_length(tokens, 1) - 1))::int];
    END CASE;
    len := length(b);
  END LOOP;
  RETURN b;
END \$\$;

-- a valid JSON body with a random value at a random place: reaches the
-- envelope and payload checks rather than the JSON parser
CREATE FUNCTION mutate_value(b text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
  doc jsonb := b::jsonb;
  keys text[] := ARRAY['id', 'type', 'created_at', 'data'];
  data_keys text[] := ARRAY(SELECT jsonb_object_keys(doc -> 'data'));
  vals jsonb[] := ARRAY['null', '""', '0', '-1', '1.5', '2147483648', 'true', '[]', '{}',
                        '"now"', '"2026-02-30T00:00:00Z"', '"2026-05-26T10:21:34+02:00"',
                        '"alarm.escalated"', '"x"', '"\\u00e9"', '99999999999999999']::jsonb[];
  v jsonb := vals[1 + (random() * (array_length(vals, 1) - 1))::int];
BEGIN
  IF random() < 0.6 AND array_length(data_keys, 1) > 0 THEN
    IF random() < 0.2 THEN
      RETURN (doc #- ARRAY['data', data_keys[1 + (random() * (array_length(data_keys, 1) - 1))::int]])::text;
    END IF;
    RETURN jsonb_set(doc, ARRAY['data', data_keys[1 + (random() * (array_length(data_keys, 1) - 1))::int]], v)::text;
  END IF;
  IF random() < 0.2 THEN
    RETURN (doc - keys[1 + (random() * 3)::int])::text;
  END IF;
  RETURN jsonb_set(doc, ARRAY[keys[1 + (random() * 3)::int]], v)::text;
END \$\$;

CREATE TABLE fuzz_delivery AS
SELECT n, CASE WHEN n % 2 = 0 THEN mutate(body) ELSE mutate_value(body) END AS body
  FROM generate_series(1, 20000) AS n,
       LATERAL (SELECT body FROM seed_body ORDER BY random() + n * 0 LIMIT 1) AS s;
-- the same ids keep coming back: duplicates and conflicts are part of the fuzz
UPDATE fuzz_delivery SET body = regexp_replace(body, '"id": "[^"]*"', '"id": "fuzz-' || n % 500 || '"')
 WHERE n % 3 = 0;

-- authentic: each body is signed, so that it reaches the parser
INSERT INTO chekt_private.inbox (app, received_at, signed_at, signature, body)
SELECT 'fuzz', now(), extract(epoch FROM now())::bigint::text,
       chekt.sign('fuzz-secret', extract(epoch FROM now())::bigint::text, body), body
  FROM fuzz_delivery WHERE n <= 18000 ORDER BY n;
SELECT count(*) AS ingested_one_by_one
  FROM (SELECT chekt.ingest('fuzz', extract(epoch FROM now())::bigint::text,
                            chekt.sign('fuzz-secret', extract(epoch FROM now())::bigint::text, body), body)
          FROM fuzz_delivery WHERE n > 18000 ORDER BY n) AS i;
SQL
[ $? -eq 0 ] || fail "fuzzing raised an error"

accounted=$(sql chekt_fuzz -c "SELECT (SELECT coalesce(sum(delivery_count), 0) FROM chekt_private.events)
                                      + (SELECT count(*) FROM chekt_private.rejected)")
[ "$accounted" -eq 20000 ] || fail "20000 deliveries, but $accounted accounted for"
sql chekt_fuzz -c "SELECT reason, count(*) FROM chekt_private.rejected GROUP BY reason ORDER BY reason"
sql chekt_fuzz -c "SELECT 'accepted', count(*) FROM chekt_private.events"

# random signature headers: never an error, never a false match
sql chekt_fuzz -v seed="$seed" <<'SQL'
SELECT setseed(:seed / 32768.0);
SELECT count(*) FILTER (WHERE chekt.verify_signature('k', '1', 'b', h)
                          OR chekt.verify_standard_webhook('whsec_c2VjcmV0', 'm', '1', 'b', h)) > 0 AS false_matches
  FROM (SELECT string_agg(substr('0123456789abcdefABCDEF=,; v1sha256+/' || E'\t\n', 1 + (random() * 38)::int, 1), '')
                 || CASE WHEN random() < 0.1 THEN repeat('a', 64) ELSE '' END AS h
          FROM generate_series(1, 5000) AS n, generate_series(1, (random() * 140)::int) AS c
         GROUP BY n) AS headers
\gset
\if :false_matches
  \echo 'random headers matched'
  SELECT 1 / 0;
\endif
SQL
[ $? -eq 0 ] || fail "random signature headers"

# a 10 MB body: refused as oversize by default, parsed when the limit allows
sql chekt_fuzz <<'SQL'
CREATE TABLE big AS SELECT '{"id":"evt_big","type":"alarm.created","created_at":"2026-05-26T10:21:34Z","data":{"alarm_id":"A-big","site_id":"S","notes":"'
                           || repeat('x', 10 * 1024 * 1024) || '"}}' AS body;
SELECT chekt.ingest('fuzz', extract(epoch FROM now())::bigint::text,
                    chekt.sign('fuzz-secret', extract(epoch FROM now())::bigint::text, body), body) FROM big;
SET chekt.max_body_bytes = '16MB';
SELECT chekt.ingest('fuzz', extract(epoch FROM now())::bigint::text,
                    chekt.sign('fuzz-secret', extract(epoch FROM now())::bigint::text, body), body) FROM big;
SQL
outcomes=$(sql chekt_fuzz -c "SELECT (SELECT count(*) FROM chekt_private.rejected WHERE reason = 'oversize' AND octet_length(body) > 10000000)
                                  || ' ' || (SELECT count(*) FROM chekt_private.events WHERE event_id = 'evt_big')")
[ "$outcomes" = "1 1" ] || fail "10 MB body: $outcomes"
echo "20000 fuzzed deliveries accounted for; a 10 MB body refused, then accepted under a higher limit"
