# Shared start of the benchmarks (sourced): install what is missing, build
# and install the extension, start a throwaway cluster with the given
# settings in $work (removed on exit), and export the PG* variables of its
# database bench.  Defines q, psql quiet and stopping at the first error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/install-deps.sh
{ make && make install; } >/dev/null

work=$(mktemp -d /tmp/chekt-bench.XXXXXX)
chmod 755 "$work"
bench_cleanup() { bash scripts/pg-cluster.sh stop "$work/cluster" immediate >/dev/null 2>&1; rm -rf "$work"; }
trap bench_cleanup EXIT
bash scripts/pg-cluster.sh start "$work/cluster" "$@" >/dev/null
eval "$(bash scripts/pg-cluster.sh env "$work/cluster")"
export PGDATABASE=bench
createdb bench
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
q -c 'CREATE EXTENSION chekt_events' -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null
