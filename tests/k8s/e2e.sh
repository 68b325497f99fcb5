#!/bin/bash
# The real-cluster end-to-end test of the chart, on the cluster cluster-up.sh started:
#   server-side dry run; install; every pod Ready; helm test; aws-cli round trip through the
#   gateway Service; delete a node pod -> objects stay readable, the pod returns with its volume
#   and repair catches it up; helm upgrade to 3 gateways (credentials kept); uninstall.
# E2E_REPAIR=0 skips the repair check (for trees without the repair coordinator).
set -euo pipefail
source "$(dirname "$0")/common.sh"
export KUBECONFIG=$RUN_DIR/kubeconfig
NS=shale-e2e; REL=e2e; FULL=$REL-shale; STS=$FULL-node; GW=$FULL-gateway
E2E_REPAIR=${E2E_REPAIR:-1}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
k() { kubectl -n $NS "$@"; }
fail() { echo "E2E FAIL: $*"; k get pods,pvc -o wide || true; exit 1; }
# Values of a small cluster on one machine: 6 nodes of 4+2, 1Gi volumes, tiny requests, and a
# repair sweep every few seconds so a returning node is caught up within the test.
cat > $work/values.yaml <<'V'
image: {repository: localhost/shale, tag: e2e, pullPolicy: Never}
nodes:
  persistence: {size: 1Gi}
  resources: {requests: {cpu: 10m, memory: 32Mi}}
  terminationGracePeriodSeconds: 20
gateway:
  resources: {requests: {cpu: 10m, memory: 32Mi}}
config:
  storage: {segment_size: 67108864, lmdb_map_size: 67108864}
  repair: {sweep_period_seconds: 5, coordinator_check_seconds: 1}
V

log "e2e: namespace $NS, 6 hostPath PersistentVolumes owned by the image's uid 10001"
kubectl create namespace $NS >/dev/null
for i in 0 1 2 3 4 5; do
  d=$CLUSTER/pv/$i; mkdir -p $d; chown 10001:10001 $d
  printf 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: e2e-pv-%s}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath: {path: %s, type: Directory}\n---\n' $i $d
done | kubectl apply -f - >/dev/null

log "e2e: server-side dry run of the rendered chart (live Capabilities)"
"$H" template $REL "$CHART" -n $NS -f $work/values.yaml --validate --skip-tests > $work/live.yaml
kubectl apply --dry-run=server --validate=true -n $NS -f $work/live.yaml >/dev/null

log "e2e: helm install"
t0=$(date +%s)
"$H" install $REL "$CHART" -n $NS -f $work/values.yaml --wait --timeout 300s >$work/notes.txt ||
  { k describe pods | tail -60; k logs -l app.kubernetes.io/component=node --tail=20 || true; fail "helm install"; }
log "e2e: installed and Ready in $(( $(date +%s) - t0 ))s"
grep -q "aws --endpoint-url" $work/notes.txt || fail "NOTES without aws-cli commands"
notready=$(k get pods -o json | jq -r '.items[] | select(any(.status.conditions[]?; .type=="Ready" and .status=="True") | not) | .metadata.name')
[ -z "$notready" ] || fail "pods not Ready: $notready"
test "$(k get pods -l app.kubernetes.io/component=node --no-headers | wc -l)" = 6 || fail "expected 6 node pods"

log "e2e: helm test (S3 round trip from inside the cluster, by the gateway Service's DNS name)"
"$H" test $REL -n $NS --logs --timeout 180s >$work/test.log 2>&1 || { cat $work/test.log; fail "helm test"; }
awk '/Phase:|put first|^get /' $work/test.log

# aws-cli through the gateway Service, with the commands and credentials NOTES.txt prints.
export AWS_ACCESS_KEY_ID=$(k get secret $FULL-credentials -o jsonpath='{.data.access-key}' | base64 -d)
export AWS_SECRET_ACCESS_KEY=$(k get secret $FULL-credentials -o jsonpath='{.data.secret-key}' | base64 -d)
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
S3=http://$(k get svc $GW -o jsonpath='{.spec.clusterIP}'):9000
aws_s3() { aws --endpoint-url $S3 --cli-read-timeout 30 --cli-connect-timeout 10 s3 "$@"; }
put_objects() { # put_objects PREFIX: one inline (64 KiB) and two erasure-coded (1 and 3 MiB) objects
  for size in 64 1024 3072; do
    head -c $((size * 1024)) /dev/urandom > $work/$1-$size
    aws_s3 cp --quiet $work/$1-$size s3://e2e/$1/$size || fail "put $1/$size"
  done
}
check_objects() { # check_objects PREFIX: every byte reads back
  for size in 64 1024 3072; do
    aws_s3 cp --quiet s3://e2e/$1/$size $work/got || return 1
    cmp -s $work/got $work/$1-$size || return 1
  done
}
log "e2e: aws-cli round trip through Service $GW ($S3)"
aws_s3 mb s3://e2e >/dev/null || fail "mb"
put_objects before
check_objects before || fail "read back"
listing=$(aws_s3 ls s3://e2e/before/) || fail "ls"
grep -q 3145728 <<<"$listing" || fail "ls: $listing"

# Lose a node: cordoning the only machine keeps the deleted pod Pending until we uncordon.
log "e2e: delete pod $STS-0 (kept down), objects must stay readable and writable"
pvc_uid=$(k get pvc data-$STS-0 -o jsonpath='{.metadata.uid}')
kubectl cordon node1 >/dev/null
k delete pod $STS-0 --wait --timeout 60s >/dev/null
test "$(k get pod $STS-0 -o jsonpath='{.status.phase}' 2>/dev/null)" != Running || fail "pod not down"
check_objects before || fail "objects unreadable with one node down"
put_objects during
check_objects during || fail "objects written with one node down unreadable"
kubectl uncordon node1 >/dev/null
k wait --for=condition=Ready pod/$STS-0 --timeout 180s >/dev/null || fail "node pod did not return"
returned=$(date -u +%Y-%m-%dT%H:%M:%SZ)
test "$(k get pod $STS-0 -o jsonpath='{.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}')" = data-$STS-0
test "$(k get pvc data-$STS-0 -o jsonpath='{.metadata.uid}')" = "$pvc_uid" || fail "volume replaced"
log "e2e: $STS-0 returned with its volume (claim data-$STS-0, uid $pvc_uid)"

if [ "$E2E_REPAIR" = 1 ]; then
  # Caught up: objects written while node 0 was down had no shard on it. Once repair has
  # rebuilt those shards, the set still reads them with nodes 4 and 5 (m=2) down too; without
  # repair only 3 < k=4 shards would be left.
  log "e2e: repair must catch $STS-0 up (checked by taking nodes 4 and 5 down)"
  check_objects during || fail "reads after return"   # also hints the gateway's read repair
  # Only a hint of when to look (the check below is the proof): wait up to 2 min for a sweep,
  # started after the return, that reports versions and nothing degraded.
  for i in $(seq 60); do
    k logs -l app.kubernetes.io/component=node --since-time=$returned --tail=-1 2>/dev/null |
      grep 'sweep completed' | grep -v 'versions=0 ' | grep -q 'degraded=0' && break
    sleep 2
  done
  ok=0
  for attempt in 1 2 3; do
    kubectl cordon node1 >/dev/null
    k delete pod $STS-4 $STS-5 --wait --timeout 60s >/dev/null
    if check_objects during && check_objects before; then ok=1; fi
    kubectl uncordon node1 >/dev/null
    k wait --for=condition=Ready pod/$STS-4 pod/$STS-5 --timeout 180s >/dev/null || fail "nodes 4, 5 did not return"
    [ $ok = 1 ] && break
    log "e2e: not caught up yet (attempt $attempt)"
    sleep 10
  done
  [ $ok = 1 ] || fail "repair did not catch $STS-0 up"
  log "e2e: $STS-0 caught up by repair"
else
  log "e2e: SKIP repair check (E2E_REPAIR=0)"
fi

log "e2e: helm upgrade to 3 gateways"
key_before=$AWS_ACCESS_KEY_ID
"$H" upgrade $REL "$CHART" -n $NS --reuse-values --set gateway.replicas=3 --wait --timeout 180s >/dev/null || fail "upgrade"
test "$(k get deploy $GW -o jsonpath='{.status.readyReplicas}')" = 3 || fail "not 3 gateways"
test "$(k get secret $FULL-credentials -o jsonpath='{.data.access-key}' | base64 -d)" = "$key_before" || fail "credentials changed on upgrade"
check_objects before || fail "read after upgrade"
log "e2e: 3 gateways Ready, credentials kept"

log "e2e: helm uninstall"
"$H" uninstall $REL -n $NS --wait --timeout 120s >/dev/null
k delete pod $FULL-test-s3 --ignore-not-found >/dev/null     # the test hook's pod outlives the release
for i in $(seq 150); do [ -z "$(k get pods --no-headers 2>/dev/null)" ] && break; sleep 1; done
[ -z "$(k get pods --no-headers 2>/dev/null)" ] || fail "pods left after uninstall"
k delete pvc --all --wait >/dev/null    # StatefulSet volumes outlive the release on purpose
kubectl delete namespace $NS --wait=false >/dev/null
log "E2E OK"
