#!/usr/bin/env bash
# A secret registered the way the README says (psql's \lo_import of a file
# into a large object, read by chekt.add_secret() in the same transaction)
# reaches no line of the server log, even when the call fails and the server
# logs the failing statement (log_min_error_statement = error, the default),
# and not even under log_statement = all.  The old way (psql -v secret=...
# and :'secret') does put it there: psql substitutes the variable on the
# client, so the secret is in the statement text; showing that proves the
# grep of the log works.  A registration that succeeds verifies deliveries
# signed (by the openssl CLI) with the secret as written before its newline,
# and leaves no large object behind.
. "$(dirname "$0")/../lib/common.sh"

[ -n "${CHEKT_TEST_CLUSTER:-}" ] || { echo "CHEKT_TEST_CLUSTER is not set: no server log to read"; exit "$SKIP"; }
log=$CHEKT_TEST_CLUSTER/server.log
[ -r "$log" ] || { echo "cannot read the server log $log"; exit "$SKIP"; }

work=$(mktemp -d)
trap 'rm -rf "$work"; drop_test_databases' EXIT

db=chekt_secret_logs
fresh_db "$db"

settings=$(sql "$db" -c "SELECT current_setting('log_statement') || ' ' || current_setting('log_min_error_statement')")
[ "$settings" = "none error" ] ||
  { echo "the cluster does not log at the defaults (log_statement, log_min_error_statement: $settings)"; exit "$SKIP"; }

# The server log written since a byte offset of it (the server writes each
# message there before it answers the client).
log_size() { wc -c <"$log"; }
log_since() { tail -c +$(($1 + 1)) "$log"; }

# Write a secret to a file only its owner can read, with a trailing newline,
# as an editor or `echo` would.
secret_file() {
  local file=$work/$1
  (umask 077 && printf '%s\n' "$2" >"$file")
  echo "$file"
}

# The old way: the secret in a psql variable, interpolated as :'secret'.
# $3 is the rest of the argument list of chekt.add_secret(), as SQL.
register_old_way() {
  sql "$db" -v app="$1" -v secret="$2" -v rest="$3" <<'SQL'
SELECT chekt.add_secret(:'app', :'secret' :rest);
SQL
}

# The README's way: the secret travels as a large object (libpq's fastpath
# calls, which no setting logs with their data) inside the transaction of the
# call, so the statement holds only the object's OID, and a failure rolls the
# object back too.
register() {
  sql "$db" -v app="$1" -v file="$2" -v rest="$3" <<'SQL'
BEGIN;
\lo_import :file
SELECT chekt.add_secret(:'app', rtrim(convert_from(lo_get(:LASTOID), 'UTF8'), E'\r\n') :rest);
\lo_unlink :LASTOID
COMMIT;
SQL
}

no_large_objects() {
  [ "$(sql "$db" -c 'SELECT count(*) FROM pg_largeobject_metadata')" -eq 0 ] ||
    fail "a large object is left behind $1"
}

# An app that signs with the chekt scheme, for the scheme mismatch below.
sql "$db" -c "SELECT chekt.add_secret('chekt-app', 'a-known-secret')" >/dev/null

# Failing calls: kind, app, rest of the arguments, the error the log must show,
# and a prefix making the secret unusable where that is the failure.
failures=(
  "slash in the app name|bad/app||app name must not contain a slash|"
  "expiry in the past|expired-app|, expires_at => now() - interval '1 day'|expiry time is not in the future|"
  "secret not base64|webhooks-app|, scheme => 'standard_webhooks'|The secret is not valid base64|not base64! "
  "scheme mismatch|chekt-app|, scheme => 'standard_webhooks'|signs with the \"chekt\" scheme|"
)
for case in "${failures[@]}"; do
  IFS='|' read -r kind app rest message prefix <<<"$case"

  hex=$(openssl rand -hex 24)
  start=$(log_size)
  if register_old_way "$app" "$prefix$hex" "$rest" >/dev/null 2>&1; then
    fail "$kind: the old way's add_secret did not fail"
  fi
  logged=$(log_since "$start")
  grep -qF "$message" <<<"$logged" || fail "$kind: the log lacks the error ($message): $logged"
  grep -qF "$hex" <<<"$logged" ||
    fail "$kind: the old way (:'secret') left the secret out of the log, so this grep proves nothing: $logged"

  hex=$(openssl rand -hex 24)
  file=$(secret_file "$kind" "$prefix$hex")
  start=$(log_size)
  if register "$app" "$file" "$rest" >"$work/out" 2>&1; then
    fail "$kind: the README's way's add_secret did not fail"
  fi
  logged=$(log_since "$start")
  grep -qF "$message" <<<"$logged" || fail "$kind: the log lacks the error ($message): $logged $(cat "$work/out")"
  grep -q 'STATEMENT:  SELECT chekt.add_secret(.*lo_get([0-9]*)' <<<"$logged" ||
    fail "$kind: the log lacks the failing statement, so this grep proves little: $logged"
  grep -F "$hex" "$log" && fail "$kind: the README's way put the secret into the server log"
  no_large_objects "after a failing call ($kind)"
  echo "$kind: the old way logs the secret, the README's way does not"
done

# log_statement = all logs every statement and the names of the fastpath
# calls \lo_import makes, never their data.
hex=$(openssl rand -hex 24)
file=$(secret_file all-failing "$hex")
start=$(log_size)
if PGOPTIONS="-c log_statement=all" register bad/app "$file" "" >/dev/null 2>&1; then
  fail "log_statement = all: add_secret did not fail"
fi
logged=$(log_since "$start")
grep -qF 'fastpath function call: "lowrite"' <<<"$logged" ||
  fail "log_statement = all did not log the fastpath calls: $logged"
grep -F "$hex" "$log" && fail "under log_statement = all the README's way put the secret into the server log"
no_large_objects "after a failing call under log_statement = all"

# A call that succeeds registers the secret without its newline: a delivery
# signed by the openssl CLI with it is accepted, one signed with the newline
# is not.  Each delivery is another payload of the catalog ($3), so none is a
# duplicate of an earlier one.
accepted() {
  local app=$1 secret=$2 body signed_at digest
  body=$(cat "test/fixtures/catalog/$3.json")
  signed_at=$(date +%s)
  digest=$(printf '%s.%s' "$signed_at" "$body" | openssl_hmac_hex "$(to_hex "$secret")")
  sql "$db" -v app="$app" -v ts="$signed_at" -v sig="sha256=$digest" -v body="$body" <<'SQL'
SELECT chekt.ingest(:'app', :'ts', :'sig', :'body');
SQL
}
secret=$(openssl rand -hex 24)
file=$(secret_file good "$secret")
start=$(log_size)
id=$(PGOPTIONS="-c log_statement=all" register good-app "$file" "") ||
  fail "registering a secret the README's way failed"
[ "$id" -gt 0 ] || fail "add_secret returned '$id', not a secret id"
grep -F "$secret" "$log" && fail "a successful registration put the secret into the server log"
log_since "$start" | grep -q 'statement: SELECT chekt.add_secret(.*lo_get([0-9]*)' ||
  fail "log_statement = all did not log the registration"
no_large_objects "after a successful call"
[ "$(sql "$db" -c "SELECT count(*) FROM chekt_private.secret_status WHERE app = 'good-app' AND is_active")" -eq 1 ] ||
  fail "good-app does not have exactly one active secret"
outcome=$(accepted good-app "$secret" alarm.created)
[ "$outcome" = accepted ] || fail "a delivery signed with the registered secret was $outcome, not accepted"
outcome=$(accepted good-app "$secret"$'\n' alarm.resolved)
[ "$outcome" = bad_signature ] || fail "a delivery signed with the secret and its newline was $outcome"

# From a shell variable, without a file: psql reads /dev/fd/3, a pipe fed by
# a builtin (the secret stays out of ps), as scripts/demo.sh does.
secret=$(openssl rand -base64 32)
id=$(sql "$db" 3< <(printf '%s' "$secret") <<'SQL'
BEGIN;
\lo_import /dev/fd/3
SELECT chekt.add_secret('demo-app', rtrim(convert_from(lo_get(:LASTOID), 'UTF8'), E'\r\n'));
\lo_unlink :LASTOID
COMMIT;
SQL
) || fail "registering a secret from /dev/fd/3 failed"
[ "$id" -gt 0 ] || fail "add_secret from /dev/fd/3 returned '$id'"
outcome=$(accepted demo-app "$secret" device.offline)
[ "$outcome" = accepted ] || fail "a delivery signed with the secret read from /dev/fd/3 was $outcome"
grep -F "$secret" "$log" && fail "the registration from /dev/fd/3 put the secret into the server log"
no_large_objects "after a registration from /dev/fd/3"

echo "secrets registered through \\lo_import stay out of the server log, failing or not"
