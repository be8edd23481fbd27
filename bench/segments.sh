#!/usr/bin/env bash
# Times refreshes of the stored segments (docs/rules.md, "Stored
# segments") over a large store: fills a temporary database with
# ${CUSTOMERS:-1000000} deterministic customers (bench/make_customers),
# starts clienteled on 127.0.0.1 over it with the default rules and no
# background refresh, then times over the API:
#   1. the first refresh: every customer enters its segments (a change and
#      a member row per customer and dimension);
#   2. a second refresh: nothing moves (each customer evaluated, compared
#      and stamped);
#   3. a refresh after a reload to rules with two thresholds changed, which
#      moves some customers.
# Uses the binaries of ${BUILD_DIR:-build} (configure with benchmarks on).
#   BUILD_DIR=build-lto CUSTOMERS=1000000 bash bench/segments.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build_dir/bench/make_customers" --database "$work/clientele.db" --customers "${CUSTOMERS:-1000000}" \
  --today 2026-11-24
mkdir "$work/rules"
cp config/rules/*.yaml "$work/rules/"
source bench/lib.sh
write_bench_config "$work" "$work/rules" false "segment_refresh_minutes: 0
rules_watch: false"
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server), $(nproc) cores"
clientele() { "$build_dir/client/clientele" "$@" --server "$address" --timeout 3600; }
timed_refresh() {
  local began ended
  began=$(date +%s%N)
  clientele segments refresh > "$work/refresh.txt"
  ended=$(date +%s%N)
  echo "$1: $(head -1 "$work/refresh.txt"); $(( (ended - began) / 1000000 )) ms"
}
timed_refresh "first refresh (all enter)"
timed_refresh "second refresh (none move)"
sed -i 's/young_age_limit: 40/young_age_limit: 35/; s/big_purchase_amount: 500/big_purchase_amount: 400/' \
  "$work/rules/parameters.yaml"
rm "$work/rules/tests.yaml"  # its cases hold the old thresholds
clientele rules reload > /dev/null
timed_refresh "after a reload (thresholds changed)"
echo "database: $(du -h "$work/clientele.db" | cut -f1)"
