#!/usr/bin/env bash
# Citus benchmark: what a delivery and a question cost on a Citus
# coordinator with workers, beside a single node, in the same run.  The
# inputs of docs/scale-out.md.
#
#   bash bench/citus/run.sh [DELIVERIES]          default 20000
#   ROUNDS=3 SHARDS="1 2 4 8 16 32" WORKERS=2 DURATION=5 bash bench/citus/run.sh
#
# Ingest: for each installation (the single node, then Citus with each
# shard count of SHARDS) and each round, a fresh database, its month made,
# chekt.distribute(S) on Citus, and one timed COPY of the stream into
# chekt_private.inbox.  Reported per installation, median of ROUNDS: the
# elapsed time, and the CPU time the coordinator's processes and the
# workers' took per delivery (each server's postmaster and every process
# it runs or has reaped: /proc/PID/stat).  On this machine every node
# shares the same cores, so elapsed time says how the work grows with
# shards; the CPU split says where it would run on separate machines.
#
# Questions: bench/queries/questions/ by pgbench for DURATION seconds each
# in the database of the last round of each installation: latency, and CPU
# per question on the coordinator and the workers.
#
# The installations run one after the other within a round and the rounds
# repeat, so that the machine's drift falls on all of them alike: read the
# ratios to the single node, not the absolute figures.
n=${1:-20000}
rounds=${ROUNDS:-3}
shards=${SHARDS:-1 2 4 8 16 32}
workers=${WORKERS:-2}
duration=${DURATION:-5}
# the single node as setup.sh starts it, with no settings of its own: the
# Citus nodes have none either
set --
. "$(dirname "$0")/../lib/setup.sh"
. bench/lib/questions.sh

bash scripts/citus-build.sh >/dev/null
bench_cleanup_citus() { bash scripts/citus-cluster.sh stop "$work/citus" >/dev/null 2>&1 || true; bench_cleanup; }
trap bench_cleanup_citus EXIT
bash scripts/citus-cluster.sh start "$work/citus" "$workers"
single_env=$(bash scripts/pg-cluster.sh env "$work/cluster")
citus_env=$(bash scripts/citus-cluster.sh env "$work/citus")

echo "generating about $n deliveries..."
q -v n="$n" -v out="$work/deliveries.csv" -v out_bodies="$work/bodies.csv" -f bench/ingest/generate.sql
rows=$(wc -l <"$work/deliveries.csv")
# the months the stream's deliveries fall in, made before the timed COPY
# (a month is made once a month in production, not per batch)
months=$(awk -F, '{ print substr($2, 1, 7) }' "$work/deliveries.csv" | sort -u | sed 's/$/-01/' | paste -sd' ')

tck=$(getconf CLK_TCK)
# CPU seconds the server of cluster directory $1 has spent: its
# postmaster, the processes it runs, and those it has reaped
node_cpu() {
  local pid child ticks
  pid=$(head -n 1 "$1/data/postmaster.pid")
  # fields after "pid (comm) ": utime and stime are the 12th and 13th,
  # the reaped children's the 14th and 15th
  ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 + $14 + $15 }')
  for child in $(pgrep -P "$pid"); do
    ticks=$((ticks + $(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
  done
  awk -v t="$ticks" -v hz="$tck" 'BEGIN { printf "%.3f\n", t / hz }'
}
# CPU seconds of the nodes of installation $1: "coordinator workers"
cpu_of() {
  if [ "$1" = single ]; then
    echo "$(node_cpu "$work/cluster") 0"
  else
    local w total=0
    for w in "$work"/citus/worker*; do
      total=$(awk -v a="$total" -v b="$(node_cpu "$w")" 'BEGIN { printf "%.3f", a + b }')
    done
    echo "$(node_cpu "$work/citus/coordinator") $total"
  fi
}
# psql in installation $1's database $2
on() {
  local inst=$1 db=$2
  shift 2
  if [ "$inst" = single ]; then
    ( eval "$single_env"; PGDATABASE=$db q "$@" )
  else
    ( eval "$citus_env"; PGDATABASE=$db q "$@" )
  fi
}
# A fresh database $2 of installation $1 (single, or citus:SHARDS), with
# the extension, the stream's app and months, distributed on Citus
fresh() {
  local inst=$1 db=$2
  if [ "$inst" = single ]; then
    on single postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  else
    bash scripts/citus-cluster.sh createdb "$work/citus" "$db"
  fi
  on "$inst" "$db" -c 'CREATE EXTENSION chekt_events' -c "SELECT chekt.add_secret('bench-app', 'bench-secret')" >/dev/null
  local m
  for m in $months; do
    on "$inst" "$db" -c "SELECT chekt_private.create_month('$m')" >/dev/null
  done
  if [ "$inst" != single ]; then
    on "$inst" "$db" -c "SELECT chekt.distribute(${inst#citus:})" >/dev/null
  fi
}
# database name of installation $1
db_of() { if [ "$1" = single ]; then echo bench_single; else echo "bench_s${1#citus:}"; fi; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

installations="single"
for s in $shards; do installations="$installations citus:$s"; done
declare -A elapsed coord_cpu worker_cpu stored
for r in $(seq 1 "$rounds"); do
  for inst in $installations; do
    db=$(db_of "$inst")
    fresh "$inst" "$db"
    on "$inst" "$db" -c 'CHECKPOINT'
    read -r c0 w0 <<<"$(cpu_of "$inst")"
    t0=$(date +%s.%N)
    on "$inst" "$db" -c "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$work/deliveries.csv' WITH (FORMAT csv)"
    t1=$(date +%s.%N)
    read -r c1 w1 <<<"$(cpu_of "$inst")"
    elapsed[$inst]+="$(sub "$t1" "$t0") "
    coord_cpu[$inst]+="$(sub "$c1" "$c0") "
    worker_cpu[$inst]+="$(sub "$w1" "$w0") "
    # what every installation stored (they must agree)
    stored[$inst]=$(on "$inst" "$db" -At -c "SELECT (SELECT count(*) FROM chekt_private.events) || ' events, '
                     || (SELECT count(*) FROM chekt_private.rejected) || ' refused, '
                     || (SELECT count(*) FROM chekt.alarm_events) + (SELECT count(*) FROM chekt.device_events)
                        + (SELECT count(*) FROM chekt.snapshot_events) + (SELECT count(*) FROM chekt.verification_events)
                        + (SELECT count(*) FROM chekt.partition_events) + (SELECT count(*) FROM chekt.relay_events)
                     || ' family rows'")
  done
  echo "ingest round $r of $rounds done"
done
for inst in $installations; do
  if [ "${stored[$inst]}" != "${stored[single]}" ]; then
    echo "$inst stored ${stored[$inst]}, the single node ${stored[single]}" >&2
    exit 1
  fi
done

# the questions, in each installation's last database
declare -A latency q_coord q_worker
for inst in $installations; do
  db=$(db_of "$inst")
  if [ "$inst" = single ]; then eval "$single_env"; else eval "$citus_env"; fi
  question_params "$db"
  for question in $questions; do
    read -r c0 w0 <<<"$(cpu_of "$inst")"
    latency[$inst:$question]=$(PGDATABASE=$db pgbench_ms "$question")
    read -r c1 w1 <<<"$(cpu_of "$inst")"
    done_n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$question.$db.${PGUSER:-owner}.out")
    q_coord[$inst:$question]=$(awk -v a="$c1" -v b="$c0" -v n="$done_n" 'BEGIN { printf "%.2f", 1000 * (a - b) / n }')
    q_worker[$inst:$question]=$(awk -v a="$w1" -v b="$w0" -v n="$done_n" 'BEGIN { printf "%.2f", 1000 * (a - b) / n }')
  done
  echo "questions on $inst done"
done

single_s=$(median ${elapsed[single]})
echo
echo "Citus benchmark: $rows deliveries in one COPY (median of $rounds rounds), $workers workers, $(nproc) cores shared by every node"
echo "  stored everywhere: ${stored[single]}"
printf '  %-12s %9s %9s %10s %14s %14s\n' installation elapsed "rows/s" "x single" "coord us/row" "workers us/row"
for inst in $installations; do
  e=$(median ${elapsed[$inst]})
  c=$(median ${coord_cpu[$inst]})
  w=$(median ${worker_cpu[$inst]})
  printf '  %-12s %8.3fs %9.0f %10s %14.0f %14.0f\n' "$inst" "$e" "$(awk -v r="$rows" -v e="$e" 'BEGIN { print r / e }')" \
    "$(ratio "$e" "$single_s")" "$(awk -v c="$c" -v r="$rows" 'BEGIN { print 1e6 * c / r }')" \
    "$(awk -v c="$w" -v r="$rows" 'BEGIN { print 1e6 * c / r }')"
done
# elapsed time against shard count, least squares over the Citus runs:
# what one more shard costs a COPY of this stream
printf '%s\n' $shards | while read -r s; do echo "$s $(median ${elapsed[citus:$s]})"; done |
  awk -v batches="$(( (rows + 999) / 1000 ))" '{ sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; k++ }
       END { b = (k * sxy - sx * sy) / (k * sxx - sx * sx); a = (sy - b * sx) / k;
             printf "  elapsed = %.3f s + %.4f s per shard (least squares over the shard counts; %d batches of 1,000: %.2f ms per shard and batch)\n",
                    a, b, batches, 1000 * b / batches }'
echo
echo "questions (pgbench, ${duration} s each, one client): latency in ms, and CPU ms per question on the coordinator / the workers"
printf '  %-45s' question
for inst in $installations; do printf ' %22s' "$inst"; done
echo
for question in $questions; do
  printf '  %-45s' "$(label "$question")"
  for inst in $installations; do
    printf ' %22s' "${latency[$inst:$question]} (${q_coord[$inst:$question]}/${q_worker[$inst:$question]})"
  done
  echo
done
