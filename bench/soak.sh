#!/usr/bin/env bash
# The soak test: starts clienteled on 127.0.0.1 with a fresh temporary
# database (demo data), a temporary copy of the default rules and the
# decision log on, runs clientele_soak against it (several clients, mixed
# reads and writes, a rule edit every few seconds, memory sampled, the
# ledger checked at the end), then stops the server with SIGTERM and checks
# that it stopped cleanly.
#   bench/soak.sh [clientele_soak options; default --seconds 600]
# Uses the binaries of ${BUILD_DIR:-build}. Exit 0 only when everything held.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/lib.sh
mkdir "$work/rules"
cp config/rules/*.yaml "$work/rules/"
write_bench_config "$work" "$work/rules" true "decision_log: {sample_rate: 0.5, max_entries: 20000}"
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server), database $work/clientele.db"
status=0
"$build_dir/bench/clientele_soak" --server "$address" --server-pid "$server" \
  --rules-dir "$work/rules" "$@" || status=$?
kill -TERM "$server"
if wait "$server"; then
  echo "server stopped cleanly on SIGTERM"
else
  echo "FAIL: the server exited with status $? on SIGTERM"
  status=1
fi
server=
echo "database: $(du -h "$work/clientele.db" | cut -f1)"
exit "$status"
