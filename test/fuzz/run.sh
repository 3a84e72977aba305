#!/usr/bin/env bash
# Build the fuzz targets of the pure parsers with clang's libFuzzer and
# AddressSanitizer + UndefinedBehaviorSanitizer, and run each for a while.
#
#   bash test/fuzz/run.sh [SECONDS] [TARGET...]     default 60 s each, every target
#
# Each target starts from its seed corpus (test/fuzz/corpus/TARGET) and
# writes what it finds to a corpus of its own under $FUZZ_WORK (default: a
# temporary directory, removed at the end).  Exits non-zero, printing the
# crashing input and its report, if any target crashed, leaked, hit
# undefined behaviour or broke one of its own checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_event signature_header rfc3339)

CLANG=${CLANG:-clang-14}
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

work=${FUZZ_WORK:-}
if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/chekt-fuzz.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Wall -Wextra -Werror -Isrc)
declare -A sources=(
  [json_event]="src/json_event.c src/rfc3339.c"
  [signature_header]="src/signature_header.c"
  [rfc3339]="src/rfc3339.c"
)
declare -A libs=(
  [json_event]="-ljansson"
  [signature_header]="-lcrypto"
  [rfc3339]=""
)

status=0
for t in "${targets[@]}"; do
  [ -n "${sources[$t]:-}" ] || { echo "fuzz: no target $t" >&2; exit 2; }
  # shellcheck disable=SC2086
  "$CLANG" "${flags[@]}" -o "$work/fuzz_$t" "test/fuzz/fuzz_$t.c" ${sources[$t]} ${libs[$t]}
  mkdir -p "$work/corpus_$t" "$work/artifacts_$t"
  if ! "$work/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts_$t/" \
       "$work/corpus_$t" "test/fuzz/corpus/$t" >"$work/$t.log" 2>&1; then
    status=1
    echo "fuzz: $t FAILED"
    grep -v '^#' "$work/$t.log" | tail -40
    for a in "$work/artifacts_$t"/*; do
      [ -f "$a" ] && { echo "--- input $(basename "$a") (base64):"; base64 -w0 "$a"; echo; }
    done
  else
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1)
    echo "fuzz: $t ok, $runs runs in $seconds s, $cov, corpus $(ls "$work/corpus_$t" | wc -l)"
  fi
done
exit $status
