#!/usr/bin/env bash
# Runs every benchmark against the release build in $1 (default build-bench).
set -euo pipefail
BUILD=${1:-build-bench}
cd "$(dirname "$0")/.."
for b in "$BUILD"/*_bench; do
  [ -x "$b" ] || continue
  # local_bench measures one configuration per call; run_bench.py drives it.
  [ "$(basename "$b")" = local_bench ] && continue
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.2
done
echo "== end-to-end runs"
python3 bench/run_bench.py "$BUILD"
