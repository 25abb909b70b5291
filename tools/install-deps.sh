#!/usr/bin/env bash
# Installs what building, running and testing metrics-accumulator needs, from Debian 12
# packages only. Idempotent and quick when everything is already there.
# Usage: tools/install-deps.sh [build|test|chart]   (default: test, which includes the others)
set -euo pipefail

mode="${1:-test}"

build_packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev          # Boost.Beast/Asio: the HTTP server (docs/decisions/0001)
  libyaml-cpp-dev       # configuration files
  zlib1g-dev            # gzip request and response bodies
  libprotobuf-dev protobuf-compiler  # protobuf-delimited pushes (client_golang's format)
  nlohmann-json3-dev    # JSON pushes (/api/v1/metrics)
  libre2-dev            # PromQL regex matchers in linear time (DELETE /api/v1/series)
  libssl-dev            # HTTPS (--tls-cert-file), via Asio's SSL stream
  libabsl-dev           # absl::btree_map: the store's per-family series index (docs/decisions/0011)
  libmimalloc-dev       # the server's malloc: no slowdown once millions of series are stored (docs/decisions/0013)
  libhiredis-dev        # RESP formatting and reply parsing for the Redis client (src/redis, docs/decisions/0018)
)
test_packages=(
  libgtest-dev libgmock-dev   # unit tests
  libbenchmark-dev            # micro-benchmarks (built and smoke-run in CI)
  python3 python3-pytest      # end-to-end tests against the real binary
  python3-prometheus-client   # ... with the real Python client (push_to_gateway & co.)
  python3-protobuf            # ... encoding protobuf pushes
  python3-urllib3             # ... the seed's Lambda snippet
  prometheus                  # ... a real Prometheus scraping the server
  clang-format                # format check
  clang libclang-rt-14-dev    # libFuzzer targets (fuzz/)
  curl                        # README examples
  openssl                     # self-signed certificates for the TLS tests
  unzip                       # helm and kubectl come zipped inside an npm package
  buildah podman runc mmdebstrap  # image build and run, kube play (deploy/test/run.sh)
  catatonit                   # the pause process podman kube play starts its pods with
  golang-go golang-github-prometheus-client-golang-dev  # the real client_golang pusher (e2e)
  prometheus-cpp-dev          # the real prometheus-cpp Gateway (e2e)
  chromium chromium-driver python3-selenium  # the console in a real, headless browser (e2e)
  redis-server                # real Redis servers the Redis client's tests start on 127.0.0.1
)

# tools/package-chart.sh: helm comes zipped inside an npm package.
chart_packages=(unzip)

packages=("${build_packages[@]}")
if [[ "$mode" == "chart" ]]; then
  packages=("${chart_packages[@]}")
  if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
fi
if [[ "$mode" == "test" ]]; then
  packages+=("${test_packages[@]}")
  # Chart render tests run on Node.js (node --test); Debian's serves where none is.
  if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
