#!/usr/bin/env bash
# Installs what is needed, builds, and runs clientele on the embedded defaults:
# validates the default ruleset in config/rules and evaluates it on the demo
# customers in config/demo (the gRPC server arrives with issue 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/client/clientele rules validate config/rules
./build/client/clientele rules eval config/rules \
  --customers-file config/demo/customers.jsonl --event-file config/demo/event.json
