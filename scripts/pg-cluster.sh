#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a directory of its own.
#
#   pg-cluster.sh start DIR [setting=value ...]   initdb if needed, start on a free port
#   pg-cluster.sh stop DIR [fast|immediate]       stop it (default: fast)
#   pg-cluster.sh env DIR                         print the PG* exports that reach it
#
# The server listens on 127.0.0.1 and on a socket in DIR, with trust
# authentication for local connections only; the superuser is "postgres".
# PostgreSQL refuses to run as root, so under root it runs as the postgres
# system user (created by Debian's postgresql-common).
set -euo pipefail

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

usage() { echo "usage: $0 start|stop|env DIR [...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$(realpath -m "$2")
shift 2

# Run a server program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Under root, make sure the postgres user can reach DIR: grant it the right
# to pass through (never to list) each ancestor directory that blocks it.
grant_passage() {
  [ "$(id -u)" -eq 0 ] || return 0
  local d=$dir
  local blocked=()
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    runuser -u postgres -- test -x "$d" || blocked+=("$d")
  done
  for d in "${blocked[@]}"; do
    echo "pg-cluster: letting the postgres user pass through $d (setfacl -m u:postgres:x)" >&2
    setfacl -m u:postgres:x "$d"
  done
}

# Print a TCP port on 127.0.0.1 that nothing listens on: the cluster's port
# of last time if it is still free (clients keep their settings across a
# restart), else the first free one from $1 (default 55432).
free_port() {
  local port last=
  [ -f "$dir/env" ] && last=$(sed -n 's/.* PGPORT=\([0-9]*\) .*/\1/p' "$dir/env")
  [ -z "${1:-}" ] || last=
  for port in $last $(seq "${1:-55432}" 55632); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "pg-cluster: no free port in 55432-55632" >&2
  return 1
}

case $action in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    grant_passage
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PG_BINDIR/initdb" --pgdata="$dir/data" --username=postgres \
      --encoding=UTF8 --no-locale --auth=trust >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  port=$(free_port)
  # a port nothing listens on may still be taken, as the local end of a
  # client's connection (ports from 32768 are handed out so): then the next
  for attempt in 1 2 3 4 5; do
    opts="-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir"
    for setting in "$@"; do opts+=" -c $setting"; done
    logged=$(stat -c %s "$dir/server.log" 2>/dev/null || echo 0)
    as_owner "$PG_BINDIR/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" \
      --options="$opts" --wait --silent start && break
    if [ "$attempt" -lt 5 ] && [[ $(tail -c +"$((logged + 1))" "$dir/server.log") == *'could not create any TCP/IP sockets'* ]]; then
      port=$(free_port $((port + 1)))
      continue
    fi
    tail -20 "$dir/server.log" >&2
    exit 1
  done
  printf 'export PGHOST=%q PGPORT=%s PGUSER=postgres PGDATABASE=postgres\n' \
    "$dir" "$port" >"$dir/env"
  ;;
stop)
  mode=${1:-fast}
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BINDIR/pg_ctl" --pgdata="$dir/data" --mode="$mode" --wait --silent stop
  fi
  ;;
env)
  cat "$dir/env"
  ;;
*)
  usage
  ;;
esac
