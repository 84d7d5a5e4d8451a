#!/usr/bin/env bash
# Installs the oauth2-mock-server peer (npm) into target/peers/oauth with the shared harness.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/target/peers/oauth"
mkdir -p "$dir"
if [ ! -f "$dir/.installed-oauth2-mock-server-9.3.0" ]; then
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error oauth2-mock-server@9.3.0 >/dev/null)
  touch "$dir/.installed-oauth2-mock-server-9.3.0"
  echo "installed oauth2-mock-server@9.3.0 in $dir"
fi
shared="$root/../shared/peers/oauth-peer.mjs"
if [ -f "$shared" ]; then cp "$shared" "$dir/oauth-peer.mjs"; fi
