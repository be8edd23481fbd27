#!/usr/bin/env bash
# Evaluate throughput over gRPC while the rules are reloaded, next to the
# same load without reloads. The ruleset is the default one plus a
# generated file of 1,000 more segment rules (10 dimensions of 100), in a
# temporary copy; during the second run a rule file is rewritten every
# RELOAD_EVERY seconds (default 0.1) and the server reloads with no
# debounce, so it reloads up to 10 times a second.
#   bench/reload_load.sh [clientele_load options; default --rpc evaluate
#                         --concurrency 16 --requests 200000 --seconds 8]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
rules=$(mktemp -d)
trap 'kill "$writer" 2>/dev/null || true; rm -rf "$rules"' EXIT
cp config/rules/*.yaml "$rules/"
"$build_dir/bench/reload_bench" --write-generated "$rules/generated.yaml"
args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
  args=(--rpc evaluate --concurrency 16 --requests 200000 --seconds 8)
fi
export LOAD_RULES=$rules LOAD_EXTRA_CONFIG="rules_debounce_ms: 0"

echo "== without reloads"
bench/load.sh "${args[@]}"

echo "== while a rule file is rewritten every ${RELOAD_EVERY:-0.1} s"
(
  i=0
  while true; do
    i=$((i + 1))
    { cat config/rules/parameters.yaml; echo "# edit $i"; } > "$rules/.parameters.yaml.tmp"
    mv "$rules/.parameters.yaml.tmp" "$rules/parameters.yaml"
    sleep "${RELOAD_EVERY:-0.1}"
  done
) &
writer=$!
bench/load.sh "${args[@]}"
