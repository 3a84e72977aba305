#!/usr/bin/env bash
# A realistic stream (all 11 types, duplicates, forged, stale, malformed)
# posted over 500 concurrent connections: each request gets the status its
# delivery deserves, the deliveries of many requests share a transaction
# (group commit), and the database holds exactly what was acknowledged.
# The receiver connects as a role with only the grants the README names.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"

db=chekt_receiver_500
fresh_db "$db"
sql "$db" -c "SELECT chekt.add_secret('centre', 'centre-secret')" >/dev/null
feeder_role "$db" chekt_ingest_test_500
stream_through_receiver "$db" "dbname=$db user=chekt_ingest_test_500" 500 300 c500
