--
-- The Standard Webhooks scheme: chekt.sign_standard_webhook() and
-- chekt.verify_standard_webhook(), against the reference libraries' vectors
--

-- the published vector, with and without the whsec_ prefix
SELECT chekt.sign_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}')
       AS with_prefix,
       chekt.sign_standard_webhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}')
       AS without_prefix;

-- it agrees with pgcrypto's HMAC over the decoded key
SELECT chekt.sign_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}')
     = 'v1,' || encode(hmac(convert_to('msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}', 'UTF8'),
                            decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'), 'sha256'), 'base64')
       AS agrees_with_pgcrypto;

-- unpadded base64 secrets decode like padded ones
-- ('c2VjcmV0IQ' is base64 of 'secret!' without its '==')
SELECT chekt.sign_standard_webhook('whsec_c2VjcmV0IQ', 'm', '1', 'b')
     = 'v1,' || encode(hmac('m.1.b', 'secret!', 'sha256'), 'base64') AS unpadded_decodes,
       chekt.sign_standard_webhook('whsec_c2VjcmV0IQ', 'm', '1', 'b')
     = chekt.sign_standard_webhook('whsec_c2VjcmV0IQ==', 'm', '1', 'b') AS unpadded_equals_padded;

-- the reference libraries' verification cases
SELECT label, chekt.verify_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}', header) AS verified
  FROM (VALUES
    ('valid signature', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
    ('invalid signature', 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='),
    ('valid among several', 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='),
    ('valid digest under another version', 'v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
    ('missing version', 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
    ('empty', ''),
    ('version only', 'v1,'),
    ('not base64', 'v1,!!!!SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='),
    ('truncated', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE'),
    ('extra padding', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=='),
    ('comma separated', 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=,v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  ) AS h(label, header)
 ORDER BY 1;

-- message id, timestamp and body are all covered
SELECT chekt.verify_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJeK', '1614265330', '{"test": 2432232314}',
         'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') AS other_id,
       chekt.verify_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265331', '{"test": 2432232314}',
         'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') AS other_timestamp,
       chekt.verify_standard_webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
         'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232315}',
         'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') AS other_body;

-- a secret that is not base64 verifies nothing and signs nothing
SELECT chekt.verify_standard_webhook('whsec_not base64!', 'm', '1', 'b',
         'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') AS bad_secret,
       chekt.verify_standard_webhook('whsec_', 'm', '1', 'b',
         'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') AS prefix_only_secret;
SELECT chekt.sign_standard_webhook('whsec_not base64!', 'm', '1', 'b');
SELECT chekt.sign_standard_webhook('whsec_', 'm', '1', 'b');

-- NULL in, NULL out (STRICT)
SELECT chekt.sign_standard_webhook('whsec_c2VjcmV0', NULL, '1', 'b') IS NULL AS null_id,
       chekt.verify_standard_webhook('whsec_c2VjcmV0', 'm', '1', 'b', NULL) IS NULL AS null_signature;
