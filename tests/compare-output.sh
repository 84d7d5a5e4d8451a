#!/usr/bin/env bash
# Compare what two `sturdy` binaries generate and lint for every spec: a refactor of the
# generator must leave both byte-identical.
#
#   bash tests/compare-output.sh OLD_BIN NEW_BIN [SPEC...]
#
# With no SPEC: every spec in $STURDY_SPECS (default /work/shared/specs) plus
# fixtures/petstore.yaml. Build OLD_BIN from the base commit first, e.g.
#   git worktree add /tmp/base main && cargo build -p sturdy-cli --manifest-path /tmp/base/Cargo.toml
# Exits 1 and prints the differences when any output differs.
set -u
if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0"
  exit 2
fi
old=$(realpath "$1"); new=$(realpath "$2"); shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
  set -- "${STURDY_SPECS:-/work/shared/specs}"/*.{json,yaml,yml} "$root/fixtures/petstore.yaml"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for spec in "$@"; do
  [ -f "$spec" ] || continue
  spec=$(realpath "$spec")
  name=$(basename "$spec"); name=${name%.*}
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    # The same relative output folder for both sides, so messages naming it compare equal.
    (cd "$work" && mkdir -p $side && cd $side &&
      "$bin" generate "$spec" --out "$name" --name "$name" --runtime-version 0.1 >"$name.generate" 2>&1
      echo "exit $?" >>"$name.generate"
      "$bin" lint "$spec" >"$name.lint" 2>&1
      echo "exit $?" >>"$name.lint")
  done
  if diff -r "$work/old/$name" "$work/new/$name" >"$work/diff" 2>&1 &&
     diff "$work/old/$name.generate" "$work/new/$name.generate" >>"$work/diff" 2>&1 &&
     diff "$work/old/$name.lint" "$work/new/$name.lint" >>"$work/diff" 2>&1; then
    echo "same: $name"
  else
    echo "DIFFERENT: $name"
    head -n 40 "$work/diff"
    status=1
  fi
  rm -rf "$work/old" "$work/new"
done
exit $status
