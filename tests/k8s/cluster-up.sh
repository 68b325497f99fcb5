#!/bin/bash
# Single-node Kubernetes 1.20.2 from Debian bookworm pieces (adapted from the kit in
# ../shared/k8s): etcd-server + kube-* built by build-k8s.sh + containerd/runc/CNI plugins.
# Differences from the kit: a fresh state directory per run, and cluster DNS: dnsmasq on the
# node's address answers for cluster.local from a hosts file that dns-feed.sh keeps in step with
# the pods and Services (CoreDNS is not in Debian); kubelet's clusterDNS points at it.
# Requires root (network namespaces, iptables, mounts). Images: IMAGE_TARS="a.tar b.tar".
set -euo pipefail
source "$(dirname "$0")/common.sh"
W=$CLUSTER; R=$RUN_DIR; BIN=$K8S_BIN
rm -rf "$W"; mkdir -p $R/pki $W/etcd $W/cni $W/kubelet $W/containerd
cd $W
# Started daemons must not inherit run.sh's lock (fd 9), or a leftover one would hold it.
start() { local name=$1; shift; "$@" > $W/$name.log 2>&1 9>&- & echo $! > $R/$name.pid; }

openssl genrsa -out $R/pki/sa.key 2048 2>/dev/null; openssl rsa -in $R/pki/sa.key -pubout -out $R/pki/sa.pub 2>/dev/null
echo "admin-token-123,admin,admin,system:masters" > $R/pki/tokens.csv
cat > $R/kubeconfig <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: admin-token-123}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
chmod 600 $R/kubeconfig
export KUBECONFIG=$R/kubeconfig

start etcd etcd --data-dir $W/etcd --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --log-level warn
start apiserver $BIN/kube-apiserver --etcd-servers=http://127.0.0.1:2379 --bind-address=127.0.0.1 --secure-port=6443 \
  --advertise-address=127.0.0.1 --cert-dir=$R/pki --token-auth-file=$R/pki/tokens.csv --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file=$R/pki/sa.pub \
  --service-account-signing-key-file=$R/pki/sa.key --service-cluster-ip-range=10.96.0.0/16 \
  --allow-privileged=true --kubelet-preferred-address-types=InternalIP
for i in $(seq 90); do kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done
kubectl get --raw /readyz >/dev/null
log "cluster: apiserver ready"
start kcm $BIN/kube-controller-manager --kubeconfig=$R/kubeconfig --service-account-private-key-file=$R/pki/sa.key \
  --root-ca-file=$R/pki/apiserver.crt --leader-elect=false --bind-address=127.0.0.1 --use-service-account-credentials=false
start sched $BIN/kube-scheduler --kubeconfig=$R/kubeconfig --leader-elect=false --bind-address=127.0.0.1

# This sandbox has no CAP_SYS_RESOURCE, so a negative oom_score_adj (pause sandbox: -998) is refused.
cat > $W/runc-wrap.sh <<'RW'
#!/bin/bash
bundle=""; for ((i=1;i<=$#;i++)); do j=$((i+1)); [ "${!i}" = "--bundle" ] && bundle="${!j}"; done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  jq 'if (.process.oomScoreAdj // 0) < 0 then .process.oomScoreAdj = 0 else . end' "$bundle/config.json" > "$bundle/config.json.tmp" && mv "$bundle/config.json.tmp" "$bundle/config.json"
fi
exec /usr/sbin/runc "$@"
RW
chmod +x $W/runc-wrap.sh
containerd config default | sed -e "s#^root = .*#root = \"$W/containerd/root\"#" -e "s#^state = .*#state = \"$W/containerd/state\"#" \
  -e "s#address = \"/run/containerd/containerd.sock\"#address = \"$W/containerd/containerd.sock\"#" \
  -e 's#sandbox_image = .*#sandbox_image = "localhost/pause:3.2"#' -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
  -e "s#conf_dir = \"/etc/cni/net.d\"#conf_dir = \"$W/cni\"#" -e "s#BinaryName = \"\"#BinaryName = \"$W/runc-wrap.sh\"#" > $W/containerd.toml
cat > $W/cni/10-bridge.conflist <<'CNI'
{"cniVersion": "0.4.0", "name": "k8s-pod-network", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "CLUSTER_DIR/cni-ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
CNI
sed -i "s#CLUSTER_DIR#$W#" $W/cni/10-bridge.conflist
start containerd containerd --config $W/containerd.toml
for i in $(seq 30); do [ -S $W/containerd/containerd.sock ] && break; sleep 1; done
for t in ${IMAGE_TARS:-}; do ctr -a $W/containerd/containerd.sock -n k8s.io images import "$t" >/dev/null; done
NODE_IP=$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for(i=1;i<=NF;i++) if($i=="src") print $(i+1)}')
echo "$NODE_IP" > $R/node-ip

# Cluster DNS: dnsmasq on the node's address, authoritative for cluster.local, fed by dns-feed.sh.
: > $R/cluster-hosts
start dnsmasq dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=$NODE_IP \
  --port=53 --addn-hosts=$R/cluster-hosts --local=/cluster.local/ --domain-needed --local-ttl=1 \
  --pid-file= --user=root --log-facility=-
start dnsfeed "$K8S_DIR/dns-feed.sh" $R/cluster-hosts $R/dnsmasq.pid

cat > $W/kubelet-config.yaml <<KCFG
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
address: $NODE_IP
readOnlyPort: 0
resolvConf: /etc/resolv.conf
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
enforceNodeAllocatable: []
KCFG
start kubelet $BIN/kubelet --kubeconfig=$R/kubeconfig --config=$W/kubelet-config.yaml --container-runtime=remote \
  --container-runtime-endpoint=unix://$W/containerd/containerd.sock --root-dir=$W/kubelet --hostname-override=node1 --node-ip=$NODE_IP
start proxy $BIN/kube-proxy --kubeconfig=$R/kubeconfig --proxy-mode=iptables --cluster-cidr=10.244.0.0/16 --hostname-override=node1 \
  --conntrack-max-per-core=0 --bind-address=127.0.0.1 --metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256
for i in $(seq 90); do kubectl get node node1 >/dev/null 2>&1 && break; sleep 1; done
kubectl wait --for=condition=Ready node/node1 --timeout=120s >/dev/null
log "cluster: node1 Ready (DNS at $NODE_IP)"
