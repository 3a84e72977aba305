#!/usr/bin/env bash
# chekt-ingest behind pgbouncer (Debian's), unchanged: the 500-connection
# stream through transaction pooling, where consecutive transactions of one
# receiver connection land on different server connections (more writers
# than server connections, and more server connections than writers in
# turn), then through session pooling.  Every status right, every event
# once.  (0.3.0 set chekt.log_outcomes for the session, which a transaction
# pooler loses: batches then failed their outcome count.)
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

command -v pgbouncer >/dev/null || fail "pgbouncer is not installed (scripts/install-deps.sh installs it)"

bouncer=$(mktemp -d /tmp/chekt-pgbouncer.XXXXXX)
chmod 755 "$bouncer"
bouncer_pid=
stop_bouncer() {
  if [ -n "$bouncer_pid" ]; then
    kill "$bouncer_pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do kill -0 "$bouncer_pid" 2>/dev/null || break; sleep 0.1; done
    bouncer_pid=
  fi
}
trap 'stop_bouncer; rm -rf "$bouncer"; receiver_cleanup' EXIT

# start_bouncer MODE POOL_SIZE: pgbouncer in front of the test cluster
start_bouncer() {
  local mode=$1 pool_size=$2 port i pids=()
  stop_bouncer
  for port in $(seq 16432 16532); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  cat >"$bouncer/pgbouncer.ini" <<INI
[databases]
* = host=$PGHOST port=$PGPORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer/users.txt
pool_mode = $mode
default_pool_size = $pool_size
min_pool_size = $pool_size
server_round_robin = 1
max_client_conn = 200
logfile = $bouncer/pgbouncer.log
pidfile = $bouncer/pgbouncer.pid
INI
  printf '"%s" ""\n' postgres chekt_ingest_bouncer >"$bouncer/users.txt"
  # pgbouncer does not run as root
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres "$bouncer"
    runuser -u postgres -- pgbouncer "$bouncer/pgbouncer.ini" >>"$bouncer/stderr.log" 2>&1 &
  else
    pgbouncer "$bouncer/pgbouncer.ini" >>"$bouncer/stderr.log" 2>&1 &
  fi
  bouncer_pid=$!
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$bouncer_pid" 2>/dev/null || { cat "$bouncer"/*.log >&2; fail "pgbouncer did not start"; }
    sleep 0.1
  done
  BOUNCER_PORT=$port
  # fill the pool, so that transactions rotate over every server connection
  for i in $(seq "$pool_size"); do
    psql -X -q -h 127.0.0.1 -p "$port" -U chekt_ingest_bouncer -d "$db" -c 'SELECT pg_sleep(0.3)' >/dev/null &
    pids+=($!)
  done
  wait "${pids[@]}"
}

db=chekt_behind_pgbouncer
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'centre-secret')" >/dev/null
feeder_role "$db" chekt_ingest_bouncer

# transaction pooling, server connections used in turn: 4 writers over 2
# server connections, then 2 writers over 6 (most transactions meet a
# server connection another writer, or none, used last)
start_bouncer transaction 2
stream_through_receiver "$db" "host=127.0.0.1 port=$BOUNCER_PORT dbname=$db user=chekt_ingest_bouncer" \
  500 300 pgb-tx --writers 4
sql "$db" -c "TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events, chekt.snapshot_events, chekt.verification_events, chekt.partition_events, chekt.relay_events" >/dev/null
start_bouncer transaction 6
stream_through_receiver "$db" "host=127.0.0.1 port=$BOUNCER_PORT dbname=$db user=chekt_ingest_bouncer" \
  200 100 pgb-tx6 --writers 2

# session pooling
sql "$db" -c "TRUNCATE chekt_private.events, chekt_private.rejected, chekt.alarm_events, chekt.device_events, chekt.snapshot_events, chekt.verification_events, chekt.partition_events, chekt.relay_events" >/dev/null
start_bouncer session 4
stream_through_receiver "$db" "host=127.0.0.1 port=$BOUNCER_PORT dbname=$db user=chekt_ingest_bouncer" \
  200 100 pgb-session
stop_bouncer
