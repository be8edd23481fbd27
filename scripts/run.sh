#!/usr/bin/env bash
# Installs what is needed, builds, and starts clienteled on the embedded
# defaults: config/server.yaml, the default ruleset in config/rules, and a
# SQLite file (var/clientele.db) that it creates and fills with demo data.
# Stop it with Ctrl-C (or SIGTERM): in-flight calls finish, the database
# closes cleanly.
# Builds only the server and the CLI: the ~200 test and bench targets, with
# link-time optimisation, would hold the first start up by many minutes on a
# small machine; scripts/test.sh builds and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
TARGETS="clienteled clientele" bash scripts/build.sh
./build/client/clientele rules validate config/rules
exec ./build/server/clienteled --config config/server.yaml
