#!/bin/bash
# Offline chart checks: helm lint --strict over several value sets, helm template of each
# validated against the Kubernetes schemas (kubernetes-models), and values the chart must refuse.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_npm_tools
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# name | --set arguments (one value set per line)
value_sets=(
  "default|"
  "small|erasure.k=2,erasure.m=1,nodes.replicas=3,nodes.persistence.size=1Gi"
  "big|erasure.k=8,erasure.m=4,nodes.replicas=24,gateway.replicas=4,nodes.podAntiAffinity=hard"
  "existing|credentials.existingSecret=my-shale-creds,gateway.pdb.enabled=false,nodes.pdb.enabled=false"
  "exposed|gateway.service.type=LoadBalancer,gateway.ingress.enabled=true,gateway.ingress.className=nginx,metrics.serviceMonitor.enabled=true"
  "keys|credentials.accessKey=AKIAEXAMPLE00001,credentials.secretKey=secret-secret-secret-42,nodes.persistence.storageClass=-"
  "tuned|config.chunk_size=1048576,config.storage.segment_size=67108864,config.repair.sweep_period_seconds=60,clusterId=prod-1"
)
for vs in "${value_sets[@]}"; do
  name=${vs%%|*}; sets=${vs#*|}
  args=(); [ -z "$sets" ] || args=(--set "$sets")
  log "lint + template: $name ${sets:-(defaults)}"
  "$H" lint --strict "$CHART" "${args[@]}" >"$out/lint.log" || { cat "$out/lint.log"; exit 1; }
  "$H" template rel "$CHART" -n objs "${args[@]}" >"$out/$name.yaml"
  # The rendered config must be strict JSON with one node per replica.
  sed -n '/^  cluster.json: |$/,/^---/p' "$out/$name.yaml" | sed '1d;/^---/d' >"$out/$name.json"
  replicas=$(awk '/^kind: StatefulSet/{s=1} s && /^  replicas:/{print $2; exit}' "$out/$name.yaml")
  test "$(jq '.nodes | length' "$out/$name.json")" = "$replicas"
done
node "$K8S_TOOLS/validate.mjs" "$out"/*.yaml >"$out/validate.log" || { cat "$out/validate.log"; exit 1; }
tail -1 "$out/validate.log"

# Values the chart must refuse, each with the message that explains why.
refuse() { # refuse EXPECTED_MESSAGE --set ...
  local want=$1; shift
  if "$H" template rel "$CHART" "$@" >"$out/refused.log" 2>&1; then
    echo "FAIL: helm template accepted $*"; exit 1
  fi
  grep -q -- "$want" "$out/refused.log" || { echo "FAIL: $* refused without '$want':"; cat "$out/refused.log"; exit 1; }
  log "refused as expected: $*"
}
refuse "Must be a multiple of 6" --set nodes.replicas=7
refuse "Must be a multiple of 5" --set erasure.k=3,nodes.replicas=12
refuse "Must be a multiple of 12" --set erasure.k=8,erasure.m=4,nodes.replicas=18
refuse "nodes.replicas" --set nodes.replicas=0
refuse "erasure.m" --set erasure.m=5,nodes.replicas=9
refuse "credentials.accessKey" --set credentials.accessKey=short
refuse "credentials.clusterSecret" --set credentials.clusterSecret=tooshort
refuse "gateway.service.type" --set gateway.service.type=Magic
log "lint OK"
