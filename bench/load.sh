#!/usr/bin/env bash
# Starts clienteled on 127.0.0.1 with a fresh temporary database filled with
# the demo data, runs clientele_load against it, and stops it.
#   bench/load.sh [clientele_load options, e.g. --rpc ping,evaluate --seconds 5]
# Uses the binaries of ${BUILD_DIR:-build} (configure with benchmarks on).
# LOAD_RULES: another rules directory; LOAD_EXTRA_CONFIG: more settings.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/lib.sh
write_bench_config "$work" "${LOAD_RULES:-$PWD/config/rules}" true "${LOAD_EXTRA_CONFIG:-}"
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server), database $work/clientele.db"
"$build_dir/bench/clientele_load" --server "$address" "$@"
