#!/usr/bin/env bash
# chekt-ingest built with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer goes through the status-code, replay and
# drain tests without a report: no invalid access, no leak at exit, no
# undefined behaviour, on every path those tests take (bad headers, bodies
# that are not UTF-8, oversize and endless bodies, lost databases, bad
# capture lines, SIGTERM with requests held, half-closed clients, control
# bytes in paths).
. "$(dirname "$0")/../lib/common.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/chekt-ingest" "$work/src"
cp chekt-ingest/*.c chekt-ingest/*.h chekt-ingest/Makefile "$work/chekt-ingest/"
cp src/chekt_protocol.h src/hex.h "$work/src/"
cp chekt_events.control "$work/"
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer"
make -C "$work/chekt-ingest" PG_CFLAGS="-Wall -Wextra -Werror -pthread $sanitize" \
  PG_LIBS="-L$(pg_config --libdir) -lpq $(pkg-config --libs libmicrohttpd jansson) -pthread $sanitize" \
  >"$work/build.log" 2>&1 || { tail -20 "$work/build.log"; fail "the sanitizer build failed"; }

mkdir "$work/reports"
export CHEKT_INGEST=$work/chekt-ingest/chekt-ingest
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$work/reports/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$work/reports/ubsan
for t in receiver_status_codes receiver_replay receiver_sigterm_drain receiver_http_edges; do
  bash "test/integration/$t.sh" >"$work/$t.log" 2>&1 || { cat "$work/$t.log"; cat "$work"/reports/* 2>/dev/null; fail "$t failed under the sanitizers"; }
done
if [ -n "$(ls -A "$work/reports")" ]; then
  cat "$work"/reports/* | head -60
  fail "the sanitizers reported"
fi
echo "status codes, replay, drain and HTTP edges: no sanitizer report"
