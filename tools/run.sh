#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds a release binary and runs it.
# Without flags it serves the embedded default config on 0.0.0.0:8080; any flags are
# passed on (e.g. tools/run.sh --config-file=metrics-accumulator.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMA_BUILD_TESTS=OFF -DMA_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target metrics-accumulator
exec ./build/metrics-accumulator "$@"
