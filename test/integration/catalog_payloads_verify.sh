#!/usr/bin/env bash
# Each of the 11 catalog payloads, signed by the openssl CLI as CHeKT would
# sign it, verifies with chekt.verify_signature(), and chekt.sign() produces
# the same digest; a one-byte change to any of them does not verify.
. "$(dirname "$0")/../lib/common.sh"

fresh_db chekt_catalog_payloads
secret='whsec-style-but-chekt:s3cr3t/+=é'
key_hex=$(to_hex "$secret")
signed_at=$(date +%s)
checked=0
for f in test/fixtures/catalog/*.json; do
  digest=$( { printf '%s.' "$signed_at"; cat "$f"; } | openssl_hmac_hex "$key_hex")
  body_b64=$(base64 -w0 "$f")
  result=$(sql chekt_catalog_payloads -v secret="$secret" -v ts="$signed_at" -v b64="$body_b64" -v sig="$digest" <<'SQL'
SELECT concat_ws(' ',
         chekt.verify_signature(:'secret', :'ts', body, :'sig'),
         chekt.sign(:'secret', :'ts', body) = :'sig',
         chekt.verify_signature(:'secret', :'ts', body || ' ', :'sig'),
         chekt.verify_signature(:'secret', :'ts', replace(body, '"', ''''), :'sig'))
  FROM (SELECT convert_from(decode(:'b64', 'base64'), 'UTF8') AS body) AS b;
SQL
)
  [ "$result" = "t t f f" ] || fail "$(basename "$f"): got '$result'"
  checked=$((checked + 1))
done
[ "$checked" -eq 11 ] || fail "expected 11 fixtures, checked $checked"
echo "11 catalog payloads verify byte for byte"
