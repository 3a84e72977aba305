#!/usr/bin/env bash
# Install, from Debian's archive, what building and testing chekt_events needs.
# Idempotent: does nothing when every package is already there.  Run as root.
set -euo pipefail

packages=(
  make gcc                      # the build
  clang-14 libclang-rt-14-dev   # libFuzzer and sanitizers for the parsers (test/fuzz)
  postgresql-15                 # the server (and pgcrypto, used by the tests)
  postgresql-server-dev-15      # PGXS and server headers
  libssl-dev                    # OpenSSL: HMAC-SHA256
  libjansson-dev                # jansson: JSON parsing
  libmicrohttpd-dev libpq-dev   # chekt-ingest: HTTP in, libpq COPY out
  pgbouncer                     # the pooler chekt-ingest is tested behind
  pkg-config                    # finds libmicrohttpd's flags
  python3                       # raw HTTP in the receiver tests (half-closed sockets)
  curl                          # HTTP client of the demo and the receiver tests
  openssl                       # the CLI, an independent signer in demo and tests
  acl                           # setfacl: lets the postgres user reach a cluster under /root
  default-jdk-headless          # java: the JDBC metadata check of the BI surface (test/bi)
  libpostgresql-jdbc-java       # pgjdbc, as BI tools use it
  unixodbc odbc-postgresql      # isql and psqlODBC, the ODBC check
  python3-sqlalchemy python3-psycopg2 python3-pandas  # what SQLAlchemy lists; the pandas example
  nodejs                        # the node-postgres example (pg itself: scripts/node-pg.sh)
  bison flex zlib1g-dev bzip2   # building PostgreSQL 17 and 18 from Debian's source (scripts/pg-build.sh)
  liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libpam0g-dev  # building Citus (scripts/citus-build.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "install-deps: apt-get failed (full log: $log)" >&2
  exit 1
fi
rm -f "$log"

