#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this). Installs what it needs,
# then: format check, layering check, release build with unit + end-to-end tests, the
# Helm chart's lint and render tests and the container image's build/run/kube-play
# checks, an ASan+UBSan build with the same tests, a TSan build with the
# concurrency-relevant tests, a short run of every libFuzzer target, and a smoke run
# of the micro-benchmarks.
# Set MA_TEST_QUICK=1 to skip the sanitizer builds while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
bash tools/install-deps.sh test

# Each stage's name, and the time the one before it took.
stage_start=$SECONDS
step() {
  local now=$SECONDS
  if [[ -n "${stage_name:-}" ]]; then printf '(%s: %d s)\n' "$stage_name" $((now - stage_start)); fi
  stage_name="$*"
  stage_start=$now
  printf '\n==== %s ====\n' "$*"
}

step "format (clang-format --dry-run)"
mapfile -t sources < <(git ls-files '*.cc' '*.h')
clang-format --dry-run -Werror "${sources[@]}"

step "module layering"
bash tools/check_layering.sh

configure() {  # configure <dir> <build type> [extra cmake args]
  local dir=$1 type=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DMA_WERROR=ON "$@" >/dev/null
}

step "release build"
configure build Release
cmake --build build -j"$jobs"

step "unit tests (release)"
ctest --test-dir build -L unit --output-on-failure -j"$jobs"

step "end-to-end tests (release)"
MA_BINARY="$root/build/metrics-accumulator" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e

step "clang-tidy over every source file (.clang-tidy, warnings as errors)"
git ls-files 'src/*.cc' 'bench/*.cc' 'fuzz/*.cc' |
  xargs -P "$jobs" -n 4 clang-tidy -p build --quiet --extra-arg=-Wno-unknown-warning-option \
    >"$root/build/clang-tidy.log" 2>&1 || { grep -E 'warning:|error:' -A3 "$root/build/clang-tidy.log"; exit 1; }
echo "clang-tidy clean"

step "Helm chart and container image (deploy/test/run.sh)"
bash deploy/test/run.sh

step "micro-benchmark smoke run"
./build/bench/ma_bench --benchmark_min_time=0.01 --benchmark_filter='/(10|100)$' >/dev/null
./build/bench/ma_bench --benchmark_min_time=0.01 \
  --benchmark_filter='BM_StreamScrape/10000$|BM_HeapPerSeries/10000/' >/dev/null
./build/bench/ma_bench --benchmark_min_time=0.01 --benchmark_filter='BM_Push/[0-3]/real_time$' \
  >/dev/null
echo "benchmarks ran"

step "fuzz smoke run (libFuzzer, ${MA_FUZZ_SECONDS:-10} s per target)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMA_FUZZ=ON -DMA_BUILD_TESTS=OFF -DMA_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzzers
fuzz_work=$(mktemp -d)
for fuzzer in build-fuzz/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer")
  mkdir -p "$fuzz_work/$name"
  # New inputs go to a scratch copy; the committed corpus only grows by hand.
  "$fuzzer" -max_len=65536 -max_total_time="${MA_FUZZ_SECONDS:-10}" -print_final_stats=1 \
    -artifact_prefix="$fuzz_work/" "$fuzz_work/$name" "fuzz/corpus/$name" 2>"$fuzz_work/$name.log" ||
    { tail -n 40 "$fuzz_work/$name.log"; exit 1; }
  echo "$name: $(grep -o 'number_of_executed_units: [0-9]*' "$fuzz_work/$name.log") inputs, no crash"
done
rm -rf "$fuzz_work"

if [[ "${MA_TEST_QUICK:-0}" != "1" ]]; then
  step "ASan+UBSan build"
  configure build-asan RelWithDebInfo -DMA_SANITIZE=address,undefined -DMA_BUILD_BENCH=OFF
  cmake --build build-asan -j"$jobs"
  step "unit tests (ASan+UBSan)"
  ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs"
  step "end-to-end tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    MA_BINARY="$root/build-asan/metrics-accumulator" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e

  # clang, so this leg also checks the lock annotations (-Wthread-safety, as errors).
  step "TSan build (clang, -Wthread-safety -Werror)"
  CC=clang CXX=clang++ configure build-tsan RelWithDebInfo -DMA_SANITIZE=thread -DMA_BUILD_BENCH=OFF
  cmake --build build-tsan -j"$jobs" --target ma_store_test ma_persist_test ma_http_test ma_shared_test \
    metrics-accumulator
  step "store, persistence, HTTP and shared-state unit tests (TSan)"
  TSAN_OPTIONS=halt_on_error=1 ./build-tsan/src/store/ma_store_test
  TSAN_OPTIONS=halt_on_error=1 ./build-tsan/src/persist/ma_persist_test
  TSAN_OPTIONS=halt_on_error=1 ./build-tsan/src/http/ma_http_test
  TSAN_OPTIONS=halt_on_error=1 ./build-tsan/src/shared/ma_shared_test
  step "end-to-end tests (TSan)"
  TSAN_OPTIONS=halt_on_error=1 MA_BINARY="$root/build-tsan/metrics-accumulator" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
fi
step "all tests passed"
echo "total: $SECONDS s"
