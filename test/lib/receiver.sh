# Helpers for the tests of chekt-ingest (sourced after common.sh).

# the installed receiver, or another build of it (CHEKT_INGEST)
RECEIVER=${CHEKT_INGEST:-$(pg_config --bindir)/chekt-ingest}
RECEIVER_PID=
RECEIVER_LOG=$(mktemp /tmp/chekt-ingest-test.XXXXXX.log)

# Print a TCP port on 127.0.0.1 that nothing listens on.
free_http_port() {
  local port
  for port in $(seq 18080 18280); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  fail "no free port in 18080-18280"
}

# Start chekt-ingest for a database, with more flags if given; sets
# RECEIVER_URL (http://127.0.0.1:PORT) and waits until it listens.
start_receiver() {
  local db=$1
  shift
  local port
  port=$(free_http_port)
  "$RECEIVER" --listen "127.0.0.1:$port" --db "dbname=$db" "$@" >>"$RECEIVER_LOG" 2>&1 &
  RECEIVER_PID=$!
  RECEIVER_URL=http://127.0.0.1:$port
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$RECEIVER_PID" 2>/dev/null || { cat "$RECEIVER_LOG" >&2; fail "chekt-ingest did not start"; }
    sleep 0.05
  done
  fail "chekt-ingest did not listen on $port"
}

# Stop the receiver (SIGTERM) and wait for it; its exit status goes to
# RECEIVER_STATUS.  (Not in a $(...) subshell: only this shell can wait.)
stop_receiver() {
  RECEIVER_STATUS=
  [ -n "$RECEIVER_PID" ] || return 0
  kill -TERM "$RECEIVER_PID" 2>/dev/null || true
  RECEIVER_STATUS=0
  wait "$RECEIVER_PID" || RECEIVER_STATUS=$?
  RECEIVER_PID=
}

# At exit: stop the receiver, show its log if the test failed.
receiver_cleanup() {
  local status=$?
  if [ -n "$RECEIVER_PID" ]; then
    kill -KILL "$RECEIVER_PID" 2>/dev/null || true
    wait "$RECEIVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$RECEIVER_LOG" ]; then
    echo "--- chekt-ingest log" >&2
    tail -40 "$RECEIVER_LOG" >&2
  fi
  [ -z "${KEEP_RECEIVER_LOG:-}" ] && rm -f "$RECEIVER_LOG"
  drop_test_databases
  drop_feeder_roles
}
trap receiver_cleanup EXIT

# generate_stream DB APP SECRET ALARMS RUN OUT [OUT_REPLAY]: a realistic
# signed stream (scripts/generate-stream.sql), one delivery per line.
generate_stream() {
  sql "$1" -v app="$2" -v secret="$3" -v alarms="$4" -v run="$5" -v out="$6" \
    -v out_replay="${7:-/dev/null}" -f scripts/generate-stream.sql >/dev/null
}

# post APP TIMESTAMP SIGNATURE BODY [curl args...]: POST a delivery; prints
# the answer's body and status, as in {"outcome":"accepted",...} 200
post() {
  local app=$1 ts=$2 sig=$3 body=$4
  shift 4
  curl -s -w ' %{http_code}' -X POST "$RECEIVER_URL/webhooks/$app" \
    -H "X-CHeKT-Timestamp: $ts" -H "X-CHeKT-Signature: $sig" --data-binary "$body" "$@"
}

# stream_through_receiver DB CONNINFO CONNECTIONS ALARMS RUN [FLAGS...]: a realistic
# stream (all 11 types, duplicates, forged, stale, malformed) of about six
# deliveries per alarm, posted over CONNECTIONS concurrent connections to
# a receiver that reaches DB through CONNINFO (a role with only the grants
# the README names, directly or through a pooler): each request gets the
# status its delivery deserves, the deliveries of many requests share a
# transaction (group commit), and the database holds exactly what was
# acknowledged.  FLAGS go to the receiver.  Prints how many deliveries
# took how many transactions.
stream_through_receiver() {
  local db=$1 conninfo=$2 connections=$3 alarms=$4 run=$5
  shift 5
  local stream answers wrong expected_events expected_deliveries expected_rejected got
  local metrics batches rows
  stream=$(mktemp)
  answers=$(mktemp)
  generate_stream "$db" centre centre-secret "$alarms" "$run" "$stream"

  start_receiver "$db" --db "$conninfo" --max-connections $((connections + 100)) "$@"
  bash scripts/post-stream.sh "$RECEIVER_URL/webhooks/centre" "$stream" "$connections" >"$answers"

  [ "$(wc -l <"$answers")" -eq "$(wc -l <"$stream")" ] || fail "$(wc -l <"$answers") answers for $(wc -l <"$stream") deliveries"
  # the status each kind of delivery must get
  wrong=$(awk '{ want = ($2 == "forged" || $2 == "stale") ? 401 : 200; if ($3 != want) print }' "$answers" | head -5)
  [ -z "$wrong" ] || fail "wrong statuses (line kind status): $wrong"

  # stored: every event once, each delivery counted, the bad ones quarantined
  expected_events=$(awk -F'\t' '$1 == "event"' "$stream" | wc -l)
  expected_deliveries=$(awk -F'\t' '$1 == "event" || $1 == "duplicate"' "$stream" | wc -l)
  got=$(sql "$db" -c "SELECT count(*) || ' ' || sum(delivery_count) FROM chekt_private.events")
  [ "$got" = "$expected_events $expected_deliveries" ] || fail "events: got '$got', want '$expected_events $expected_deliveries'"
  expected_rejected=$(awk -F'\t' '$1 != "event" && $1 != "duplicate"' "$stream" | wc -l)
  got=$(sql "$db" -c "SELECT count(*) FROM chekt_private.rejected")
  [ "$got" = "$expected_rejected" ] || fail "quarantined: got $got, want $expected_rejected"
  got=$(sql "$db" -c "SELECT count(DISTINCT event_type) FROM chekt_private.events")
  [ "$got" = 11 ] || fail "$got event types stored, not 11"

  # group commit: far fewer transactions than requests
  metrics=$(curl -s "$RECEIVER_URL/metrics")
  batches=$(sed -n 's/^chekt_ingest_batch_size_count //p' <<<"$metrics")
  rows=$(sed -n 's/^chekt_ingest_batch_size_sum //p' <<<"$metrics")
  [ "$rows" = "$(wc -l <"$stream")" ] || fail "metrics count $rows deliveries"
  [ "$batches" -le $((rows / 5)) ] || fail "$rows deliveries took $batches transactions: no group commit"

  stop_receiver
  [ "$RECEIVER_STATUS" = 0 ] || fail "exit status $RECEIVER_STATUS"
  rm -f "$stream" "$answers"
  echo "$rows deliveries over $connections connections in $batches transactions"
}

# feeder_role DB ROLE: a login role with only the grants the README names
# for a receiver (USAGE on schemas chekt and chekt_private, INSERT on
# chekt_private.inbox); dropped when the test ends.  Made from DB, so that
# Citus, when DB has it, makes the role on its workers too.
feeder_role() {
  local db=$1 role=$2
  sql "$db" -c "DROP ROLE IF EXISTS $role" -c "CREATE ROLE $role LOGIN" >/dev/null 2>&1
  sql "$db" -c "GRANT USAGE ON SCHEMA chekt, chekt_private TO $role" -c "GRANT INSERT ON chekt_private.inbox TO $role" >/dev/null
  FEEDER_ROLES+=("$role")
}
FEEDER_ROLES=()
drop_feeder_roles() {
  local role
  for role in "${FEEDER_ROLES[@]}"; do
    sql postgres -c "DROP OWNED BY $role" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
  done
}
