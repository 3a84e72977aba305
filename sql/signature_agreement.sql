--
-- chekt.sign() and chekt.verify_signature() agree with two independent HMAC
-- implementations on random inputs: pgcrypto's hmac(), and HMAC written out
-- below in PL/pgSQL over the built-in sha256() (RFC 2104).  Keys cross the
-- 64-byte block size (longer keys are hashed first); texts mix ASCII,
-- accented letters, CJK and emoji.
--

CREATE FUNCTION pg_temp.rfc2104_hmac_sha256(key bytea, message bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  k bytea := key;
  inner_pad bytea;
  outer_pad bytea;
BEGIN
  IF length(k) > 64 THEN
    k := sha256(k);
  END IF;
  k := k || decode(repeat('00', 64 - length(k)), 'hex');
  inner_pad := k;
  outer_pad := k;
  FOR i IN 0..63 LOOP
    inner_pad := set_byte(inner_pad, i, get_byte(k, i) # 54);   -- 0x36
    outer_pad := set_byte(outer_pad, i, get_byte(k, i) # 92);   -- 0x5c
  END LOOP;
  RETURN sha256(outer_pad || sha256(inner_pad || message));
END
$$;

-- random text of n characters drawn from several scripts
CREATE FUNCTION pg_temp.random_text(n integer)
RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT coalesce(string_agg(
           CASE (random() * 4)::int
             WHEN 0 THEN chr(32 + (random() * 94)::int)      -- printable ASCII
             WHEN 1 THEN chr(192 + (random() * 63)::int)     -- Latin-1 letters
             WHEN 2 THEN chr(19968 + (random() * 20000)::int) -- CJK
             WHEN 3 THEN chr(128512 + (random() * 79)::int)  -- emoji
             ELSE chr(1 + (random() * 31)::int)              -- control characters
           END, ''), '')
    FROM generate_series(1, n)
$$;

SELECT setseed(0.4242);

CREATE TEMP TABLE cases AS
SELECT i,
       pg_temp.random_text(1 + (random() * 100)::int) AS secret,
       (1700000000 + (random() * 100000000)::bigint)::text AS signed_at,
       pg_temp.random_text((random() * 2000)::int) AS body
  FROM generate_series(1, 500) AS i;

-- edge cases: keys at the 64-byte block size (in bytes, not characters),
-- empty timestamp and body, pure ASCII
INSERT INTO cases VALUES
  (501, repeat('k', 64), '1779790894', ''),
  (502, repeat('k', 65), '', '{}'),
  (503, repeat('é', 32), '1779790894', 'x'),
  (504, repeat('é', 33), '1779790894', repeat('{"a":1}', 1000)),
  (505, 'k', '', '');

-- inputs really cover short and long keys and bodies
SELECT count(*) FILTER (WHERE octet_length(secret) > 64) > 50 AS long_keys,
       count(*) FILTER (WHERE octet_length(secret) <= 64) > 50 AS short_keys,
       count(*) FILTER (WHERE octet_length(secret) = 64) >= 2 AS block_size_keys,
       count(*) FILTER (WHERE octet_length(body) > 2000) > 50 AS multibyte_bodies
  FROM cases;

-- disagreements with each implementation: none expected
SELECT count(*) FILTER (WHERE chekt.sign(secret, signed_at, body)
         <> encode(hmac(convert_to(signed_at || '.' || body, 'UTF8'),
                        convert_to(secret, 'UTF8'), 'sha256'), 'hex')) AS vs_pgcrypto,
       count(*) FILTER (WHERE chekt.sign(secret, signed_at, body)
         <> encode(pg_temp.rfc2104_hmac_sha256(convert_to(secret, 'UTF8'),
                        convert_to(signed_at || '.' || body, 'UTF8')), 'hex')) AS vs_plpgsql,
       count(*) FILTER (WHERE NOT chekt.verify_signature(secret, signed_at, body,
         encode(hmac(convert_to(signed_at || '.' || body, 'UTF8'),
                     convert_to(secret, 'UTF8'), 'sha256'), 'hex'))) AS pgcrypto_rejected,
       count(*) FILTER (WHERE chekt.verify_signature(secret, signed_at, body || ' ',
         chekt.sign(secret, signed_at, body))) AS tampered_accepted
  FROM cases;

-- Standard Webhooks: random binary keys, agreement with pgcrypto
CREATE TEMP TABLE sw_cases AS
SELECT i,
       pg_temp.random_text(1 + (random() * 30)::int) AS msg_id,
       (1700000000 + (random() * 100000000)::bigint)::text AS ts,
       pg_temp.random_text((random() * 500)::int) AS body,
       gen_random_bytes(1 + (random() * 63)::int) AS key
  FROM generate_series(1, 200) AS i;

SELECT count(*) FILTER (WHERE chekt.sign_standard_webhook('whsec_' || translate(encode(key, 'base64'), E'\n', ''), msg_id, ts, body)
         <> 'v1,' || encode(hmac(convert_to(msg_id || '.' || ts || '.' || body, 'UTF8'), key, 'sha256'), 'base64'))
         AS sw_vs_pgcrypto,
       count(*) FILTER (WHERE NOT chekt.verify_standard_webhook(translate(encode(key, 'base64'), E'\n', ''), msg_id, ts, body,
         'v1,' || encode(hmac(convert_to(msg_id || '.' || ts || '.' || body, 'UTF8'), key, 'sha256'), 'base64')))
         AS sw_pgcrypto_rejected
  FROM sw_cases;
