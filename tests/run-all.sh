#!/usr/bin/env bash
# Runs every test: installs the real peers the end-to-end tests use (idempotent), starts a
# loopback PostgreSQL for the inbox tests, runs the whole workspace's tests, stops what it
# started. This is the README's test command and what .ci/run runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

for script in tests/peers/install.sh tests/peers/install-oauth.sh tests/peers/install-webhooks.sh tests/peers/install-octokit.sh tests/peers/install-faults.sh; do
  if [ -x "$script" ] || [ -f "$script" ]; then
    bash "$script"
  fi
done

pg_started=""
if [ -f tests/peers/postgres.sh ] && [ -z "${STURDY_PG_URL:-}" ]; then
  if url="$(bash tests/peers/postgres.sh start)"; then
    export STURDY_PG_URL="$url"
    pg_started=1
  else
    if [ "${CI:-}" = "true" ]; then echo "PostgreSQL could not be started (required under CI)" >&2; exit 1; fi
    echo "PostgreSQL could not be started; the Postgres inbox tests will be skipped" >&2
  fi
fi
cleanup() { if [ -n "$pg_started" ]; then bash tests/peers/postgres.sh stop || true; fi; }
trap cleanup EXIT

cargo test --workspace --all-targets --features sturdy-inbox/postgres,sturdy-inbox/console,sturdy-runtime/metrics "$@"
cargo test --workspace --doc --features sturdy-inbox/postgres,sturdy-inbox/console
