#!/usr/bin/env bash
# The pure parsers (JSON envelope and payload, signature headers, RFC 3339)
# under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, for
# CHEKT_FUZZ_SECONDS (default 60) each: no crash, no leak, no undefined
# behaviour, no broken promise (test/fuzz/run.sh).
. "$(dirname "$0")/../lib/common.sh"

bash test/fuzz/run.sh "${CHEKT_FUZZ_SECONDS:-60}"
