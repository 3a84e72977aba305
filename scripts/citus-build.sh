#!/usr/bin/env bash
# Build Citus (the scale-out tests' distributed PostgreSQL, issue 14) for
# Debian's PostgreSQL 15 from ../shared/third_party/citus-13.2.2.tar.gz,
# once, and install it into that server: later calls install the cached
# build without compiling.
#
#   citus-build.sh          prints the cached build's directory
#
# The cache is $CHEKT_PG_CACHE (default /var/cache/chekt_events, as for
# scripts/pg-build.sh), outside the clone: citus-13.2.2-pg15/ holds the
# files `make install` wrote, under their final paths (DESTDIR), and is
# copied over / on every call (cheap) so that a new machine with the cache
# gets the extension too.  The tarball is used unmodified; the one compile
# problem (Citus defines a static have_createdb_privilege() for
# PostgreSQL before 16, which 15.20's commands/dbcommands.h now declares
# too) is mended in the build's copy: Citus's copy is renamed out of the
# way, and its callers use the server's.  About 45 s on two cores here.
# Needs the packages of scripts/install-deps.sh; run as root.
#
# Exit status 77 when the build itself is impossible here (no tarball, or
# it does not compile), 1 for any other failure.
set -euo pipefail
umask 022

version=13.2.2
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=${CHEKT_CITUS_TARBALL:-$root/../shared/third_party/citus-$version.tar.gz}
cache=${CHEKT_PG_CACHE:-/var/cache/chekt_events}
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
major=$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
staged=$cache/citus-$version-pg$major

# copy a finished build over the server's directories: only the files
# that differ, each written beside its place and renamed into it, so that
# a running server that has citus.so loaded keeps its copy (written over
# in place, it crashed with a general protection fault in citus.so)
install_staged() {
  local file target
  while IFS= read -r -d '' file; do
    target=/${file#"$staged/root/"}
    cmp -s "$file" "$target" && continue
    mkdir -p "$(dirname "$target")"
    cp -a "$file" "$target.chekt-new" && mv -f "$target.chekt-new" "$target" || exit 1
  done < <(find "$staged/root" \( -type f -o -type l \) -print0)
  echo "$staged"
}
# a finished build: its library and control file staged, and the stamp
# that is written last
built() {
  [ -f "$staged/done" ] &&
    [ -f "$staged/root$("$pg_config" --pkglibdir)/citus.so" ] &&
    [ -f "$staged/root$("$pg_config" --sharedir)/extension/citus.control" ]
}
if built; then
  install_staged
  exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "citus-build: no Citus source at $tarball (see ../shared/third_party/README.md)" >&2
  exit 77
fi

mkdir -p "$cache" || exit 1
exec 9>"$staged.lock"
flock 9 || exit 1
# built by another run while this one waited
if built; then
  install_staged
  exit 0
fi

build=$(mktemp -d "$cache/build-citus.XXXXXX") || exit 1
trap 'rm -rf "$build"' EXIT
tar -xzf "$tarball" -C "$build" || exit 1
src=$build/citus-$version
compat=$src/src/include/pg_version_compat.h
# the server declares have_createdb_privilege() (15.20 and later 15s):
# Citus's static copy, defined for majors before 16, would clash with it
if grep -q 'have_createdb_privilege' "$("$pg_config" --includedir-server)/commands/dbcommands.h"; then
  grep -q '^have_createdb_privilege(void)$' "$compat" ||
    { echo "citus-build: $compat no longer defines have_createdb_privilege() as expected" >&2; exit 77; }
  sed -i 's/^have_createdb_privilege(void)$/citus_own_have_createdb_privilege(void)/' "$compat"
fi

echo "citus-build: building Citus $version for PostgreSQL $major into $staged" >&2
cd "$src"
if ! { ./configure PG_CONFIG="$pg_config" --without-libcurl &&
       make -j"$(nproc)" &&
       rm -rf "$staged" &&
       make install DESTDIR="$staged/root"; } >"$build/build.log" 2>&1; then
  tail -30 "$build/build.log" >&2
  echo "citus-build: Citus $version does not build here (log above)" >&2
  exit 77
fi
date -u +%FT%TZ >"$staged/done"
install_staged
