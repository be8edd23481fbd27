#!/usr/bin/env bash
# Times `clientele rules simulate` over a large store: fills a temporary
# database with ${CUSTOMERS:-1000000} deterministic customers
# (bench/make_customers: stats over 12 months, a third with a purchase in
# the last 30 days), starts clienteled on 127.0.0.1 over it, and simulates
# a candidate (the default rules with two thresholds changed)
# ${RUNS:-5} times, printing the server's own timing and the wall time of
# each run.
#   CUSTOMERS=1000000 RUNS=5 bench/simulate.sh
# FACTS=1: the customers get a daily history (make_customers --history), and
# both versions add bench/facts.yaml, a dimension of three windowed facts
# (the candidate with a threshold changed), so that every customer's
# history is read and its facts computed under both.
# Uses the binaries of ${BUILD_DIR:-build} (configure with benchmarks on).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
facts=${FACTS:-0}
"$build_dir/bench/make_customers" --database "$work/clientele.db" --customers "${CUSTOMERS:-1000000}" \
  --today 2026-11-24 $([ "$facts" = 1 ] && echo --history)
mkdir "$work/serving" "$work/candidate"
cp config/rules/*.yaml "$work/serving/"
if [ "$facts" = 1 ]; then cp bench/facts.yaml "$work/serving/"; fi
cp "$work/serving/"*.yaml "$work/candidate/"
if [ "$facts" = 1 ]; then sed -i 's/purchases_in_last(30) >= 2/purchases_in_last(30) >= 3/' "$work/candidate/facts.yaml"; fi
sed -i 's/young_age_limit: 40/young_age_limit: 35/; s/big_purchase_amount: 500/big_purchase_amount: 400/' \
  "$work/candidate/parameters.yaml"
source bench/lib.sh
write_bench_config "$work" "$work/serving" false
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server)"
for run in $(seq "${RUNS:-5}"); do
  began=$(date +%s%N)
  "$build_dir/client/clientele" rules simulate "$work/candidate" --today 2026-11-24 --show 3 \
    --server "$address" > "$work/run.txt" || true  # exit 1: the candidate fails a rule test, as it should
  grep -q "stored customers evaluated" "$work/run.txt" || { cat "$work/run.txt"; exit 1; }
  ended=$(date +%s%N)
  # "1,000,000 stored customers evaluated as of 2026-11-24 in 1234.5 ms"
  echo "run $run: $(grep "stored customers evaluated" "$work/run.txt"); wall $(( (ended - began) / 1000000 )) ms"
done
echo "last report:"
cat "$work/run.txt"
