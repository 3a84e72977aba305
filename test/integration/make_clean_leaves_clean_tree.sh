#!/usr/bin/env bash
# In a copy of the checkout, `make` builds without a single warning under
# -Wall -Wextra -Werror, and `make clean` then leaves exactly the files it
# started with.
. "$(dirname "$0")/../lib/common.sh"

git rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git checkout"; exit $SKIP; }
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$copy"
cd "$copy"
before=$(find . -type f | sort)
make >build.log 2>&1 || { cat build.log; fail "make failed"; }
! grep -i 'warning:' build.log || fail "the build printed warnings"
rm build.log
[ -f chekt_events.so ] || fail "make built no chekt_events.so"
make clean >/dev/null
after=$(find . -type f | sort)
[ "$before" = "$after" ] || fail "make clean left: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
echo "warning-free build; make clean restores the tree"
