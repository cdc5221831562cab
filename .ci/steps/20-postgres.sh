#!/usr/bin/env bash
# PostgreSQL 15 (Debian package) for the archive's server backend tests.
# Listens on loopback only; creates role "shencha" (password "shencha") and database "shencha_test".
# Tests connect to postgresql://shencha:shencha@127.0.0.1:5432/shencha_test (override: SHENCHA_TEST_PG).
# Idempotent: safe to run again on a machine where it already ran.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q postgresql
fi

VER=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VER main"; then
  pg_createcluster "$VER" main
fi
CONF=/etc/postgresql/$VER/main
# Loopback only, password auth for the test role over TCP.
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$CONF/postgresql.conf"
if ! grep -q "shencha_test" "$CONF/pg_hba.conf"; then
  sed -i "1i host    shencha_test    shencha    127.0.0.1/32    scram-sha-256" "$CONF/pg_hba.conf"
fi

if pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$VER" main reload
else
  pg_ctlcluster "$VER" main start
fi

for _ in $(seq 1 30); do
  if su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432"; then break; fi
  sleep 1
done

su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shencha') THEN
    CREATE ROLE shencha LOGIN PASSWORD 'shencha';
  ELSE
    ALTER ROLE shencha LOGIN PASSWORD 'shencha';
  END IF;
END
$$;
SQL
if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'shencha_test'\"" | grep -q 1; then
  su postgres -c "createdb -O shencha -E UTF8 -T template0 shencha_test"
fi
PGPASSWORD=shencha psql -h 127.0.0.1 -U shencha -d shencha_test -tAc "SELECT 'postgres ready: ' || version()"
