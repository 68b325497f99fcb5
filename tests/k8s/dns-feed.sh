#!/bin/bash
# Keeps a dnsmasq hosts file in step with the cluster, as CoreDNS would answer:
#   <service>.<namespace>.svc.cluster.local          -> the Service's cluster IP
#   <hostname>.<subdomain>.<namespace>.svc.cluster.local -> the pod's IP (StatefulSet pods)
# and sends dnsmasq SIGHUP when it changes. Usage: dns-feed.sh HOSTS_FILE DNSMASQ_PID_FILE
set -uo pipefail
hosts=$1; pidfile=$2
while true; do
  {
    kubectl get svc -A -o json | jq -r '.items[] | select(.spec.clusterIP != null and .spec.clusterIP != "None")
      | "\(.spec.clusterIP) \(.metadata.name).\(.metadata.namespace).svc.cluster.local"'
    kubectl get pods -A -o json | jq -r '.items[] | select(.status.podIP != null and .spec.hostname != null
        and .spec.subdomain != null and .metadata.deletionTimestamp == null)
      | "\(.status.podIP) \(.spec.hostname).\(.spec.subdomain).\(.metadata.namespace).svc.cluster.local"'
  } > "$hosts.new" 2>/dev/null
  if ! cmp -s "$hosts.new" "$hosts"; then
    mv "$hosts.new" "$hosts"; kill -HUP "$(cat "$pidfile")" 2>/dev/null
  fi
  sleep 1
done
