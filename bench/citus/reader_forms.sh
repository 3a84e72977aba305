#!/usr/bin/env bash
# What the Citus form of chekt.quarantine_daily would cost a single node
# (0.20.0; docs/decisions.md, "An analyst's views on Citus"): the view as a
# single node has it (the privilege and the scope asked once, by
# subqueries) against the form chekt.distribute() installs (asked per row,
# chekt_private.use_citus_reader_forms()), in two databases holding the
# same refusals, read whole by the owner and by an analyst of 2 apps of 20.
#
#   bash bench/citus/reader_forms.sh [REFUSALS]       default 500000
#
# ROUNDS (default 5) rounds, the two forms alternated in each; prints the
# median of each and their ratio, after checking that both give the same
# rows.  The refusals are written to chekt_private.rejected directly (as
# ingest would quarantine forged deliveries of 20 apps over 58 days): the
# view's cost is in reading them, not in how they came.
n=${1:-500000}
rounds=${ROUNDS:-5}
. "$(dirname "$0")/../lib/setup.sh"
. "$(dirname "$0")/../lib/questions.sh"

createdb bench_citus_form
q -d bench_citus_form -c 'CREATE EXTENSION chekt_events' -c 'SELECT chekt_private.use_citus_reader_forms()' >/dev/null
PGOPTIONS='-c client_min_messages=warning' q -c 'DROP ROLE IF EXISTS bench_quarantine_analyst' -c 'CREATE ROLE bench_quarantine_analyst' >/dev/null
trap 'q -d postgres -c "DROP DATABASE IF EXISTS bench_citus_form" -c "DROP ROLE IF EXISTS bench_quarantine_analyst" >/dev/null 2>&1; bench_cleanup' EXIT
for db in bench bench_citus_form; do
  q -d "$db" -v n="$n" >/dev/null 2>&1 <<'SQL'
INSERT INTO chekt_private.rejected (app, received_at, body, reason, detail, body_length, body_sha256)
SELECT 'app-' || i % 20, timestamptz '2026-01-01' + i * interval '10 seconds', '{}',
       (ARRAY['bad_signature', 'stale_signature', 'malformed_json', 'invalid_payload'])[1 + i % 4],
       'a refusal', 2, '\x00'
  FROM generate_series(1, :n) AS i;
VACUUM ANALYZE chekt_private.rejected;
-- (the apps have no secret here: grant_analyst() warns, and grants)
SELECT chekt.grant_analyst('bench_quarantine_analyst', ARRAY['app-1', 'app-2']);
SQL
done

whole="SELECT count(*), sum(deliveries) FROM chekt.quarantine_daily"
rows="SELECT md5(string_agg(q::text, ',' ORDER BY q::text)) FROM chekt.quarantine_daily q"
# ms of the whole view, read by role $2 in database $1
timed() {
  q -d "$1" -At -c "SET ROLE $2" -c '\timing on' -c "$whole" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
for role in postgres bench_quarantine_analyst; do
  [ "$(q -d bench -At -c "SET ROLE $role" -c "$rows")" = "$(q -d bench_citus_form -At -c "SET ROLE $role" -c "$rows")" ] ||
    { echo "the two forms differ for $role" >&2; exit 1; }
done
echo "$n refusals; the same rows in both forms, for the owner and for the analyst"

declare -A runs=()
for _ in $(seq "$rounds"); do
  for role in postgres bench_quarantine_analyst; do
    runs[single,$role]+="$(timed bench "$role") "
    runs[citus,$role]+="$(timed bench_citus_form "$role") "
  done
done
declare -A med=()
medians runs med
printf '%-8s %14s %14s %8s\n' reader 'single form' 'Citus form' ratio
for role in postgres bench_quarantine_analyst; do
  printf '%-8s %11.1f ms %11.1f ms %7sx\n' "$([ "$role" = postgres ] && echo owner || echo analyst)" \
    "${med[single,$role]}" "${med[citus,$role]}" "$(ratio "${med[citus,$role]}" "${med[single,$role]}")"
done
