#!/usr/bin/env bash
# A Shale cluster of shale-node processes on loopback with a shale-gateway in front (the S3
# endpoint), for trying the distributed mode on one machine (not for production: one disk, no
# supervision).
#
#   tools/local-cluster.sh start N [--k K --m M]   write a config, start N nodes and the gateway
#   tools/local-cluster.sh stop                    SIGTERM the gateway and every node (graceful)
#   tools/local-cluster.sh kill-node I             SIGKILL node I
#   tools/local-cluster.sh start-node I            start node I again
#   tools/local-cluster.sh wipe-node I             delete node I's data (node must be stopped)
#   tools/local-cluster.sh start-gateway           start the gateway again
#   tools/local-cluster.sh stop-gateway            SIGTERM the gateway
#   tools/local-cluster.sh status                  what runs, and its /health
#
# Environment: SHALE_LOCAL_DIR (state, default /tmp/shale-local-cluster), SHALE_BUILD_DIR
# (where shale-node and shale-gateway were built, default ./build), SHALE_BASE_PORT (node i
# listens on base+i, default 19100), SHALE_GATEWAY_PORT (the S3 endpoint, default base-100).
# Without a built shale-gateway the nodes start alone and no S3 endpoint is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${SHALE_LOCAL_DIR:-/tmp/shale-local-cluster}
build=${SHALE_BUILD_DIR:-$PWD/build}
base_port=${SHALE_BASE_PORT:-19100}
gateway_port=${SHALE_GATEWAY_PORT:-$((base_port - 100))}
node_bin=$build/storage/shale-node
gateway_bin=$build/gateway/shale-gateway
config=$dir/cluster.json

die() { echo "local-cluster: $*" >&2; exit 1; }
usage() { sed -n '6,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
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

gateway_pid() { cat "$dir/gateway.pid" 2>/dev/null || true; }
gateway_running() { local p; p=$(gateway_pid); [[ -n "$p" ]] && alive "$p"; }
health() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health" || true; }

start_gateway() {
  local log=$dir/gateway.log
  gateway_running && die "the gateway already runs (pid $(gateway_pid))"
  [[ -x $gateway_bin ]] || die "$gateway_bin not found: build it first (cmake --build build --target shale-gateway)"
  nohup "$gateway_bin" --config "$config" --listen "127.0.0.1:$gateway_port" >> "$log" 2>&1 &
  echo $! > "$dir/gateway.pid"
  for _ in $(seq 300); do
    if [[ $(health "$gateway_port") == 200 ]]; then
      echo "gateway ready: S3 endpoint http://127.0.0.1:$gateway_port (pid $(gateway_pid), log $log)"
      return 0
    fi
    gateway_running || { tail -n 5 "$log" >&2; die "the gateway exited"; }
    sleep 0.1
  done
  die "the gateway is not ready after 30 s (see $log)"
}

stop_gateway() {
  local p; p=$(gateway_pid)
  if gateway_running; then
    kill -s TERM "$p"
    while alive "$p"; do sleep 0.05; done
    echo "gateway stopped"
  fi
  rm -f "$dir/gateway.pid"
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
    gateway_running && die "a gateway runs in $dir: stop it first"
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
  if [[ -x $gateway_bin ]]; then
    start_gateway
    echo "S3 endpoint: http://127.0.0.1:$gateway_port"
  else
    echo "S3 endpoint: none ($gateway_bin is not built); nodes answer on the ports above"
  fi
  echo "credentials: access key $access, secret key $secret"
}

cmd_stop() {
  local n; n=$(node_count)
  stop_gateway
  for ((i = 0; i < n; i++)); do stop_node "$i"; done
}

cmd_status() {
  local n code; n=$(node_count)
  for ((i = 0; i < n; i++)); do
    if running "$i"; then
      code=$(health $((base_port + i)))
      echo "n$i running (pid $(pid_of "$i")), /health $code"
    else
      echo "n$i stopped"
    fi
  done
  if gateway_running; then
    echo "gateway running (pid $(gateway_pid)) on 127.0.0.1:$gateway_port, /health $(health "$gateway_port")"
  else
    echo "gateway stopped"
  fi
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case "$cmd" in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  start-gateway) [[ $# -eq 0 ]] || usage; node_count > /dev/null; start_gateway ;;
  stop-gateway) [[ $# -eq 0 ]] || usage; node_count > /dev/null; stop_gateway ;;
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
