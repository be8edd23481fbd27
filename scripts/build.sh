#!/usr/bin/env bash
# Configures and builds clientele into ${BUILD_DIR:-build} (Release by default).
# Extra arguments go to cmake's configure step, e.g. -DCMAKE_BUILD_TYPE=Debug.
# TARGETS="clienteled clientele" builds only those targets (and what they
# need); without it, everything: the tests and, by default, the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@"
targets=()
if [[ -n "${TARGETS:-}" ]]; then
  read -ra names <<<"$TARGETS"
  targets=(--target "${names[@]}")
fi
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}" "${targets[@]}"
