#!/usr/bin/env bash
# Installs what is needed, builds, and starts clienteled on the embedded
# defaults: config/server.yaml, the default ruleset in config/rules, and a
# SQLite file (var/clientele.db) that it creates and fills with demo data.
# Stop it with Ctrl-C (or SIGTERM): in-flight calls finish, the database
# closes cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/client/clientele rules validate config/rules
exec ./build/server/clienteled --config config/server.yaml
