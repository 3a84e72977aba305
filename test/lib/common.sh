# Shared helpers for test/integration/*.sh (sourced, not run).
#
# scripts/test.sh runs each integration test from the project root with the
# PG* variables of its throwaway cluster exported.  A test passes by exiting
# 0, fails with any other status, and is skipped with status 77.

set -euo pipefail

SKIP=77

# Fail the test with a message.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Run SQL quietly against a database, stopping at the first error; print rows unaligned.
sql() {
  local db=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -A -t -d "$db" "$@"
}

# Create a fresh database with the extension (its default version, or the
# one given: fresh_db DB [VERSION]); drop it when the test ends.
fresh_db() {
  local db=$1 version=${2:-}
  PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$db"
  createdb "$db"
  sql "$db" -c "CREATE EXTENSION chekt_events${version:+ VERSION '$version'}" >/dev/null
  TEST_DATABASES+=("$db")
}
TEST_DATABASES=()
drop_test_databases() {
  local db
  for db in "${TEST_DATABASES[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done
}
trap drop_test_databases EXIT

# Lowercase hex HMAC-SHA256 of standard input under a key given in hex,
# computed by the openssl CLI: an implementation independent of the extension.
openssl_hmac_hex() {
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" | sed 's/^.*= //'
}

# Hex of a string's bytes.
to_hex() {
  printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}
