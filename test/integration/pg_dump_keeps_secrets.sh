#!/usr/bin/env bash
# pg_dump keeps apps and secrets (extension configuration tables): the dump
# contains the registered secrets, and restoring it gives a database that
# verifies the same deliveries and keeps numbering secrets where it left off,
# apps registered under names 0.4.0 no longer registers included.
. "$(dirname "$0")/../lib/common.sh"

dump=$(mktemp)
trap 'rm -f "$dump"; drop_test_databases' EXIT

fresh_db chekt_dump_source
secret="dump-secret-$RANDOM$RANDOM"
sql chekt_dump_source -v s="$secret" >/dev/null <<'SQL'
SELECT chekt.add_secret('dump-app', :'s');
SELECT chekt.add_secret('dump-app', 'retired-secret');
SELECT chekt.retire_secret(2);
SELECT chekt.add_secret('svix-app', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'standard_webhooks');
SELECT chekt.alter_app('svix-app', replay_tolerance_s => 120);
-- an app registered before 0.4.0 under a name add_secret() no longer takes
INSERT INTO chekt_private.apps (app) VALUES ('legacy/app');
INSERT INTO chekt_private.app_secrets (app, secret) VALUES ('legacy/app', 'legacy-secret');
SQL

pg_dump chekt_dump_source >"$dump"
grep -qF "$secret" "$dump" || fail "the dump does not contain the registered secret"
grep -qF 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' "$dump" || fail "the dump lacks the standard_webhooks secret"

PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists chekt_dump_restored
createdb chekt_dump_restored
TEST_DATABASES+=(chekt_dump_restored)
psql -X -q -v ON_ERROR_STOP=1 -d chekt_dump_restored -f "$dump" >/dev/null 2>&1 ||
  fail "restoring the dump failed"

state='SELECT app, scheme, replay_tolerance_s, secret_id, secret, expires_at
         FROM chekt_private.apps JOIN chekt_private.app_secrets USING (app) ORDER BY secret_id'
before=$(sql chekt_dump_source -c "$state")
after=$(sql chekt_dump_restored -c "$state")
[ "$before" = "$after" ] || fail "restored apps and secrets differ: $before / $after"

next=$(sql chekt_dump_restored -c "SELECT chekt.add_secret('dump-app', 'after-restore')")
[ "$next" -eq 5 ] || fail "a secret added after restore got id $next, not 5"
echo "dump contains the secrets; restore keeps them and their numbering"
