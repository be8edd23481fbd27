#!/usr/bin/env bash
# The server's instructions per call, by RPC: clienteled runs under
# valgrind's callgrind (deterministic, unlike calls per second on a shared
# VM) on a fresh database with the demo data, and for each RPC the counters
# are zeroed, clientele_load makes CALLS calls one at a time (plus its 200
# warm-up calls, counted too), and the total is divided by the calls.
# Everything the server does is counted: gRPC, the store, the rules.
#   BUILD_DIR=build-lto bash bench/server_instructions.sh [RULES_DIR] [CALLS] [RPCS]
# RULES_DIR defaults to config/rules, CALLS to 2000, RPCS to ping,evaluate.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
rules=${1:-$PWD/config/rules}
calls=${2:-2000}
rpcs=${3:-ping,evaluate}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/lib.sh
write_bench_config "$work" "$rules" true
mkfifo "$work/out"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" \
  "$build_dir/server/clienteled" --config "$work/server.yaml" > "$work/out" 2> "$work/valgrind.log" &
server=$!
read -r line < "$work/out"
address=${line#listening on }
load() { "$build_dir/bench/clientele_load" --server "$address" --concurrency 1 "$@" > /dev/null; }
load --rpc "$rpcs" --requests 500 --seconds 120  # first calls: connections, caches
printf '%-12s %14s\n' rpc instructions/call
part=1
for rpc in ${rpcs//,/ }; do
  callgrind_control --zero "$server" > /dev/null 2>&1
  load --rpc "$rpc" --requests "$calls" --seconds 600
  callgrind_control --dump="$rpc" "$server" > /dev/null 2>&1
  dump="$work/callgrind.$server.$part"
  for _ in $(seq 50); do [[ -s $dump ]] && break; sleep 0.2; done
  total=$(awk '/^summary:/ {print $2}' "$dump")
  printf '%-12s %14d\n' "$rpc" $((total / (calls + 200)))
  part=$((part + 1))
done
