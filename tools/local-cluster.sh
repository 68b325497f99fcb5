#!/usr/bin/env bash
# A Shale cluster of shale-node processes on loopback, for trying the distributed mode on one
# machine (not for production: one disk, no supervision).
#
#   tools/local-cluster.sh start N [--k K --m M]   write a config, start N nodes, print them
#   tools/local-cluster.sh stop                    SIGTERM every node (graceful)
#   tools/local-cluster.sh kill-node I             SIGKILL node I
#   tools/local-cluster.sh start-node I            start node I again
#   tools/local-cluster.sh wipe-node I             delete node I's data (node must be stopped)
#   tools/local-cluster.sh status                  which nodes run, and their /health
#
# Environment: SHALE_LOCAL_DIR (state, default /tmp/shale-local-cluster), SHALE_BUILD_DIR
# (where shale-node was built, default ./build), SHALE_BASE_PORT (node i listens on
# base+i, default 19100). The gateway is not started yet: it does not exist.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${SHALE_LOCAL_DIR:-/tmp/shale-local-cluster}
build=${SHALE_BUILD_DIR:-$PWD/build}
base_port=${SHALE_BASE_PORT:-19100}
node_bin=$build/storage/shale-node
config=$dir/cluster.json

die() { echo "local-cluster: $*" >&2; exit 1; }
usage() { sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
node_count() { cat "$dir/nodes" 2>/dev/null || die "no cluster in $dir (run start first)"; }
pid_of() { cat "$dir/n$1.pid" 2>/dev/null || true; }
# Alive and not a zombie (an exited node is reaped by whoever adopted it, maybe late).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $st && $st != Z* ]]; }
running() { local p; p=$(pid_of "$1"); [[ -n "$p" ]] && alive "$p"; }
rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

start_node() {
  local i=$1 log=$dir/n$1.log
  running "$i" && die "node n$i already runs (pid $(pid_of "$i"))"
  [[ -x $node_bin ]] || die "$node_bin not found: build it first (cmake --build build --target shale-node)"
  local lines=0
  [[ -f $log ]] && lines=$(wc -l < "$log")
  nohup "$node_bin" --config "$config" --node-id "n$i" >> "$log" 2>&1 &
  echo $! > "$dir/n$i.pid"
  for _ in $(seq 300); do
    if tail -n +"$((lines + 1))" "$log" | grep -q 'msg=ready'; then
      echo "n$i ready on 127.0.0.1:$((base_port + i)) (pid $(pid_of "$i"), log $log)"
      return 0
    fi
    running "$i" || { tail -n 5 "$log" >&2; die "node n$i exited"; }
    sleep 0.1
  done
  die "node n$i not ready after 30 s (see $log)"
}

stop_node() {
  local i=$1 sig=${2:-TERM} p
  p=$(pid_of "$i")
  if running "$i"; then
    kill -s "$sig" "$p"
    while alive "$p"; do sleep 0.05; done
    echo "n$i stopped (SIG$sig)"
  fi
  rm -f "$dir/n$i.pid"
}

check_index() {
  local n; n=$(node_count)
  [[ "$1" =~ ^[0-9]+$ && "$1" -lt "$n" ]] || die "node index must be 0..$((n - 1))"
}

cmd_start() {
  [[ $# -ge 1 && "$1" =~ ^[0-9]+$ && "$1" -ge 1 ]] || usage
  local n=$1 k="" m=""
  shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --k) k=$2; shift 2 ;;
      --m) m=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  if [[ -z $k ]]; then
    if (( n % 6 == 0 )); then k=4; m=${m:-2}; else k=$n; m=${m:-0}; fi
  fi
  m=${m:-0}
  if [[ -f $dir/nodes ]]; then
    for ((i = 0; i < $(node_count); i++)); do running "$i" && die "a cluster runs in $dir: stop it first"; done
  fi
  mkdir -p "$dir"
  echo "$n" > "$dir/nodes"
  local nodes="" access secret
  for ((i = 0; i < n; i++)); do
    [[ -n $nodes ]] && nodes+=","
    nodes+="{\"id\":\"n$i\",\"address\":\"127.0.0.1:$((base_port + i))\",\"data_dir\":\"$dir/data-n$i\"}"
  done
  access=LOCAL$(rand_hex 8 | tr a-f A-F)
  secret=$(rand_hex 20)
  cat > "$config" <<JSON
{
  "cluster_id": "local",
  "nodes": [$nodes],
  "erasure": {"k": $k, "m": $m},
  "cluster_secret": "$(rand_hex 32)",
  "users": [{"name": "admin", "access_key": "$access", "secret_key": "$secret", "admin": true}]
}
JSON
  echo "config: $config (k=$k m=$m)"
  for ((i = 0; i < n; i++)); do start_node "$i"; done
  echo "S3 endpoint: none yet (the gateway is not built); nodes answer on the ports above"
  echo "credentials: access key $access, secret key $secret"
}

cmd_stop() {
  local n; n=$(node_count)
  for ((i = 0; i < n; i++)); do stop_node "$i"; done
}

cmd_status() {
  local n code; n=$(node_count)
  for ((i = 0; i < n; i++)); do
    if running "$i"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((base_port + i))/health" || true)
      echo "n$i running (pid $(pid_of "$i")), /health $code"
    else
      echo "n$i stopped"
    fi
  done
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case "$cmd" in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill-node) [[ $# -eq 1 ]] || usage; check_index "$1"; stop_node "$1" KILL ;;
  start-node) [[ $# -eq 1 ]] || usage; check_index "$1"; start_node "$1" ;;
  wipe-node)
    [[ $# -eq 1 ]] || usage
    check_index "$1"
    running "$1" && die "stop node n$1 first (kill-node $1)"
    rm -rf "$dir/data-n$1"
    echo "n$1 wiped"
    ;;
  *) usage ;;
esac
