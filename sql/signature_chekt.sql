--
-- The CHeKT scheme: chekt.sign() and chekt.verify_signature()
--
-- Expected digests were computed independently with the openssl CLI:
--   printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$secret"
--

-- known vectors
SELECT chekt.sign('chekt-demo-secret', '1779790894',
                  '{"id":"evt_2hKqx9","type":"alarm.created"}') AS ascii_vector;
-- the UTF-8 bytes of secret and body are what is signed
SELECT chekt.sign('clé-secrète', '1779790894',
                  '{"location":"Entrée principale ☃ 🚨"}') AS utf8_vector;
-- empty timestamp and body still sign the single dot between them
SELECT chekt.sign('k', '', '') AS empty_message;

-- a 1 MiB body agrees with pgcrypto's HMAC
SELECT chekt.sign('s', '1779790894', repeat('x', 1048576))
     = encode(hmac('1779790894.' || repeat('x', 1048576), 's', 'sha256'), 'hex')
       AS one_mib_agrees;

-- a long multi-byte body (about 1 MiB of UTF-8) agrees too
SELECT chekt.sign('s', '1', repeat('é☃🚨', 100000))
     = encode(hmac(convert_to('1.' || repeat('é☃🚨', 100000), 'UTF8'),
                   convert_to('s', 'UTF8'), 'sha256'), 'hex')
       AS utf8_body_agrees;

-- a sign() result always verifies; every accepted spelling of it too
CREATE TEMP TABLE d AS
SELECT chekt.sign('chekt-demo-secret', '1779790894',
                  '{"id":"evt_2hKqx9","type":"alarm.created"}') AS sig;
SELECT header, chekt.verify_signature('chekt-demo-secret', '1779790894',
                  '{"id":"evt_2hKqx9","type":"alarm.created"}', header) AS verified
  FROM d, LATERAL (VALUES
    (sig),
    (upper(sig)),
    (left(sig, 10) || upper(substr(sig, 11))),
    ('sha256=' || sig),
    ('SHA256=' || upper(sig)),
    ('v1=' || sig),
    ('  ' || sig || '  '),
    ('deadbeef,' || sig),
    ('sha256=' || repeat('0', 64) || ', sha256=' || sig),
    (repeat('0', 64) || ' ' || sig),
    (repeat('0', 64) || E'\t' || sig || E'\n'),
    (repeat('0', 64) || ',,, ,' || sig || ','),
    ('v1,' || sig)
  ) AS h(header)
 ORDER BY 1;

-- near misses and malformed headers are false, never an error
SELECT label, chekt.verify_signature('chekt-demo-secret', '1779790894',
                  '{"id":"evt_2hKqx9","type":"alarm.created"}', header) AS verified
  FROM d, LATERAL (VALUES
    ('empty', ''),
    ('separators only', ' , ,, '),
    ('63 hex digits', left(sig, 63)),
    ('65 hex digits', sig || '0'),
    ('one digit changed', left(sig, 63) || CASE WHEN right(sig, 1) = '0' THEN '1' ELSE '0' END),
    ('non-hex digit', left(sig, 63) || 'g'),
    ('prefix only', 'sha256='),
    ('other prefix', 'v2=' || sig),
    ('prefix twice', 'sha256=sha256=' || sig),
    ('joined by semicolon', repeat('0', 64) || ';' || sig),
    ('base64 of the digest', encode(decode(sig, 'hex'), 'base64')),
    ('backslash escape', '\x00' || sig),
    ('huge header', repeat('ab,', 400000))
  ) AS h(label, header)
 ORDER BY 1;

-- the signature covers every byte: timestamp, body and secret
SELECT chekt.verify_signature('chekt-demo-secret', '1779790895',
         '{"id":"evt_2hKqx9","type":"alarm.created"}', sig) AS other_timestamp,
       chekt.verify_signature('chekt-demo-secret', '1779790894',
         '{"id":"evt_2hKqx9","type":"alarm.created"} ', sig) AS trailing_space,
       chekt.verify_signature('chekt-demo-secreT', '1779790894',
         '{"id":"evt_2hKqx9","type":"alarm.created"}', sig) AS other_secret,
       chekt.verify_signature('', '1779790894',
         '{"id":"evt_2hKqx9","type":"alarm.created"}', sig) AS empty_secret
  FROM d;

-- NULL in, NULL out (STRICT)
SELECT chekt.sign(NULL, '1', 'b') IS NULL AS null_secret,
       chekt.sign('s', NULL, 'b') IS NULL AS null_timestamp,
       chekt.sign('s', '1', NULL) IS NULL AS null_body,
       chekt.verify_signature('s', '1', 'b', NULL) IS NULL AS null_signature;

-- signing with an empty secret is a user error
SELECT chekt.sign('', '1', 'b');
