#!/usr/bin/env bash
# Fuzzes the expression language, the ruleset loader and request validation
# with libFuzzer (clang 14 from Debian) under AddressSanitizer and
# UndefinedBehaviorSanitizer, each for FUZZ_SECONDS (default 180), starting
# from the seed corpus in tests/fuzz/corpus/. Exits 1 when a target found a
# crash, a leak, undefined behaviour or a hang; the input that did it is in
# ${BUILD_DIR}/artifacts/ (replay it: ${BUILD_DIR}/tests/fuzz/NAME_fuzzer FILE).
#   scripts/fuzz.sh [expression ruleset request]
# MERGE=1 adds the new inputs that reach new code to tests/fuzz/corpus/.
# The regular test command replays the corpus once (tests fuzz_corpus_*).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if ! dpkg-query -W -f='${Status}' clang-14 libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev
fi

build=${BUILD_DIR:-build-fuzz}
targets=("$@")
((${#targets[@]})) || targets=(expression ruleset request)
CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLIENTELE_FUZZ=ON -DCLIENTELE_SANITIZE=address -DCLIENTELE_BUILD_BENCH=OFF > /dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/%/_fuzzer}"

mkdir -p "$build/artifacts"
failed=()
for target in "${targets[@]}"; do
  work="$build/corpus/$target"
  mkdir -p "$work"
  echo "== $target: ${FUZZ_SECONDS:-180} s from $(ls tests/fuzz/corpus/$target | wc -l) seeds"
  # New inputs go to $work; the seeds are read, not changed.
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/fuzz/${target}_fuzzer" "$work" "tests/fuzz/corpus/$target" \
      -max_total_time="${FUZZ_SECONDS:-180}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/${target}-" 2> "$build/$target.log"; then
    grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$build/$target.log" || true
    if [[ "${MERGE:-0}" == 1 ]]; then
      "$build/tests/fuzz/${target}_fuzzer" -merge=1 "tests/fuzz/corpus/$target" "$work" \
        2>> "$build/$target.log"
    fi
  else
    failed+=("$target")
    tail -40 "$build/$target.log"
  fi
done
if ((${#failed[@]})); then
  echo "found problems in: ${failed[*]} (inputs in $build/artifacts/, logs in $build/*.log)"
  exit 1
fi
echo "no crash, leak, undefined behaviour or hang in ${targets[*]}"
