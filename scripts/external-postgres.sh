#!/usr/bin/env bash
# A throwaway PostgreSQL server from Debian's packages on a loopback port, for
# checking the service against an external database (DATABASE_URL) rather than
# the embedded one.
#
#   scripts/external-postgres.sh install              apt-get install postgresql (Debian/Ubuntu, as root)
#   scripts/external-postgres.sh start DIR [PORT]     init DIR if empty, start; last line: DATABASE_URL=...
#   scripts/external-postgres.sh stop DIR
#
# Then: EXTERNAL_DATABASE_URL=<url> npx jest --selectProjects integration --testPathPatterns connection-external-pg
# (the test also starts one itself through this script when the binaries are installed).
set -euo pipefail

cmd="${1:-}"
pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -z "$dir" ]]; then
    echo "Debian's PostgreSQL is not installed: run '$0 install' (as root) first" >&2
    exit 3
  fi
  echo "$dir"
}
# PostgreSQL refuses to run as root: use its own account then.
as_pg() {
  if [[ "$(id -u)" == "0" ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  install)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    echo "installed: $(pg_bin)"
    ;;
  start)
    dir="${2:?data directory required}"
    port="${3:-55433}"
    bin="$(pg_bin)"
    mkdir -p "$dir"
    if [[ "$(id -u)" == "0" ]]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_pg "$bin/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    password="sync-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    PGOPTIONS="--client-min-messages=warning" as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q -d postgres >/dev/null <<SQL
DROP DATABASE IF EXISTS creatio_sync;
DROP ROLE IF EXISTS creatio_sync;
CREATE ROLE creatio_sync LOGIN PASSWORD '$password';
CREATE DATABASE creatio_sync OWNER creatio_sync;
SQL
    echo "DATABASE_URL=postgres://creatio_sync:$password@127.0.0.1:$port/creatio_sync"
    ;;
  stop)
    dir="${2:?data directory required}"
    as_pg "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: $0 install | start DIR [PORT] | stop DIR" >&2
    exit 2
    ;;
esac
