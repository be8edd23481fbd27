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
cat > "$work/server.yaml" <<YAML
$(bench_security_config)
listen: 127.0.0.1:0
database: $work/clientele.db
rules: ${LOAD_RULES:-$PWD/config/rules}
demo_data: true
log_level: warning
${LOAD_EXTRA_CONFIG:-}
YAML
start_clienteled "$build_dir" "$work"
echo "clienteled $address (pid $server), database $work/clientele.db"
"$build_dir/bench/clientele_load" --server "$address" "$@"
