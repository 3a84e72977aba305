#!/usr/bin/env bash
# test/fixtures/catalog holds CHeKT's 11 catalog payloads byte for byte: extracting
# them again from the shared event catalog gives the same files.  Skipped
# where the shared catalog is not beside the checkout.
. "$(dirname "$0")/../lib/common.sh"

catalog=../shared/chekt/event-catalog.txt
[ -f "$catalog" ] || { echo "no $catalog here"; exit $SKIP; }

extracted=$(mktemp -d)
trap 'rm -rf "$extracted"' EXIT
bash test/fixtures/extract-catalog.sh "$catalog" "$extracted"
n=$(ls "$extracted" | wc -l)
[ "$n" -eq 11 ] || fail "expected 11 payloads in the catalog, found $n"
diff -r "$extracted" test/fixtures/catalog || fail "fixtures differ from the catalog"
echo "11 fixtures match the catalog"
