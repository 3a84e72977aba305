#!/usr/bin/env bash
# On random secrets, timestamps and bodies (random bytes made valid UTF-8),
# chekt.sign() equals the openssl CLI's HMAC-SHA256 and verify_signature()
# accepts the CLI's digest in any accepted spelling.
. "$(dirname "$0")/../lib/common.sh"

cases=$(mktemp)
trap 'rm -f "$cases"; drop_test_databases' EXIT

fresh_db chekt_openssl_cli

random_utf8() {
  head -c "$1" /dev/urandom | tr -d '\000\364-\377' | iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true
}

for i in $(seq 1 150); do
  secret=$(random_utf8 $((1 + RANDOM % 120)))
  [ -n "$secret" ] || secret=k
  signed_at=$((1700000000 + RANDOM * RANDOM))
  body=$(random_utf8 $((RANDOM % 3000)))
  digest=$(printf '%s.%s' "$signed_at" "$body" | openssl_hmac_hex "$(to_hex "$secret")")
  case $((i % 3)) in
    0) header=$digest ;;
    1) header="sha256=$(printf '%s' "$digest" | tr a-f A-F)" ;;
    2) header="v1=0000, v1=$digest" ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\n' "$(printf '%s' "$secret" | base64 -w0)" "$signed_at" \
    "$(printf '%s' "$body" | base64 -w0)" "$digest" "$header" >>"$cases"
done

mismatches=$(sql chekt_openssl_cli <<SQL
CREATE TEMP TABLE cases (secret_b64 text, signed_at text, body_b64 text, digest text, header text);
\copy cases FROM '$cases'
SELECT count(*) FILTER (WHERE chekt.sign(secret, signed_at, body) <> digest)
     + count(*) FILTER (WHERE NOT chekt.verify_signature(secret, signed_at, body, header))
     + count(*) FILTER (WHERE chekt.verify_signature(secret, signed_at || '0', body, header))
  FROM (SELECT convert_from(decode(secret_b64, 'base64'), 'UTF8') AS secret, signed_at,
               convert_from(decode(body_b64, 'base64'), 'UTF8') AS body, digest, header
          FROM cases) AS c;
SQL
)
[ "$mismatches" = 0 ] || fail "$mismatches disagreements with the openssl CLI"
echo "150 random cases agree with the openssl CLI"
