#!/usr/bin/env bash
# Online backups of a large store: builds CUSTOMERS (default 1,000,000)
# customers with bench/make_customers, starts clienteled on them, takes
# RUNS (default 3) backups with `clientele admin backup`, then measures
# RecordPurchase (clientele_load, concurrency 16, 8 s) quiet and while a
# backup runs. 127.0.0.1 only; the temporary directory is removed at exit.
#   BUILD_DIR=build-test CUSTOMERS=1000000 RUNS=3 bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build_dir/bench/make_customers" --database "$work/clientele.db" --customers "${CUSTOMERS:-1000000}" \
  --today 2026-11-24
source bench/lib.sh
write_bench_config "$work" "$PWD/config/rules" false
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server), database $(du -h "$work/clientele.db" | cut -f1)"
for run in $(seq "${RUNS:-3}"); do
  began=$(date +%s%N)
  "$build_dir/client/clientele" admin backup "$work/backup.db" --json --server "$address" \
    > "$work/backup.json"
  ended=$(date +%s%N)
  echo "backup $run: wall $(( (ended - began) / 1000000 )) ms; $(cat "$work/backup.json")"
  rm -f "$work/backup.db"
done
load() {
  "$build_dir/bench/clientele_load" --server "$address" --rpc purchase --concurrency 16 \
    --requests 1000000 --seconds 8 | grep -v '^  first error' | tail -1 || true  # failures: the failed column
}
echo "purchases, quiet:"
load
echo "purchases, a backup started after 1 s:"
load &
loader=$!
sleep 1
began=$(date +%s%N)
"$build_dir/client/clientele" admin backup "$work/backup.db" --server "$address" > /dev/null
ended=$(date +%s%N)
wait "$loader"
echo "that backup: wall $(( (ended - began) / 1000000 )) ms"
