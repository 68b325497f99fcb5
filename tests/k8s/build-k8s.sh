#!/bin/bash
# Kubernetes server binaries built offline from Debian bookworm's own "kubernetes" source package
# (adapted from the kit in ../shared/k8s). Cached in $K8S_WORK: a second run returns at once.
set -euo pipefail
source "$(dirname "$0")/common.sh"
want=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
have=1; for b in "${want[@]}"; do [ -x "$K8S_BIN/$b" ] || have=0; done
if [ $have = 1 ]; then log "kubernetes $K8S_VERSION: cached in $K8S_BIN"; exit 0; fi
mkdir -p "$K8S_WORK"; cd "$K8S_WORK"
# A private apt config adding deb-src to the machine's own Debian sources (system apt untouched).
A=$K8S_WORK/apt; mkdir -p $A/lists/partial $A/cache/archives/partial $A/sources
sed 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources > $A/sources/debian.sources
printf 'Dir::Etc::SourceList "/dev/null";\nDir::Etc::SourceParts "%s/sources";\nDir::State::Lists "%s/lists";\nDir::Cache "%s/cache";\n' $A $A $A > $A/apt.conf
export APT_CONFIG=$A/apt.conf
log "kubernetes: apt-get source kubernetes=$K8S_DEB_VERSION"
apt-get update -q >/dev/null
apt-get source --download-only "kubernetes=$K8S_DEB_VERSION" >/dev/null 2>&1
rm -rf "$K8S_SRC.partial"; mkdir "$K8S_SRC.partial"
tar xzf kubernetes_1.20.5+really1.20.2.orig.tar.gz -C "$K8S_SRC.partial" --strip-components=1
rm -rf "$K8S_SRC"; mv "$K8S_SRC.partial" "$K8S_SRC"; cd "$K8S_SRC"
mkdir -p .go/src/k8s.io && ln -sfn ../../.. .go/src/k8s.io/kubernetes
export GOPATH=$PWD/.go CGO_ENABLED=0 GOPROXY=off GOFLAGS= GOCACHE=$K8S_WORK/gocache HOME=$K8S_WORK/home
log "kubernetes: building (about 7 min on 2 idle cores; cached afterwards)"
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet cmd/kube-proxy" >"$K8S_WORK/build-k8s.log" 2>&1 ||
  { tail -30 "$K8S_WORK/build-k8s.log"; exit 1; }
for b in "${want[@]}"; do [ -x "$K8S_BIN/$b" ]; done
log "kubernetes: built"
