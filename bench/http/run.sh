#!/usr/bin/env bash
# HTTP benchmark: chekt-ingest against the per-request receiver CHeKT's
# guide suggests (Node + Express from npm, one SELECT chekt.ingest() per
# request), driven by wrk with pre-signed realistic deliveries, same data,
# same cluster, same run; beside them the COPY path alone (chekt-ingest
# --replay of the same deliveries, no HTTP).
#
#   bash bench/http/run.sh [ALARMS]     default 30000 (about 175,000 deliveries, more than a run posts)
#   DURATION=15 CONNECTIONS=64 ROUNDS=3 bash bench/http/run.sh
#
# Each receiver gets a fresh database per round and wrk runs DURATION
# seconds with CONNECTIONS connections; figures are medians of ROUNDS.  The
# machine is shared: read the ratios, not the absolute numbers.
alarms=${1:-30000}
duration=${DURATION:-15}
connections=${CONNECTIONS:-64}
rounds=${ROUNDS:-3}
wrk_threads=${WRK_THREADS:-2}
. "$(dirname "$0")/../lib/setup.sh" shared_buffers=1GB max_wal_size=8GB checkpoint_timeout=30min max_connections=200

# wrk, node and npm, from Debian, if missing
for tool in wrk node npm; do
  command -v "$tool" >/dev/null || missing="${missing:-} $tool"
done
if [ -n "${missing:-}" ]; then
  pkgs=$(sed 's/node/nodejs/' <<<"$missing")
  echo "installing$pkgs"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs; } >"$work/apt.log" 2>&1 ||
    { tail -20 "$work/apt.log"; exit 1; }
fi
echo "installing express and pg from npm..."
cp bench/http/express/package.json bench/http/express/server.js "$work/"
(cd "$work" && npm install --silent --no-audit --no-fund >/dev/null)

receiver=$(pg_config --bindir)/chekt-ingest
echo "generating the deliveries of $alarms alarms..."
q -c "SELECT chekt.alter_app('bench-app', replay_tolerance_s => 86400)" >/dev/null
q -v alarms="$alarms" -v app=bench-app -v secret=bench-secret -v run=b \
  -v out="$work/stream.tsv" -v out_replay="$work/stream.jsonl" -f scripts/generate-stream.sql
deliveries=$(wc -l <"$work/stream.tsv")
echo "$deliveries deliveries"

fresh_db() {
  dropdb --if-exists "$1" 2>/dev/null
  createdb "$1"
  q -d "$1" -c 'CREATE EXTENSION chekt_events' \
    -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" \
    -c "SELECT chekt.alter_app('bench-app', replay_tolerance_s => 86400)" >/dev/null
  q -d "$1" -c 'CHECKPOINT'
}
wait_http() {
  for i in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  exit 1
}
# wrk against URL: prints "requests/s p99_ms non2xx"
run_wrk() {
  DELIVERIES=$work/stream.tsv WRK_THREADS=$wrk_threads \
    wrk -t "$wrk_threads" -c "$connections" -d "${duration}s" --latency \
        -s bench/http/deliveries.lua "$1" >"$work/wrk.out" 2>&1
  awk '/Requests\/sec:/ { rps = $2 }
       /^ +99%/ { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /[^m]s$/) ms *= 1000; p99 = ms }
       /Non-2xx/ { non2xx = $NF }
       END { printf "%.0f %.2f %d\n", rps, p99, non2xx }' "$work/wrk.out"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$work/ingest.txt"; : >"$work/express.txt"; : >"$work/replay.txt"
for round in $(seq "$rounds"); do
  fresh_db bench_replay
  t0=$(date +%s%N)
  "$receiver" --replay "$work/stream.jsonl" --db dbname=bench_replay >"$work/replay.out" 2>>"$work/receiver.log"
  t1=$(date +%s%N)
  awk -v n="$deliveries" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", n / (ns / 1e9) }' >>"$work/replay.txt"

  fresh_db bench_ingest
  "$receiver" --listen 127.0.0.1:18380 --db dbname=bench_ingest 2>>"$work/receiver.log" &
  pid=$!
  wait_http 18380
  result=$(run_wrk http://127.0.0.1:18380/webhooks/bench-app)
  # deliveries per transaction, from the receiver's own metrics
  batch=$(curl -s http://127.0.0.1:18380/metrics |
          awk '/^chekt_ingest_batch_size_sum/ { s = $2 } /^chekt_ingest_batch_size_count/ { c = $2 } END { printf "%.1f", s / c }')
  echo "$result $batch" >>"$work/ingest.txt"
  kill -TERM "$pid"; wait "$pid"

  fresh_db bench_express
  (cd "$work" && PORT=18381 PGDATABASE=bench_express exec node server.js) 2>>"$work/express.log" &
  pid=$!
  wait_http 18381
  run_wrk http://127.0.0.1:18381/webhooks/bench-app >>"$work/express.txt"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "round $round: chekt-ingest $(tail -1 "$work/ingest.txt") (requests/s p99_ms non-2xx deliveries/transaction), express $(tail -1 "$work/express.txt"), replay $(tail -1 "$work/replay.txt")"
done

ingest_rps=$(cut -d' ' -f1 "$work/ingest.txt" | median)
ingest_p99=$(cut -d' ' -f2 "$work/ingest.txt" | median)
express_rps=$(cut -d' ' -f1 "$work/express.txt" | median)
express_p99=$(cut -d' ' -f2 "$work/express.txt" | median)
replay_rate=$(median <"$work/replay.txt")
ingest_batch=$(cut -d' ' -f4 "$work/ingest.txt" | median)
stored=$(q -d bench_ingest -Atc "SELECT count(*) || ' events, ' || sum(delivery_count) || ' deliveries counted' FROM chekt_private.events")

echo
echo "$deliveries pre-signed deliveries; wrk: $connections connections, $wrk_threads threads, ${duration} s; medians of $rounds rounds"
printf '%-34s %12s %10s\n' receiver requests/s p99_ms
printf '%-34s %12s %10s\n' "chekt-ingest (group commit, COPY)" "$ingest_rps" "$ingest_p99"
printf '%-34s %12s %10s\n' "Express, chekt.ingest() per request" "$express_rps" "$express_p99"
printf '%-34s %12s %10s\n' "COPY path alone (--replay)" "$replay_rate" "-"
awk -v a="$ingest_rps" -v b="$express_rps" 'BEGIN { printf "chekt-ingest / Express: %.2fx (goal: at least 3x)\n", a / b }'
awk -v p="$ingest_p99" 'BEGIN { printf "chekt-ingest p99: %s ms (goal: under 50 ms)\n", p }'
echo "chekt-ingest stored $ingest_batch deliveries per transaction (median of the rounds' means)"
echo "last chekt-ingest round stored: $stored"
