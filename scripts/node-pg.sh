#!/usr/bin/env bash
# Fetch node-postgres (the npm package pg) and what it needs from the npm
# registry, once: later calls find it in the cache.
#
#   node-pg.sh     prints a directory to put in NODE_PATH
#
# For the Node example of README's "Connect a BI tool" (test/integration/
# bi_examples.sh).  Debian 12 packages pg 8.8.0 as node-pg, but only for
# Debian's own nodejs; fetched like this, it runs on any node.  Versions are
# pinned (what npm resolved for pg 8.8.0), each tarball checked against the
# registry's sha512 integrity.  The cache is $CHEKT_PG_CACHE (default
# /var/cache/chekt_events), outside the clone.
set -euo pipefail
umask 022

cache=${CHEKT_PG_CACHE:-/var/cache/chekt_events}/node-pg
registry=${NPM_REGISTRY:-https://registry.npmjs.org}
modules=$cache/node_modules

# name version sha512 (base64, as package-lock.json's integrity)
packages="
pg 8.8.0 UXYN0ziKj+AeNNP7VDMwrehpACThH7LUl/p8TDFpEUuSejCUIwGSfxpHsPvtM6/WXFy6SU4E5RG4IJV/TZAGjw==
buffer-writer 2.0.0 a7ZpuTZU1TRtnwyCNW3I5dc0wWNC3VR9S++Ewyk2HHZdrO3CQJqSpd+95Us590V6AL7JqUAH2IwZ/398PmNFgw==
packet-reader 1.0.0 HAKu/fG3HpHFO0AA8WE8q2g+gBJaZ9MG7fcKk+IJPLTGAD6Psw4443l+9DGRbOIh3/aXr7Phy0TjilYivJo5XQ==
pg-connection-string 2.14.1 qR3kGNPBLpCNtz0evbKA0Y/MRFXwSSdT+pTJvYp/bXTcReZbvX1kzF0IyTc1QnxqF7AZbOeBhNL8R5mYQZV/MA==
pg-int8 1.0.1 WCtabS6t3c8SkpDBUlb1kjOs7l66xsGdKpIPZsg4wR+B3+u9UAum2odSsF9tnvxg80h4ZxLWMy4pRjOsFIqQpw==
pg-pool 3.14.0 gKtPkFdQPU3DksooVLi9LsjZxrsBUZIpa+7aVx+LV5pNh0KzP4Zleud2po+ConrxbuXGBJ6Hfer6hdgpIBpBaw==
pg-protocol 1.16.1 p9VOFMiHB/ZbJATetbg+99PxssTVSQRnyuPSQ67mN1+1KBOjZaZ83ZQzltnxPhJwSsC3nwVjJ10DVJlerbFzLg==
pg-types 2.2.0 qTAAlrEsl8s4OiEQY69wDvcMIdQN6wdz5ojQiOy6YRMuynxenON0O5oCpJI6lshc6scgAY8qvJ2On/p+CXY0GA==
pgpass 1.0.6 lqIfH7bdgsxHAY/ZnUOwm+aCFKrsHBDhSFuk9O0B9uCqJAIkrKTo/+LQqLPLUS4e04+jCmQVikxE3QipH5chPw==
postgres-array 2.0.0 VpZrUqU5A69eQyW2c5CA1jtLecCsN2U/bD6VilrFDWq5+5UIEVO7nazS3TEcHf1zuPYO/sqGvUvW62g86RXZuA==
postgres-bytea 1.0.1 5+5HqXnsZPE65IJZSMkZtURARZelel2oXUEO8rH83VS/hxH5vv1uHquPg5wZs8yMAfdv971IU+kcPUczi7NVBQ==
postgres-date 1.0.7 suDmjLVQg78nMK2UZ454hAG+OAW+HQPZ6n++TNDUX+L0+uUlLywnoxJKDou51Zm+zTCjrCl0Nq6J9C5hP9vK/Q==
postgres-interval 1.2.0 9ZhXKM/rw350N1ovuWHbGxnGh/SNJ4cnxHiM0rxE4VN41wsg8P8zWn9hv/buK00RP4WvlOyr/RBDiptyxVbkZQ==
xtend 4.0.2 LKYU1iAXJXUgAXn9URjiu+MWhyUXHsvfp7mcuYm9dSUKK0/CjtrUwFAxD82/mCWbtLsGjFIad0wIsod4zrTAEQ==
"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$modules/.complete" ]; then
  rm -rf "$modules" "$cache/tmp"
  mkdir -p "$modules" "$cache/tmp"
  while read -r name version sha512; do
    [ -n "$name" ] || continue
    tgz=$cache/tmp/$name-$version.tgz
    curl -fsS --retry 3 -o "$tgz" "$registry/$name/-/$name-$version.tgz" ||
      { echo "node-pg: could not fetch $name $version from $registry" >&2; exit 1; }
    got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
    [ "$got" = "$sha512" ] || { echo "node-pg: $name-$version.tgz does not match its sha512" >&2; exit 1; }
    mkdir -p "$modules/$name"
    tar -xzf "$tgz" -C "$modules/$name" --strip-components=1 --no-same-owner
  done <<<"$packages"
  rm -rf "$cache/tmp"
  touch "$modules/.complete"
fi
echo "$modules"
