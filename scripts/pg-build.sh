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
# tester, without readline, ICU or LLVM (JIT is off in every question that
# could cross its threshold).  Needs bison and flex (scripts/install-deps.sh
# installs them).  About 4-5 minutes a major on two cores.
#
# Exit status 77 when Debian's archive no longer carries the major's source
# (PostgreSQL 16: Debian packaged it only in testing, between 15 and 17, and
# no release or suite reachable here has it now).
set -euo pipefail

major=${1:?usage: pg-build.sh MAJOR}
cache=${CHEKT_PG_CACHE:-/var/cache/chekt_events}
prefix=$cache/pg-$major
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The source of each major: Debian's version, the tarball's SHA-256 (from
# its .dsc), where the archive keeps it.  A newer point release: take the
# version and checksum from the .dsc in the same directory.
case $major in
  17) version=17.11 sha256=dd27f2b3c59e73ed14aa3324901242bf69a032a6347805f274e6260322d42979 ;;  # trixie, 17.11-0+deb13u1
  18) version=18.6 sha256=555610c24d53e4316da5b7d3fc25c279d96856d5e0e23ee308c328c5fa881d9f ;;   # forky and sid, 18.6-3
  15) echo "pg-build: PostgreSQL 15 is Debian 12's own (postgresql-15); nothing to build" >&2; exit 2 ;;
  16) echo "pg-build: PostgreSQL 16's source is not in Debian's archive any more (no suite at $mirror carries postgresql-16)" >&2
      exit 77 ;;
  *) echo "pg-build: no Debian source known for PostgreSQL $major (15 to 18 are supported)" >&2; exit 2 ;;
esac

# a build of this version already there
if [ -x "$prefix/bin/pg_config" ] && [ "$("$prefix/bin/pg_config" --version)" = "PostgreSQL $version" ] &&
   [ -x "$prefix/lib/pgxs/src/test/isolation/pg_isolation_regress" ] &&
   [ -f "$prefix/share/extension/pgcrypto.control" ]; then
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache/src"
tarball=$cache/src/postgresql-${major}_$version.orig.tar.bz2
if ! echo "$sha256  $tarball" | sha256sum -c --status 2>/dev/null; then
  echo "pg-build: fetching postgresql-${major}_$version.orig.tar.bz2 from $mirror" >&2
  curl -fsS --retry 3 -o "$tarball.part" "$mirror/pool/main/p/postgresql-$major/postgresql-${major}_$version.orig.tar.bz2"
  mv "$tarball.part" "$tarball"
  echo "$sha256  $tarball" | sha256sum -c --status ||
    { echo "pg-build: $tarball does not have the SHA-256 Debian lists for it" >&2; rm -f "$tarball"; exit 1; }
fi

build=$(mktemp -d "$cache/build-$major.XXXXXX")
trap 'rm -rf "$build"' EXIT
tar -xjf "$tarball" -C "$build"
cd "$build/postgresql-$version"
echo "pg-build: building PostgreSQL $version into $prefix (log: $build/build.log, kept on failure)" >&2
if ! { ./configure --prefix="$prefix" --without-readline --without-icu --without-llvm --with-openssl \
         --with-zlib &&
       make -j"$(nproc)" &&
       rm -rf "$prefix" &&
       make install &&
       make -C contrib/pgcrypto install &&
       make -C src/test/isolation install; } >"$build/build.log" 2>&1; then
  tail -30 "$build/build.log" >&2
  trap - EXIT
  exit 1
fi
echo "$prefix"
