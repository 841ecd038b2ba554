#!/usr/bin/env bash
# Makes PostgreSQL answer on 127.0.0.1:5432 as user `postgres` without a password, with a
# database `test` (what the store's test suite uses). On this machine kind it is usually already
# running; on a fresh machine this creates and starts the Debian cluster and adds a loopback
# trust rule. Loopback only: nothing listens beyond 127.0.0.1.
set -euo pipefail
sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi

psql_ok() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

if ! psql_ok; then
  ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$ver" ]; then
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    $sudo pg_createcluster "$ver" main
  fi
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! $sudo grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    echo "setup: allowing password-less loopback connections in $hba"
    $sudo sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null \
    || $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  for _ in $(seq 1 60); do psql_ok && break; sleep 1; done
  psql_ok || { echo "setup: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi

if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1 from pg_database where datname='test'")" != 1 ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test'
fi
echo "setup: PostgreSQL ready on 127.0.0.1:5432 (database test)"
