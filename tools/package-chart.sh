#!/usr/bin/env bash
# Makes the Helm chart a Helm repository: a folder of chart archives and index.yaml
# that any static web server can serve (GitHub Pages, an S3 bucket, nginx), so that
#   helm repo add <name> <url> && helm install my-metrics-accumulator <name>/metrics-accumulator
# installs it. The README says how to publish the folder.
#   tools/package-chart.sh [--url URL] [OUT_DIR]      (OUT_DIR defaults to build/helm-repo)
# Without --url the index names the archives relative to itself, which Helm resolves
# against the repository's URL; --url writes absolute addresses (for archives hosted
# elsewhere). An index already in OUT_DIR is merged, so earlier versions stay listed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
url=""
out="$root/build/helm-repo"
while (($#)); do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done

bash "$root/tools/install-deps.sh" chart
# shellcheck source=deploy/test/helm-tools.sh
source "$root/deploy/test/helm-tools.sh"

mkdir -p "$out"
"$HELM" lint --strict "$root/deploy/helm/metrics-accumulator" >/dev/null
"$HELM" package "$root/deploy/helm/metrics-accumulator" --destination "$out"
index_args=("$out")
[[ -n "$url" ]] && index_args+=(--url "$url")
[[ -f "$out/index.yaml" ]] && index_args+=(--merge "$out/index.yaml")
"$HELM" repo index "${index_args[@]}"
echo "Helm repository in $out:"
ls -1 "$out"
