#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 30 s each) on stable Rust
# (`-s none`: no sanitizer; ASan needs nightly). Fails if any target finds a crash.
#   fuzz/run.sh [seconds]
# Needs cargo-fuzz: cargo install --locked cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "== $target (${secs}s)"
  log="$(mktemp)"
  set +e
  cargo fuzz run -s none "$target" "corpus/$target" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|panicked|SUMMARY|^error" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -30 "$log"; rm -f "$log"
    echo "FAILED: $target (artifacts in fuzz/artifacts/$target)"; exit "$status"
  fi
  rm -f "$log"
done
echo "all fuzz targets ran without a crash"
