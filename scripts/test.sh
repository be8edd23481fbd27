#!/usr/bin/env bash
# Installs what is needed, builds from scratch into ${BUILD_DIR:-build-test}
# and runs every test. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export BUILD_DIR=${BUILD_DIR:-build-test}
rm -rf "$BUILD_DIR"
bash scripts/build.sh
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" --timeout 600
