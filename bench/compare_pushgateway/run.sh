#!/usr/bin/env bash
# Side-by-side benchmark against Debian's prometheus-pushgateway (not part of .ci/run:
# it takes several minutes). Installs wrk, curl and the Pushgateway, builds the release binary,
# runs compare.py on 127.0.0.1 only, and with --write-docs records the table in
# docs/performance.md.
#   bash bench/compare_pushgateway/run.sh --write-docs
#   bash bench/compare_pushgateway/run.sh --seconds 3 --max-series 200000   # quicker
#   bash bench/compare_pushgateway/run.sh --shares-only --rounds 5   # push / our GET only
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/install-deps.sh build
missing=()
for p in wrk prometheus-pushgateway curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target metrics-accumulator
exec /usr/bin/python3 bench/compare_pushgateway/compare.py "$@"
