#!/usr/bin/env bash
# Build a PostgreSQL major that Debian 12 does not package, from the source
# Debian's archive carries, once: later calls find it in the cache.
#
#   pg-build.sh MAJOR      prints the installation's prefix (bin/, lib/, ...)
#
# The cache is $CHEKT_PG_CACHE (default /var/cache/chekt_events), outside
# the clone, so that a clean clone reuses it.  The source is the upstream
# tarball Debian ships as postgresql-MAJOR's .orig.tar.bz2, checked
# against the SHA-256 its Debian source package lists.  The build has the
# server, its client programs, pgcrypto (the regression tests compare
# signatures with its hmac(), and it needs OpenSSL) and the isolation
# tester, without readline, ICU or LLVM (no test needs them; without LLVM
# the server has no JIT, which the tests do not rely on).  Needs bison,
# flex, zlib and bzip2 (scripts/install-deps.sh installs them).  About 3.5
# minutes a major on two cores.  Runs one at a time per major (a lock in
# the cache).
#
# Exit status 77 for PostgreSQL 16, whose source Debian's archive no longer
# carries (Debian packaged it only in testing, between 15 and 17, and no
# suite reachable here has it now); 1 for any failure.
set -euo pipefail
umask 022    # the postgres system user runs the server from the cache

major=${1:?usage: pg-build.sh MAJOR}
cache=${CHEKT_PG_CACHE:-/var/cache/chekt_events}
prefix=$cache/pg-$major
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The source of each major: Debian's version and the tarball's SHA-256
# (from its .dsc).  The archive drops a version some time after a newer one
# replaces it (the index already names 17.12 for trixie): when the download
# fails, pin the version the archive has, with the SHA-256 of its .dsc
# (pool/main/p/postgresql-MAJOR/), or keep the cache, which holds the
# tarball once fetched.
case $major in
  17) version=17.11 sha256=dd27f2b3c59e73ed14aa3324901242bf69a032a6347805f274e6260322d42979 ;;  # trixie, 17.11-0+deb13u1
  18) version=18.6 sha256=555610c24d53e4316da5b7d3fc25c279d96856d5e0e23ee308c328c5fa881d9f ;;   # forky and sid, 18.6-3
  15) echo "pg-build: PostgreSQL 15 is Debian 12's own (postgresql-15); nothing to build" >&2; exit 2 ;;
  16) echo "pg-build: PostgreSQL 16's source is not in Debian's archive any more (no suite at $mirror carries postgresql-16)" >&2
      exit 77 ;;
  *) echo "pg-build: no Debian source known for PostgreSQL $major (15 to 18 are supported)" >&2; exit 2 ;;
esac

# a build of this version already there
# (with what is installed last: pgcrypto and the isolation tester)
installed() {
  local pg_config=$prefix/bin/pg_config
  [ -x "$pg_config" ] && [ "$("$pg_config" --version)" = "PostgreSQL $version" ] &&
    [ -f "$("$pg_config" --sharedir)/extension/pgcrypto.control" ] &&
    [ -x "$(dirname "$("$pg_config" --pgxs)")/../test/isolation/pg_isolation_regress" ]
}
if installed; then
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache/src" || exit 1
exec 9>"$cache/pg-$major.lock"
flock 9 || exit 1
# built by another run while this one waited
if installed; then
  echo "$prefix"
  exit 0
fi
tarball=$cache/src/postgresql-${major}_$version.orig.tar.bz2
if ! echo "$sha256  $tarball" | sha256sum -c --status 2>/dev/null; then
  name=postgresql-${major}_$version.orig.tar.bz2
  echo "pg-build: fetching $name from $mirror" >&2
  part=$(mktemp "$tarball.XXXXXX") || exit 1
  # the main pool, else the security archive's (a point release may be in either)
  if ! curl -fsS --retry 3 -o "$part" "$mirror/pool/main/p/postgresql-$major/$name" &&
     ! curl -fsS --retry 3 -o "$part" "${mirror%/debian}/debian-security/pool/updates/main/p/postgresql-$major/$name"; then
    rm -f "$part"
    echo "pg-build: $name is not in Debian's archive at $mirror any more; pin the version it has (see the top of $0)" >&2
    exit 1
  fi
  mv "$part" "$tarball" || exit 1
  echo "$sha256  $tarball" | sha256sum -c --status ||
    { echo "pg-build: $tarball does not have the SHA-256 Debian lists for it" >&2; rm -f "$tarball"; exit 1; }
fi

build=$(mktemp -d "$cache/build-$major.XXXXXX") || exit 1
trap 'rm -rf "$build"' EXIT
tar -xjf "$tarball" -C "$build" || exit 1
cd "$build/postgresql-$version" || exit 1
echo "pg-build: building PostgreSQL $version into $prefix" >&2
if ! { ./configure --prefix="$prefix" --without-readline --without-icu --without-llvm --with-openssl \
         --with-zlib &&
       make -j"$(nproc)" &&
       rm -rf "$prefix" &&
       make install &&
       make -C contrib/pgcrypto install &&
       make -C src/test/isolation install; } >"$build/build.log" 2>&1; then
  tail -30 "$build/build.log" >&2
  exit 1
fi
echo "$prefix"
