#!/usr/bin/env bash
# Installs what is needed, builds from scratch and runs every test: once as
# a Release build with GCC (into ${BUILD_DIR:-build-test}), once under
# AddressSanitizer and UndefinedBehaviorSanitizer built with Clang (into
# build-test-asan), and the concurrency tests that need no gRPC (hot
# reload, shared rulesets, the store's writer thread) under
# ThreadSanitizer (into build-test-tsan; Debian's gRPC is not
# instrumented, so the server itself cannot be checked by it).
# Two compilers see every file: GCC's warnings, and Clang's thread-safety
# analysis, which checks every lock annotation, so that a guarded member
# touched without its lock anywhere fails the run. (Clang also builds the
# sanitized tree in about two thirds of GCC's time.)
# The first two replay the fuzz corpus (tests/fuzz/corpus) once; fuzzing
# itself is scripts/fuzz.sh. The Release build here has no link-time
# optimisation (minutes saved); the bench figures come from scripts/build.sh.
# This is what CI runs (.ci/run). SANITIZE=0 skips the sanitizer passes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

export BUILD_DIR=${BUILD_DIR:-build-test}
rm -rf "$BUILD_DIR"
bash scripts/build.sh -DCLIENTELE_IPO=OFF
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" --timeout 600

if [[ "${SANITIZE:-1}" != 0 ]]; then
  asan_dir="${BUILD_DIR}-asan"
  rm -rf "$asan_dir"
  CXX=clang++ BUILD_DIR="$asan_dir" BUILD_TYPE=Debug bash scripts/build.sh \
    -DCLIENTELE_SANITIZE=address -DCLIENTELE_BUILD_BENCH=OFF
  # The service tests' second run on PostgreSQL (label postgres_conformance)
  # and the console's browser flows (label browser) ran in the release pass
  # above; here the PostgreSQL store's own tests and the replicas' cover
  # its code, which keeps this pass within CI's time.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$asan_dir" --output-on-failure --parallel "$(nproc)" --timeout 900 \
    --label-exclude "postgres_conformance|browser"

  tsan_dir="${BUILD_DIR}-tsan"
  tsan_tests=(reloader_test ruleset_concurrency_test write_queue_test)
  rm -rf "$tsan_dir"
  CXX=clang++ cmake -S . -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCLIENTELE_SANITIZE=thread -DCLIENTELE_BUILD_BENCH=OFF
  cmake --build "$tsan_dir" --parallel "$(nproc)" --target "${tsan_tests[@]}"
  for test in "${tsan_tests[@]}"; do
    TSAN_OPTIONS=halt_on_error=1 "$tsan_dir/tests/$test"
  done
fi
