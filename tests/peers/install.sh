#!/usr/bin/env bash
# Installs the npm test peers the end-to-end tests use into target/peers (git-ignored).
# Idempotent: a peer already installed at the pinned version is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peers="$root/target/peers"
install_npm() { # dir package@version
  local dir="$peers/$1" pkg="$2"
  local marker="$dir/.installed-$(echo "$pkg" | tr '/@' '__')"
  if [ -f "$marker" ]; then return; fi
  mkdir -p "$dir"
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error "$pkg" >/dev/null)
  touch "$marker"
  echo "installed $pkg in $dir"
}
install_npm prism @stoplight/prism-cli@5.16.0
# Fault-injecting proxy for tests/tests/faults.rs (runs tests/peers/mockttp-faults.js with NODE_PATH here).
install_npm faults mockttp@4.6.5
