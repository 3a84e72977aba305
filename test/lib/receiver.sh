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
