#!/usr/bin/env bash
# Fetches GitHub's published OpenAPI spec at two versions about a year apart, from the npm
# package @octokit/openapi (18.2.0, 2025-10; 23.0.2, 2026-09), for tests/tests/diff_github.rs.
# Only api.github.com.json is kept: target/peers/octokit/<version>.json. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/target/peers/octokit"
mkdir -p "$dir"
for v in 18.2.0 23.0.2; do
  if [ -s "$dir/$v.json" ]; then
    continue
  fi
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "@octokit/openapi@$v" >/dev/null)
  tar -xzf "$tmp/octokit-openapi-$v.tgz" -C "$tmp" package/generated/api.github.com.json
  mv "$tmp/package/generated/api.github.com.json" "$dir/$v.json"
  rm -rf "$tmp"
  echo "install-octokit: GitHub spec $v in $dir"
done
