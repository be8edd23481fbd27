#!/usr/bin/env bash
# The points expiry pass over ${CUSTOMERS:-1000000} customers' lots: fills a
# temporary database (bench/make_customers --lots ${LOTS:-2}: each
# customer's points in dated lots, about half expired by today), then runs
# bench/expiry_bench on it: serving alone, then serving while the pass
# writes off every expired lot. Prints the pass's time and the serving
# latencies before and during it.
#   CUSTOMERS=1000000 LOTS=2 bench/expiry.sh
# Uses the binaries of ${BUILD_DIR:-build} (configure with benchmarks on).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
today=$(date -u +%F)
customers=${CUSTOMERS:-1000000}
"$build_dir/bench/make_customers" --database "$work/clientele.db" --customers "$customers" \
  --lots "${LOTS:-2}" --today "$today"
"$build_dir/bench/expiry_bench" --database "$work/clientele.db" --customers "$customers" \
  --today "$today" --baseline-seconds "${BASELINE_SECONDS:-5}"
