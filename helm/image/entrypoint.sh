#!/bin/sh
# Container entrypoint. Subcommands:
#   node [FLAGS...]     shale-node with --node-id from the pod's hostname (StatefulSet ordinal
#                       names: <release>-shale-node-<i>, the same ids the chart's config lists).
#   gateway [FLAGS...]  shale-gateway; if SHALE_ACCESS_KEY and SHALE_SECRET_KEY are set, they
#                       become the admin user in a users file passed with --users.
#   anything else       exec'd as is (shale, shale-node, shale-gateway, sh ...).
# SHALE_CONFIG (default /etc/shale/cluster.json) names the cluster config for node and gateway.
set -eu
config=${SHALE_CONFIG:-/etc/shale/cluster.json}

# JSON string body of $1 (printable ASCII: only backslash and double quote need escaping).
json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

case "${1:-}" in
  node)
    shift
    # The data directory lives below the volume's mount point (which may hold lost+found).
    [ -z "${SHALE_DATA_DIR:-}" ] || mkdir -p "$SHALE_DATA_DIR"
    exec shale-node --config "$config" --node-id "${SHALE_NODE_ID:-$(cat /proc/sys/kernel/hostname)}" "$@"
    ;;
  gateway)
    shift
    if [ -n "${SHALE_ACCESS_KEY:-}" ] || [ -n "${SHALE_SECRET_KEY:-}" ]; then
      if [ -z "${SHALE_ACCESS_KEY:-}" ] || [ -z "${SHALE_SECRET_KEY:-}" ]; then
        echo "shale-entrypoint: set both SHALE_ACCESS_KEY and SHALE_SECRET_KEY, or neither" >&2
        exit 2
      fi
      users=${SHALE_USERS_FILE:-/tmp/shale-users.json}
      umask 077
      printf '{"users": [{"name": "admin", "access_key": "%s", "secret_key": "%s", "admin": true}]}\n' \
        "$(json_escape "$SHALE_ACCESS_KEY")" "$(json_escape "$SHALE_SECRET_KEY")" > "$users"
      set -- --users "$users" "$@"
    fi
    exec shale-gateway --config "$config" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
