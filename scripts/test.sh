#!/usr/bin/env bash
# Installs what is needed, builds from scratch and runs every test: once as
# a Release build (into ${BUILD_DIR:-build-test}) and once under
# AddressSanitizer and UndefinedBehaviorSanitizer (into build-test-asan).
# This is what CI runs (.ci/run). SANITIZE=0 skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

export BUILD_DIR=${BUILD_DIR:-build-test}
rm -rf "$BUILD_DIR"
bash scripts/build.sh
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" --timeout 600

if [[ "${SANITIZE:-1}" != 0 ]]; then
  asan_dir="${BUILD_DIR}-asan"
  rm -rf "$asan_dir"
  BUILD_DIR="$asan_dir" BUILD_TYPE=Debug bash scripts/build.sh \
    -DCLIENTELE_SANITIZE=address -DCLIENTELE_BUILD_BENCH=OFF
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$asan_dir" --output-on-failure --parallel "$(nproc)" --timeout 900
fi
