#!/bin/bash
# Stops what cluster-up.sh started (by recorded PID), pods first so no container outlives containerd.
source "$(dirname "$0")/common.sh"
W=$CLUSTER; R=$RUN_DIR; BIN=$K8S_BIN
[ -d "$R" ] || exit 0
export KUBECONFIG=$R/kubeconfig
kubectl delete pods --all -A --grace-period=1 --timeout=60s >/dev/null 2>&1 || true
stop() { # SIGTERM, wait up to 20 s, then SIGKILL; only the PID recorded by cluster-up.sh
  local f=$R/$1.pid; [ -f $f ] || return 0; local pid; pid=$(cat $f)
  kill $pid 2>/dev/null; for i in $(seq 20); do kill -0 $pid 2>/dev/null || break; sleep 1; done
  kill -0 $pid 2>/dev/null && kill -9 $pid 2>/dev/null; rm -f $f; }
for p in dnsfeed dnsmasq proxy kubelet sched kcm apiserver etcd; do stop $p; done
ctr -a $W/containerd/containerd.sock -n k8s.io tasks ls -q 2>/dev/null | xargs -r -n1 ctr -a $W/containerd/containerd.sock -n k8s.io tasks kill -s KILL 2>/dev/null
stop containerd
# Shims of this cluster's containerd (found by its socket path) that outlived their tasks.
for pid in $(pgrep -f -- "-address $W/containerd/containerd.sock" || true); do kill "$pid" 2>/dev/null || true; done
$BIN/kube-proxy --cleanup >/dev/null 2>&1 || true
grep " $W/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount 2>/dev/null || true
log "cluster: down"
