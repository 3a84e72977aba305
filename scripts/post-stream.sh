#!/usr/bin/env bash
# POST a stream of signed deliveries (scripts/generate-stream.sql's lines:
# kind, timestamp, signature, body) to a receiver, many at once.
#
#   post-stream.sh URL STREAM [CONNECTIONS]
#
# URL is the receiver's webhook endpoint (http://127.0.0.1:8080/webhooks/app).
# Prints one line per delivery, "line kind status", in completion order;
# status 000 means no answer (connection refused or broken).  CONNECTIONS
# (default 16) requests are in flight at once, each on its own connection;
# one curl runs at most 250 of them, so more take several curls.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 URL STREAM [CONNECTIONS]" >&2; exit 2; }
url=$1
stream=$2
connections=${3:-16}
curls=$(( (connections + 249) / 250 ))

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a curl config per curl, its share of the lines round-robin: one block per
# delivery, separated by "next"; inside double quotes only \ and " need
# escaping (the bodies have no backslash)
awk -F'\t' -v url="$url" -v curls="$curls" -v work="$work" '
  {
    out = sprintf("%s/%d.curl", work, NR % curls)
    if (seen[out]++) print "next" > out
    gsub(/"/, "\\\"", $4)
    printf "url = \"%s\"\n", url > out
    printf "header = \"X-CHeKT-Timestamp: %s\"\n", $2 > out
    printf "header = \"X-CHeKT-Signature: %s\"\n", $3 > out
    printf "header = \"Content-Type: application/json\"\n" > out
    printf "data-binary = \"%s\"\n", $4 > out
    printf "output = \"/dev/null\"\n" > out
    printf "write-out = \"%d %s %%{http_code}\\n\"\n", NR, $1 > out
  }' "$stream"
for config in "$work"/*.curl; do
  curl --silent --no-progress-meter --parallel --parallel-immediate \
    --parallel-max $(( (connections + curls - 1) / curls )) --config "$config" >"$config.out" || true &
done
wait
cat "$work"/*.curl.out
