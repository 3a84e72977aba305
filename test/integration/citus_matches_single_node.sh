#!/usr/bin/env bash
# Issue 14: the same streams, delivered the same ways, to a single node and
# to a Citus cluster (a coordinator and two workers on 127.0.0.1, the
# extension distributed by chekt.distribute()) leave the same rows and give
# the same answers: COPY into the inbox with redeliveries and bad
# deliveries, months made by ingest as deliveries need them, two writers
# racing with the same deliveries, chekt.ingest() with an id_conflict and a
# delivery without its distribution value, chekt-ingest --replay and
# chekt-ingest through pgbouncer, an analyst who may read one app of two
# (its views of the coordinator's tables read beside distributed ones
# too), chekt.maintain() and chekt.drop_events_before(), and a database
# distributed at 0.19.0 and updated.  Every stored row and every
# question's rows are compared (test/citus/answers.sql).
#
# Citus is built by scripts/citus-build.sh when no build is cached (about
# 45 s); the test is skipped only when that build is impossible here.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

status=0
bash scripts/citus-build.sh >/dev/null || status=$?
if [ "$status" -eq 77 ]; then
  echo "skip: Citus cannot be built on this machine (scripts/citus-build.sh)"
  exit "$SKIP"
fi
[ "$status" -eq 0 ] || fail "scripts/citus-build.sh failed"

work=$(mktemp -d /tmp/chekt-citus-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ ! -f "$work/bouncer/pgbouncer.pid" ] || kill "$(cat "$work/bouncer/pgbouncer.pid")" 2>/dev/null || true
  bash scripts/citus-cluster.sh stop "$work/citus" >/dev/null 2>&1 || true
  receiver_cleanup
  drop_test_databases
  psql -X -q -d postgres -c 'DROP ROLE IF EXISTS chekt_citus_analyst' 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- the two installations ---------------------------------------------
single=chekt_citus_single
fresh_db "$single"
bash scripts/citus-cluster.sh start "$work/citus" 2
bash scripts/citus-cluster.sh createdb "$work/citus" chekt
citus_env=$(bash scripts/citus-cluster.sh env "$work/citus")
# run SQL on the coordinator
csql() { ( eval "$citus_env"; sql chekt "$@" ); }
csql -c "CREATE EXTENSION chekt_events"
layout=$(csql -c "SELECT string_agg(table_name || coalesce(' by ' || distribution_column, ' reference') || ' ' || shards, ', ') FROM chekt.distribute()")
echo "distributed: $layout"
grep -q 'chekt.device_events by device_id 8' <<<"$layout" || fail "layout: $layout"
out=$(csql -c 'SELECT chekt.distribute()' 2>&1) && fail "a second distribute() passed: $out"
grep -q 'chekt_events is already distributed' <<<"$out" || fail "second distribute(): $out"
out=$(sql "$single" -c 'SELECT chekt.distribute()' 2>&1) && fail "distribute() passed without Citus: $out"
grep -q 'Citus is not installed in this database' <<<"$out" || fail "distribute() without Citus: $out"

# run the same SQL (its file or -c) on both
both() { sql "$single" "$@"; csql "$@"; }
both -c "SELECT chekt.add_secret('bench-app', 'bench-secret'), chekt.add_secret('centre', 'replay-secret')" >/dev/null

# --- the streams ----------------------------------------------------------
# 3,000 deliveries over three months before 2026-05 (ingest makes each month
# as its first delivery comes), 5% twice, 2% bad; and a replay capture
sql "$single" -v n=3000 -v months=3 -v sites=40 -v out="$work/stream.csv" \
  -v out_bodies=/dev/null -f bench/ingest/generate.sql >/dev/null
half=$(( $(wc -l <"$work/stream.csv") / 2 ))
head -n "$half" "$work/stream.csv" >"$work/first.csv"
tail -n +"$((half + 1))" "$work/stream.csv" >"$work/second.csv"
generate_stream "$single" centre replay-secret 60 ct "$work/replay.tsv" "$work/replay.jsonl"

copy_in() { echo "\\copy chekt_private.inbox (app, received_at, signed_at, signature, body) FROM '$1' CSV"; }
# the first half by one COPY; the second by two writers at once, each with
# every delivery of it (every row races with its twin: one accepted, one
# duplicate, whichever wins)
both -c "$(copy_in "$work/first.csv")"
sql "$single" -c "$(copy_in "$work/second.csv")" & a=$!
sql "$single" -c "$(copy_in "$work/second.csv")" & b=$!
csql -c "$(copy_in "$work/second.csv")" & c=$!
csql -c "$(copy_in "$work/second.csv")" & d=$!
for p in $a $b $c $d; do wait "$p" || fail "a concurrent COPY failed"; done

# chekt.ingest(): a new alarm, its redelivery, its id with another body
# (id_conflict), a relay.activated and a device.online without the field
# their table is distributed by (invalid_payload, quarantined), and a relay
# and a snapshot of no alarm (alarm_id NULL, which failed a whole batch
# when Citus distributed them by it: accepted)
{ n=0
  while read -r body; do
    n=$((n + 1))
    echo "SELECT $n, chekt.ingest('bench-app', '1776679200', 'sha256=' || chekt.sign('bench-secret', '1776679200', b), b, '2026-04-20 10:05:00+00') FROM (VALUES (\$b\$$body\$b\$)) AS d (b);"
  done <<'EOF'
{"id":"ct-x1","type":"alarm.created","created_at":"2026-04-20T10:00:00Z","data":{"alarm_id":"CT-A1","site_id":"site_1","device_id":"dev_1","priority":"HIGH","trigger":"motion","location":"Gate"}}
{"id":"ct-x1","type":"alarm.created","created_at":"2026-04-20T10:00:00Z","data":{"alarm_id":"CT-A1","site_id":"site_1","device_id":"dev_1","priority":"HIGH","trigger":"motion","location":"Gate"}}
{"id":"ct-x1","type":"alarm.created","created_at":"2026-04-20T10:00:00Z","data":{"alarm_id":"CT-A1","site_id":"site_1","device_id":"dev_1","priority":"LOW","trigger":"motion","location":"Gate"}}
{"id":"ct-x2","type":"relay.activated","created_at":"2026-04-20T10:01:00Z","data":{"device_id":"dev_1","duration_seconds":30,"trigger":"alarm.created:CT-A1"}}
{"id":"ct-x3","type":"device.online","created_at":"2026-04-20T10:02:00Z","data":{"site_id":"site_1"}}
{"id":"ct-x4","type":"relay.activated","created_at":"2026-04-20T10:03:00Z","data":{"relay_id":"rel_1","device_id":"dev_1","duration_seconds":30,"trigger":"schedule"}}
{"id":"ct-x5","type":"snapshot.created","created_at":"2026-04-20T10:04:00Z","data":{"snapshot_id":"snap_1","device_id":"dev_1","url":"https://media.chekt.com/snap/snap_1"}}
EOF
} >"$work/ingest.sql"
ingested_single=$(sql "$single" -f "$work/ingest.sql")
ingested_citus=$(csql -f "$work/ingest.sql")
echo "chekt.ingest(): $(tr '\n' ' ' <<<"$ingested_citus")"
[ "$ingested_single" = "$ingested_citus" ] || fail "chekt.ingest() outcomes differ: single '$ingested_single', Citus '$ingested_citus'"
grep -q '^3|id_conflict$' <<<"$ingested_citus" || fail "no id_conflict: $ingested_citus"
grep -q '^4|invalid_payload$' <<<"$ingested_citus" || fail "relay without relay_id: $ingested_citus"
grep -q '^6|accepted$' <<<"$ingested_citus" || fail "relay of no alarm: $ingested_citus"
grep -q '^7|accepted$' <<<"$ingested_citus" || fail "snapshot of no alarm: $ingested_citus"

# chekt-ingest --replay, pointed at each
replay_single=$("$RECEIVER" --replay "$work/replay.jsonl" --db "dbname=$single" 2>>"$RECEIVER_LOG") ||
  fail "replay into the single node failed: $replay_single"
replay_citus=$( eval "$citus_env"; "$RECEIVER" --replay "$work/replay.jsonl" --db "dbname=chekt" 2>>"$RECEIVER_LOG") ||
  fail "replay into Citus failed: $replay_citus"
echo "chekt-ingest --replay: $replay_citus"
# (outcomes of equal counts may come in either order)
outcome_set() { sed 's/^[^:]*: //' <<<"$1" | tr ',' '\n' | sed 's/^ *//' | sort; }
[ "$(outcome_set "$replay_single")" = "$(outcome_set "$replay_citus")" ] || fail "replay summaries differ: single '$replay_single', Citus '$replay_citus'"

# --- the same rows, the same answers ------------------------------------
sql "$single" -f test/citus/answers.sql >"$work/single.txt"
csql -f test/citus/answers.sql >"$work/citus.txt"
compared=0
while IFS='|' read -r name n digest; do
  [ "$n" -ge 0 ] || fail "$name fails on a single node: $digest"
  theirs=$(grep "^$name|" "$work/citus.txt" || true)
  [ "$theirs" = "$name|$n|$digest" ] || fail "$name differs: single $n rows ($digest), Citus ${theirs#"$name|"}"
  compared=$((compared + 1))
done <"$work/single.txt"
[ "$compared" -eq "$(wc -l <"$work/single.txt")" ] && [ "$compared" -ge 25 ] || fail "only $compared answers compared"
# the same answers on Citus when every statement is a REPEATABLE READ or
# SERIALIZABLE transaction (a BI tool's session may be either)
for level in 'repeatable read' serializable; do
  PGOPTIONS="-c default_transaction_isolation=${level// /\\ }" csql -f test/citus/answers.sql >"$work/citus_level.txt" 2>&1 ||
    fail "the answers on Citus at $level failed: $(tail -3 "$work/citus_level.txt")"
  cmp -s "$work/single.txt" "$work/citus_level.txt" ||
    fail "the answers on Citus at $level differ: $(diff "$work/single.txt" "$work/citus_level.txt" | head -6)"
done
# and through pgbouncer (Debian's) in transaction mode in front of the
# coordinator, three server connections taking turns: the answers asked
# in one transaction, as a pooled session must
command -v pgbouncer >/dev/null || fail "pgbouncer is not installed (scripts/install-deps.sh installs it)"
mkdir "$work/bouncer"
for port in $(seq 16532 16632); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
cat >"$work/bouncer/pgbouncer.ini" <<INI
[databases]
* = host=$(eval "$citus_env"; echo "$PGHOST") port=$(eval "$citus_env"; echo "$PGPORT")

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $work/bouncer/users.txt
pool_mode = transaction
default_pool_size = 3
min_pool_size = 3
server_round_robin = 1
logfile = $work/bouncer/pgbouncer.log
pidfile = $work/bouncer/pgbouncer.pid
INI
printf '"%s" ""\n' postgres chekt_citus_feeder >"$work/bouncer/users.txt"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$work/bouncer"
  runuser -u postgres -- pgbouncer -d "$work/bouncer/pgbouncer.ini" >/dev/null 2>&1 || fail "pgbouncer did not start"
else
  pgbouncer -d "$work/bouncer/pgbouncer.ini" >/dev/null 2>&1 || fail "pgbouncer did not start"
fi
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres sql chekt -1 -f test/citus/answers.sql >"$work/citus_bouncer.txt" 2>&1 ||
  fail "the answers through pgbouncer failed: $(tail -3 "$work/citus_bouncer.txt")"
cmp -s "$work/single.txt" "$work/citus_bouncer.txt" ||
  fail "the answers through pgbouncer differ: $(diff "$work/single.txt" "$work/citus_bouncer.txt" | head -6)"
# chekt-ingest through the same pgbouncer to the coordinator of a database
# distributed for it, as a role with only the grants README names: 100
# connections posting a stream of every type with duplicates, forged,
# stale and malformed deliveries; each gets its status, every event is
# stored once, each refusal quarantined (stream_through_receiver)
pooled=$( set -e; eval "$citus_env"
  trap '[ -z "$RECEIVER_PID" ] || kill -KILL "$RECEIVER_PID" 2>/dev/null' EXIT
  bash scripts/citus-cluster.sh createdb "$work/citus" chekt_pooled >/dev/null
  sql chekt_pooled -c "CREATE EXTENSION chekt_events" -c "SELECT count(*) FROM chekt.distribute()" \
                   -c "SELECT chekt.add_secret('centre', 'centre-secret')" >/dev/null
  feeder_role chekt_pooled chekt_citus_feeder
  stream_through_receiver chekt_pooled "host=127.0.0.1 port=$port dbname=chekt_pooled user=chekt_citus_feeder" \
    100 100 citus-pooled --writers 3
  sql postgres -c "DROP DATABASE chekt_pooled WITH (FORCE)" -c "DROP ROLE chekt_citus_feeder" >/dev/null ) ||
  fail "chekt-ingest through pgbouncer to the coordinator"
echo "chekt-ingest through pgbouncer to the coordinator: $pooled"
kill "$(cat "$work/bouncer/pgbouncer.pid")" 2>/dev/null || true
events=$(csql -c "SELECT count(*) || ' events, ' || sum(delivery_count) || ' deliveries' FROM chekt_private.events")
rejected=$(csql -c "SELECT string_agg(reason || ' ' || n, ', ' ORDER BY reason) FROM (SELECT reason, count(*) n FROM chekt_private.rejected GROUP BY 1) r")
echo "same on both: $compared tables and questions (on Citus at read committed, repeatable read and serializable, and through pgbouncer); $events; quarantined: $rejected"

# --- tenancy: an analyst of one app reads that app's rows only ----------
both -c "CREATE ROLE chekt_citus_analyst LOGIN" 2>/dev/null || true
both -c "SELECT chekt.grant_analyst('chekt_citus_analyst', ARRAY['centre'])" >/dev/null
seen="SELECT string_agg(t || ' ' || n, ', ' ORDER BY t) FROM (
        SELECT 'alarm_events' t, count(*) n FROM chekt.alarm_events
        UNION ALL SELECT 'apps of device_events', count(DISTINCT app) FROM chekt.device_events
        UNION ALL SELECT 'alarm_trail', count(*) FROM chekt.alarm_trail
        UNION ALL SELECT 'lifecycles', count(*) FROM chekt.alarm_lifecycle) s"
seen_single=$(PGUSER=chekt_citus_analyst sql "$single" -c "$seen")
seen_citus=$( eval "$citus_env"; PGUSER=chekt_citus_analyst sql chekt -c "$seen")
echo "the analyst of centre sees: $seen_citus"
[ "$seen_single" = "$seen_citus" ] || fail "the analyst sees '$seen_citus' on Citus, '$seen_single' on a single node"
grep -q 'apps of device_events 1' <<<"$seen_citus" || fail "the analyst sees another app: $seen_citus"
# a new scope holds at once on every node, also in a session whose
# connections to the workers stay open (the workers keep no scope)
cat >"$work/scope.sql" <<'EOF'
SET ROLE chekt_citus_analyst;
SELECT 'before', count(DISTINCT app), min(app) FROM chekt.alarm_trail;
RESET ROLE;
SELECT chekt.grant_analyst('chekt_citus_analyst', ARRAY['bench-app']);
SET ROLE chekt_citus_analyst;
SELECT 'after', count(DISTINCT app), min(app) FROM chekt.alarm_trail;
RESET ROLE;
EOF
scope_single=$(sql "$single" -f "$work/scope.sql" | grep -v '^$')
scope_citus=$(csql -f "$work/scope.sql" | grep -v '^$')
echo "one session, the scope changed: $(tr '\n' ' ' <<<"$scope_citus")"
[ "$scope_single" = "$scope_citus" ] || fail "scope change: Citus '$scope_citus', single node '$scope_single'"
grep -q '^after|1|bench-app$' <<<"$scope_citus" || fail "the new scope did not hold: $scope_citus"
# the analyst's questions (their functions read only what the analyst may),
# its scope, and statements that read the views over the coordinator's
# quarantine and the analysts with distributed tables (which Citus refused
# to an analyst at 0.19.0: "permission denied for schema chekt_private")
asks=(
  "SELECT count(*) || ' outages' FROM chekt.device_downtime(NULL, '2026-01-01', '2026-06-01')"
  "SELECT count(*) || ' gap rows' FROM chekt.delivery_gaps"
  "SELECT sum(g.n) || ' of sites' FROM (SELECT DISTINCT site_id FROM chekt.delivery_gaps WHERE site_id IS NOT NULL) s,
          LATERAL (SELECT count(*) n FROM chekt.site_delivery_gaps(s.site_id, '-infinity', 'infinity')) g"
  "SELECT count(*) || ' partition periods' FROM chekt.partition_periods"
  "SELECT count(*) || ' site days' FROM chekt.site_daily_summary WHERE day < '2026-06-01'"
  "SELECT 'scope ' || string_agg(analyst || ':' || coalesce(app, 'every app'), ' ' ORDER BY analyst, app) FROM chekt.analyst_scope"
  "SELECT count(*) || ' alarm events in scope' FROM chekt.analyst_scope s JOIN chekt.alarm_events a USING (app)"
  "SELECT count(*) || ' refused days with alarms' FROM chekt.quarantine_daily q
          JOIN chekt.alarm_events a ON a.app = q.app AND (a.created_at AT TIME ZONE 'UTC')::date = q.day"
  "SELECT coalesce(sum(q.deliveries), 0) || ' refused on days of outages' FROM chekt.quarantine_daily q
    WHERE q.day IN (SELECT (o.offline_at AT TIME ZONE 'UTC')::date FROM chekt.device_outages o)"
  "SELECT count(*) || ' gaps at sites with lifecycles' FROM chekt.delivery_gaps g
          JOIN (SELECT DISTINCT app, site_id FROM chekt.alarm_lifecycle) l USING (app, site_id)")
# (an error is an answer, compared: the single node's must have none)
ask_all() { local q; for q in "${asks[@]}"; do "$@" -c "$q" 2>&1 | tr '\n' ' ' || true; echo; done | paste -sd, -; }
# analyst_asks_agree SINGLE_DB CITUS_DB WHAT: the analyst's answers the same
analyst_asks_agree() {
  local asked_single asked_citus
  asked_single=$(PGUSER=chekt_citus_analyst ask_all sql "$1")
  ! grep -q 'ERROR' <<<"$asked_single" || fail "the analyst's questions fail on a single node: $asked_single"
  asked_citus=$( eval "$citus_env"; PGUSER=chekt_citus_analyst ask_all sql "$2")
  echo "$3: $asked_citus"
  [ "$asked_single" = "$asked_citus" ] || fail "$3: Citus '$asked_citus', single node '$asked_single'"
}
analyst_asks_agree "$single" chekt "the analyst of bench-app asks"
# revoked, at once, on every node
both -c "SELECT chekt.revoke_analyst('chekt_citus_analyst')" >/dev/null
out=$( eval "$citus_env"; PGUSER=chekt_citus_analyst sql chekt -c 'SELECT count(*) FROM chekt.alarm_events' 2>&1) &&
  fail "a revoked analyst still reads: $out"
echo "revoked: $(head -1 <<<"$out")"

# --- maintenance: chekt.maintain() and chekt.drop_events_before() --------
# as on a single node: the months ahead made on the distributed tables too,
# the ids trimmed, the months before March dropped, the same rows after
maintained() { "$@" -c "SELECT string_agg(action || ' ' || count, ', ' ORDER BY action) FROM chekt.maintain()" \
                    -c "SELECT 'months dropped ' || chekt.drop_events_before('2026-03-01')"; }
maintained_single=$(maintained sql "$single" | paste -sd, -)
maintained_citus=$(maintained csql | paste -sd, -)
echo "maintained: $maintained_citus"
[ "$maintained_single" = "$maintained_citus" ] || fail "maintenance: Citus '$maintained_citus', single node '$maintained_single'"
grep -q 'months dropped [1-9]' <<<"$maintained_citus" || fail "no month dropped: $maintained_citus"
# then the first half again, into months dropped and made again
sql "$single" -c "$(copy_in "$work/first.csv")"
csql -c "$(copy_in "$work/first.csv")"
sql "$single" -f test/citus/answers.sql >"$work/single.txt"
csql -f test/citus/answers.sql >"$work/citus.txt"
cmp -s "$work/single.txt" "$work/citus.txt" ||
  fail "after the maintenance and the first half again, the answers differ: $(diff "$work/single.txt" "$work/citus.txt" | head -6)"

# --- a cluster distributed at 0.19.0, updated ----------------------------
# the same stream to a database distributed at 0.19.0 and to a single
# node; the update (which Citus runs on the workers too) gives the
# analyst's views their Citus forms: the answers, the owner's and the
# analyst's, are the single node's, and the forms those of a database
# distributed at the new version
( eval "$citus_env"; bash scripts/citus-cluster.sh createdb "$work/citus" chekt_updated >/dev/null )
usql() { ( eval "$citus_env"; sql chekt_updated "$@" ); }
twin=chekt_citus_twin
fresh_db "$twin"
usql -c "CREATE EXTENSION chekt_events VERSION '0.19.0'" -c "SELECT count(*) FROM chekt.distribute()" >/dev/null
for run in "sql $twin" usql; do
  # (each database fed by one COPY of each half)
  $run -c "SELECT chekt.add_secret('bench-app', 'bench-secret'), chekt.add_secret('centre', 'replay-secret')" \
       -c "$(copy_in "$work/first.csv")" -c "$(copy_in "$work/second.csv")" \
       -c "SELECT chekt.grant_analyst('chekt_citus_analyst', ARRAY['bench-app'])" >/dev/null
done
asked_before=$( eval "$citus_env"; PGUSER=chekt_citus_analyst ask_all sql chekt_updated)
echo "the analyst, distributed at 0.19.0: $asked_before"
# (what 0.19.0 answered: the reproduction this update mends)
[ "$(grep -o 'permission denied for schema chekt_private' <<<"$asked_before" | wc -l)" -eq 4 ] ||
  fail "0.19.0 did not refuse the analyst's four statements: $asked_before"
usql -c 'ALTER EXTENSION chekt_events UPDATE'
versions=$(usql -c "SELECT string_agg(result, ' ') FROM run_command_on_all_nodes(\$\$SELECT extversion FROM pg_extension WHERE extname = 'chekt_events'\$\$)")
[ "$versions" = "$(sql "$twin" -c "SELECT string_agg(extversion, ' ') FROM pg_extension, generate_series(1, 3) WHERE extname = 'chekt_events'")" ] ||
  fail "after the update the nodes are at $versions"
sql "$twin" -f test/citus/answers.sql >"$work/twin.txt"
usql -f test/citus/answers.sql >"$work/updated.txt"
cmp -s "$work/twin.txt" "$work/updated.txt" ||
  fail "updated from 0.19.0, the answers differ: $(diff "$work/twin.txt" "$work/updated.txt" | head -6)"
analyst_asks_agree "$twin" chekt_updated "updated from 0.19.0, the analyst asks"
# the views and functions, their comments and privileges (the analyst's
# grants gone, as from chekt), and the policies, on every node
usql -c "SELECT chekt.revoke_analyst('chekt_citus_analyst')" >/dev/null
forms="SELECT string_agg(result, ' ' ORDER BY nodeid) FROM run_command_on_all_nodes(\$f\$
       SELECT md5(string_agg(d, E'\n' ORDER BY d)) FROM (
         SELECT format('%s %s %s', c.oid::regclass, obj_description(c.oid, 'pg_class'), pg_get_viewdef(c.oid)) d
           FROM pg_class c WHERE c.relnamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace) AND c.relkind = 'v'
         UNION ALL
         SELECT format('%s %s %s', p.oid::regprocedure, p.proacl, obj_description(p.oid, 'pg_proc')) || pg_get_functiondef(p.oid)
           FROM pg_proc p WHERE p.pronamespace IN ('chekt'::regnamespace, 'chekt_private'::regnamespace)
         UNION ALL
         SELECT format('%s %s %s', p.polname, p.polrelid::regclass, pg_get_expr(p.polqual, p.polrelid))
           FROM pg_policy p) f \$f\$)"
forms_updated=$(usql -c "$forms")
forms_fresh=$(csql -c "$forms")
echo "the forms of each node, updated: $forms_updated"
[ "$(wc -w <<<"$forms_updated")" -eq 3 ] || fail "the forms of the updated nodes: $forms_updated"
[ "$forms_updated" = "$forms_fresh" ] ||
  fail "updated from 0.19.0, the views and functions ($forms_updated) are not those of a database distributed at the new version ($forms_fresh)"
