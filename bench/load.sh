#!/usr/bin/env bash
# Starts clienteled on 127.0.0.1 with a fresh temporary database filled with
# the demo data, runs clientele_load against it, and stops it.
#   bench/load.sh [clientele_load options, e.g. --rpc ping,evaluate --seconds 5]
# Uses the binaries of ${BUILD_DIR:-build} (configure with benchmarks on).
# LOAD_RULES: another rules directory; LOAD_EXTRA_CONFIG: more settings;
# LOAD_DATABASE=postgres: a PostgreSQL server of its own instead of SQLite,
# durable as shipped; LOAD_REPLICAS=N (with postgres): N clienteled over
# that one database, which clientele_load calls in turn. LOAD_CPU=1: also
# prints the CPU time the servers (and PostgreSQL) used during the run.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
replicas=${LOAD_REPLICAS:-1}
if ((replicas > 1)) && [[ ${LOAD_DATABASE:-sqlite} != postgres ]]; then
  echo "LOAD_REPLICAS needs LOAD_DATABASE=postgres: replicas share one PostgreSQL" >&2
  exit 2
fi
work=$(mktemp -d)
servers=()
stop_all() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_bench_database "$work"
  rm -rf "$work"
}
trap stop_all EXIT
source bench/lib.sh
# Every replica's database is the one in $work.
export BENCH_DATABASE_DIR=$work
addresses=()
for ((i = 1; i <= replicas; ++i)); do
  mkdir -p "$work/replica-$i"
  write_bench_config "$work/replica-$i" "${LOAD_RULES:-$PWD/config/rules}" true \
    "${LOAD_EXTRA_CONFIG:-}"
  start_clienteled "$build_dir" "$work/replica-$i"
  servers+=("$server")
  addresses+=("$address")
  echo "clienteled $address (pid $server), $(grep '^database:' "$work/replica-$i/server.yaml")"
done
postgres=$(bench_postgres_pid "$work")
servers_before=$(cpu_ticks "${servers[@]}")
database_before=$(cpu_ticks $postgres)
"$build_dir/bench/clientele_load" --server "$(IFS=,; echo "${addresses[*]}")" "$@"
if [[ ${LOAD_CPU:-0} == 1 ]]; then
  awk -v s="$(( $(cpu_ticks "${servers[@]}") - servers_before ))" \
    -v d="$(( $(cpu_ticks $postgres) - database_before ))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "cpu seconds during the run: clienteled %.2f, postgres %.2f\n", s / hz, d / hz }'
fi
