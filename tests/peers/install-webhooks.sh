#!/usr/bin/env bash
# Installs the independent webhook signers used by runtime/tests/webhooks_peers.rs
# (see ../shared/peers/PEERS.md §2). Idempotent: re-running skips what is already there.
#   Python: venv at target/peers/webhooks-py   (standardwebhooks 1.1.0, stripe 16.1.0)
#   Python: venv at target/peers/webhooks-vendors-py (slack_sdk 3.33.1, boxsdk 3.9.2,
#           twilio 9.3.0): the signers the Slack and Box vectors in
#           runtime/src/webhooks/vendors.rs were computed with
#   Node:   folder target/peers/webhooks-js    (standardwebhooks 1.1.1, stripe 23.1.0,
#                                               @octokit/webhooks-methods 6.0.0)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
py="$root/target/peers/webhooks-py"
js="$root/target/peers/webhooks-js"

if [ -x "$py/bin/python" ] && "$py/bin/python" -c 'import standardwebhooks, stripe' 2>/dev/null; then
  echo "python signers: already installed in $py"
else
  mkdir -p "$(dirname "$py")"
  python3 -m venv "$py"
  "$py/bin/pip" install --quiet --disable-pip-version-check standardwebhooks==1.1.0 stripe==16.1.0
  echo "python signers: installed in $py"
fi

vendors="$root/target/peers/webhooks-vendors-py"
if [ -x "$vendors/bin/python" ] && "$vendors/bin/python" -c 'import slack_sdk, boxsdk, twilio' 2>/dev/null; then
  echo "python vendor signers: already installed in $vendors"
else
  python3 -m venv "$vendors"
  "$vendors/bin/pip" install --quiet --disable-pip-version-check slack_sdk==3.33.1 boxsdk==3.9.2 twilio==9.3.0
  echo "python vendor signers: installed in $vendors"
fi

if [ -d "$js/node_modules/standardwebhooks" ] && [ -d "$js/node_modules/stripe" ] \
   && [ -d "$js/node_modules/@octokit/webhooks-methods" ]; then
  echo "node signers: already installed in $js"
else
  mkdir -p "$js"
  cd "$js"
  [ -f package.json ] || npm init -y >/dev/null 2>&1
  npm install --silent --no-audit --no-fund standardwebhooks@1.1.1 stripe@23.1.0 @octokit/webhooks-methods@6.0.0
  echo "node signers: installed in $js"
fi
