#!/usr/bin/env bash
# Configures and builds clientele into ${BUILD_DIR:-build} (Release by default).
# Extra arguments go to cmake's configure step, e.g. -DCMAKE_BUILD_TYPE=Debug.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@"
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}"
