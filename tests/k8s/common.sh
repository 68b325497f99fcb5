# Shared settings of the tests/k8s scripts (sourced, not run).
# K8S_WORK holds the Kubernetes build, the npm tools, images and cluster state; the default
# survives between runs on one machine, so the ~7 min Kubernetes build happens once.
K8S_WORK=${K8S_WORK:-/var/tmp/shale-k8s}
K8S_VERSION=1.20.2
K8S_DEB_VERSION=1.20.5+really1.20.2-1.1+deb12u1
K8S_SRC=$K8S_WORK/kubernetes-$K8S_VERSION
K8S_BIN=$K8S_SRC/_output/bin
K8S_TOOLS=$K8S_WORK/tools                 # npm packages: helm, kubernetes-models, yaml
CLUSTER=$K8S_WORK/cluster                 # cluster state, recreated by every e2e run
RUN_DIR=$CLUSTER/run
H=$K8S_TOOLS/node_modules/.bin/helm
export HELM_CACHE_HOME=$K8S_TOOLS/.helm/cache HELM_CONFIG_HOME=$K8S_TOOLS/.helm/config \
  HELM_DATA_HOME=$K8S_TOOLS/.helm/data
K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$K8S_DIR/../.." && pwd)
CHART=$REPO/helm/shale
# podman here: no CAP_SYS_RESOURCE (hard nofile limit), and crun refuses the hybrid cgroup layout.
PODMAN_FLAGS=(--runtime runc --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
log() { echo "[k8s $(date -u +%H:%M:%S)] $*"; }

# npm tools (helm 3.10.1, kubernetes-models) from the lock file; reinstalled only when it changes.
ensure_npm_tools() {
  mkdir -p "$K8S_TOOLS"
  if ! cmp -s "$K8S_DIR/package-lock.json" "$K8S_TOOLS/package-lock.json" || [ ! -x "$H" ]; then
    cp "$K8S_DIR/package.json" "$K8S_DIR/package-lock.json" "$K8S_TOOLS/"
    (cd "$K8S_TOOLS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  cp "$K8S_DIR/validate.mjs" "$K8S_TOOLS/"
}
