# The questions of bench/queries/questions/ and how they are timed
# (sourced after setup.sh).  question_params DB reads the parameters every
# question draws from (alarms, device and site numbers, the last event's
# time) out of a database; pgbench_ms Q times one question in $PGDATABASE as
# $PGUSER and prints its average latency in ms.
questions="timeline device fleet lifecycle gaps"

# Sets alarms, max_site, max_device and last from database $1
question_params() {
  alarms=$(q -d "$1" -At -c "SELECT count(*) FROM chekt.alarm_events WHERE event_type = 'alarm.created'")
  last=$(q -d "$1" -At -c "SELECT max(created_at) FROM chekt_private.events")
  max_site=$(q -d "$1" -At -c "SELECT max(substr(site_id, 6)::int) FROM chekt.alarm_events WHERE event_type = 'alarm.created'")
  max_device=$(q -d "$1" -At -c 'SELECT max(substr(device_id, 5)::int) FROM chekt.device_events')
}

# Average latency in ms of question $1 (bench/queries/questions/$1.sql) over
# random alarms (:a), devices (:d) and sites (:s), for $duration seconds
pgbench_ms() {
  local script=$work/$1.pgbench out=$work/$1.${PGDATABASE}.${PGUSER:-owner}.out
  { echo "\\set a random(1, $alarms)"
    echo "\\set d random(0, $max_device)"
    echo "\\set s random(0, $max_site)"
    grep -v '^--' "bench/queries/questions/$1.sql"; } >"$script"
  if ! pgbench -n -T "$duration" -D last="'$last'" -f "$script" >"$out" 2>&1; then
    echo "pgbench failed on $1 ($PGDATABASE, ${PGUSER:-owner}):" >&2
    grep -iE 'error|detail|hint|context' "$out" | head -6 >&2
    return 1
  fi
  sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$out"
}

# The median of its arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Fills associative array $2 with the median of each entry of $1 (runs
# separated by spaces)
medians() {
  local -n from=$1 to=$2
  local variant
  for variant in "${!from[@]}"; do
    # shellcheck disable=SC2086 # the runs, one word each
    to[$variant]=$(median ${from[$variant]})
  done
}
# $1 / $2 to three places
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# What question $1 asks, for the report
label() {
  case $1 in
    timeline) echo "alarm_timeline(), random alarm" ;;
    device) echo "one device's downtime, 30 days" ;;
    fleet) echo "fleet downtime, one week" ;;
    lifecycle) echo "alarm_lifecycle, random site, 30 days" ;;
    gaps) echo "site_delivery_gaps(), random site, 30 days" ;;
  esac
}
