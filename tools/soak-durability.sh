#!/usr/bin/env bash
# Crash soak (not part of .ci/run): kills the real binary with SIGKILL at random moments
# under concurrent pushes, MA_CRASH_CYCLES times (default 500, a few minutes), and checks
# after every restart that each acknowledged increment is there and nothing beyond what
# was sent. Uses the release build; traffic stays on 127.0.0.1.
#   bash tools/soak-durability.sh            # 500 cycles, a fresh random seed
#   MA_CRASH_CYCLES=2000 MA_CRASH_SEED=7 bash tools/soak-durability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target metrics-accumulator
export MA_CRASH_CYCLES=${MA_CRASH_CYCLES:-500}
export MA_CRASH_SEED=${MA_CRASH_SEED:-$RANDOM}
echo "crash soak: $MA_CRASH_CYCLES kill -9 cycles, seed $MA_CRASH_SEED"
MA_BINARY="$(pwd)/build/metrics-accumulator" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  "tests/e2e/test_durability.py::test_acknowledged_pushes_survive_kill9_cycles"
