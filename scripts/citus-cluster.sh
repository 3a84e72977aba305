#!/usr/bin/env bash
# A private Citus cluster: a coordinator and workers, each a PostgreSQL 15
# server of scripts/pg-cluster.sh in a directory of its own under DIR,
# listening on 127.0.0.1 only.
#
#   citus-cluster.sh start DIR [WORKERS]   start them (default 2 workers)
#   citus-cluster.sh createdb DIR DB       a database with Citus on every
#                                          node, the workers added to it
#   citus-cluster.sh stop DIR              stop them all (immediate)
#   citus-cluster.sh env DIR               the PG* exports of the coordinator
#
# Citus itself comes from scripts/citus-build.sh (run first); the nodes are
# DIR/coordinator, DIR/worker1, DIR/worker2, ...  Exit status 77 when
# Citus cannot be built here.
set -euo pipefail

usage() { echo "usage: $0 start|createdb|stop|env DIR [...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$(realpath -m "$2")
shift 2
here=$(cd "$(dirname "$0")" && pwd)

# the node directories, coordinator first
nodes() {
  echo "$dir/coordinator"
  local w
  for w in "$dir"/worker*; do [ -d "$w" ] && echo "$w"; done
}

# run psql against node directory $1, database $2
node_psql() {
  local node=$1 db=$2
  shift 2
  ( eval "$(bash "$here/pg-cluster.sh" env "$node")"
    psql -X -q -v ON_ERROR_STOP=1 -A -t -d "$db" "$@" )
}

case $action in
start)
  workers=${1:-2}
  status=0
  bash "$here/citus-build.sh" >/dev/null || status=$?
  [ "$status" -eq 0 ] || exit "$status"
  mkdir -p "$dir"
  chmod 755 "$dir"
  for node in "$dir/coordinator" $(seq -f "$dir/worker%g" 1 "$workers"); do
    # Citus keeps a connection per worker and shard group: room for the
    # tests' concurrent writers
    bash "$here/pg-cluster.sh" start "$node" shared_preload_libraries=citus \
      max_connections=200 >/dev/null
  done
  ;;
createdb)
  [ $# -eq 1 ] || usage
  db=$1
  coordinator_port=
  for node in $(nodes); do
    # (Citus's notice that it does not propagate CREATE DATABASE silenced)
    PGOPTIONS='-c client_min_messages=warning' node_psql "$node" postgres \
      -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
    node_psql "$node" "$db" -c 'CREATE EXTENSION citus'
  done
  for node in $(nodes); do
    port=$(sed -n 's/.* PGPORT=\([0-9]*\) .*/\1/p' "$node/env")
    if [ -z "$coordinator_port" ]; then
      coordinator_port=$port
      node_psql "$dir/coordinator" "$db" -c "SELECT citus_set_coordinator_host('127.0.0.1', $port)" >/dev/null
    else
      node_psql "$dir/coordinator" "$db" -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
    fi
  done
  ;;
stop)
  for node in $(nodes); do
    bash "$here/pg-cluster.sh" stop "$node" immediate || true
  done
  ;;
env)
  bash "$here/pg-cluster.sh" env "$dir/coordinator"
  ;;
*)
  usage
  ;;
esac
