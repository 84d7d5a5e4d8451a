#!/usr/bin/env bash
# Installs the OAuth2 test peer: oauth2-mock-server 9.3.0 (npm) into target/peers/oauth, plus
# the shared harness oauth-peer.mjs (PEERS.md §3). Idempotent: does nothing when both are in
# place. runtime/tests/auth_oauth_peer.rs uses them and skips (saying so) without them.
#
# Usage: tests/peers/install-oauth.sh            (harness from ../shared/peers by default)
#        OAUTH_PEER_HARNESS=/path/oauth-peer.mjs tests/peers/install-oauth.sh
set -euo pipefail
version="9.3.0"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/target/peers/oauth"
harness="${OAUTH_PEER_HARNESS:-$root/../shared/peers/oauth-peer.mjs}"

command -v node >/dev/null || { echo "install-oauth: node is not installed (Node >= 20 needed)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-oauth: npm is not installed" >&2; exit 1; }
mkdir -p "$dir"

installed="$(node -p "try { require('$dir/node_modules/oauth2-mock-server/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ "$installed" != "$version" ]; then
  (
    cd "$dir"
    [ -f package.json ] || npm init -y >/dev/null
    # EBADENGINE (wants Node >= 22.12) is harmless: it runs on Node 20 (PEERS.md §3).
    npm install --no-audit --no-fund --loglevel=error "oauth2-mock-server@$version" >/dev/null
  )
  echo "install-oauth: installed oauth2-mock-server@$version in $dir"
fi

if [ -f "$harness" ]; then
  if ! cmp -s "$harness" "$dir/oauth-peer.mjs"; then
    cp "$harness" "$dir/oauth-peer.mjs"
    echo "install-oauth: copied $harness"
  fi
elif [ ! -f "$dir/oauth-peer.mjs" ]; then
  echo "install-oauth: harness not found at $harness (set OAUTH_PEER_HARNESS)" >&2
  exit 1
fi
echo "install-oauth: ready in $dir"
