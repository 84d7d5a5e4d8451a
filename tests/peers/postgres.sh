#!/usr/bin/env bash
# A throwaway PostgreSQL server for the inbox tests, on loopback only.
#   tests/peers/postgres.sh start   # initdb (once) under target/pg, start on a free port, print the URL
#   tests/peers/postgres.sh url     # print the URL of the running server
#   tests/peers/postgres.sh stop    # stop it
# Use:  export STURDY_PG_URL=$(tests/peers/postgres.sh start)
# Needs initdb/pg_ctl on PATH (or in /usr/local/bin, /usr/lib/postgresql/*/bin). As root, the
# server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/target/pg"
data="$dir/data"
PATH="$PATH:/usr/local/bin:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { as_pg pg_ctl -D "$data" status >/dev/null 2>&1; }
url() { echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"; }

case "${1:-}" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
      as_pg initdb -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! running; then
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      echo "$port" >"$dir/port"
      as_pg pg_ctl -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -F -c max_connections=100" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    url
    ;;
  url)
    running || { echo "not running; use: $0 start" >&2; exit 1; }
    url
    ;;
  stop)
    if running; then as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null; echo "stopped"; else echo "not running"; fi
    ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
