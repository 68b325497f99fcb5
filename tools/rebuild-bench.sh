#!/usr/bin/env bash
# Rebuild throughput of a wiped node (docs/BENCHMARKS.md, "Rebuild of a wiped node"): a local
# 6-node k=4 m=2 cluster behind shale-gateway (tools/local-cluster.sh) is filled through S3, one
# node is stopped, its data directory deleted and the node restarted empty; `shale repair --wait`
# then times the rebuild. Prints the shard bytes rebuilt per second next to the machine's raw
# disk write rate (1 MiB appends + fdatasync, `shale bench --raw`) measured in the same run, and
# one markdown table row.
#
#   tools/rebuild-bench.sh [DATA_MIB [OBJECT_SIZE]]     defaults: 512 MiB of 4MiB objects
#
# Environment: SHALE_BUILD_DIR (default ./build; needs shale, shale-node, shale-gateway),
# SHALE_LOCAL_DIR (default /tmp/shale-rebuild-bench; deleted first), SHALE_BASE_PORT (24100).
# Repair runs unthrottled (repair.rate_bytes_per_sec = 10 GB/s) so the machine is the limit.
set -euo pipefail
cd "$(dirname "$0")/.."

data_mib=${1:-512}
object_size=${2:-4MiB}
build=${SHALE_BUILD_DIR:-$PWD/build}
export SHALE_BUILD_DIR=$build
export SHALE_LOCAL_DIR=${SHALE_LOCAL_DIR:-/tmp/shale-rebuild-bench}
export SHALE_BASE_PORT=${SHALE_BASE_PORT:-24100}
shale=$build/tools/shale
victim=3

die() { echo "rebuild-bench: $*" >&2; exit 1; }
[[ -x $shale ]] || die "$shale not found: build the shale, shale-node and shale-gateway targets"
object_bytes=$(numfmt --from=auto "${object_size%B}" 2>/dev/null) || die "bad OBJECT_SIZE $object_size"
keys=$(( data_mib * 1048576 / object_bytes ))
(( keys > 0 )) || die "DATA_MIB is smaller than one object"

tools/local-cluster.sh stop >/dev/null 2>&1 || true
rm -rf "$SHALE_LOCAL_DIR"
trap 'tools/local-cluster.sh stop >/dev/null 2>&1 || true' EXIT
started=$(tools/local-cluster.sh start 6 --k 4 --m 2)
endpoint=$(sed -n 's/^S3 endpoint: //p' <<<"$started")
export SHALE_ENDPOINT=$endpoint
export SHALE_ACCESS_KEY=$(sed -n 's/^credentials: access key \([^,]*\),.*/\1/p' <<<"$started")
export SHALE_SECRET_KEY=$(sed -n 's/.*secret key \(.*\)$/\1/p' <<<"$started")

# Unthrottled repair and a quick coordinator choice; nodes restart to read it.
python3 - "$SHALE_LOCAL_DIR/cluster.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["repair"] = {"rate_bytes_per_sec": 10_000_000_000, "coordinator_check_seconds": 1}
json.dump(c, open(path, "w"), indent=1)
PY
for i in 0 1 2 3 4 5; do
  tools/local-cluster.sh kill-node "$i" >/dev/null
  tools/local-cluster.sh start-node "$i" >/dev/null
done

echo "filling: $keys objects of $object_size through $endpoint" >&2
"$shale" bench --op get --endpoint "$endpoint" --size "$object_size" --keys "$keys" --concurrency 4 \
  --duration 100ms --bucket rebuild >/dev/null

raw=$("$shale" bench --raw --raw-seconds 3s --raw-dir "$SHALE_LOCAL_DIR" --json)
read -r machine disk_mbs < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
disk = [r["mb_per_s"] for r in d["raw"] if r["name"] == "disk_1mib_fdatasync"][0]
print(d["machine"].replace(" ", "_"), "%.1f" % disk)' "$raw")

tools/local-cluster.sh kill-node "$victim" >/dev/null
tools/local-cluster.sh wipe-node "$victim" >/dev/null
tools/local-cluster.sh start-node "$victim" >/dev/null
before=$("$shale" status --json || true)
start=$(date +%s.%N)
"$shale" repair --wait --interval 0.2 --timeout 3600 >/dev/null || die "repair did not end healthy"
end=$(date +%s.%N)
after=$("$shale" status --json || true)

python3 - "$before" "$after" "$start" "$end" "$machine" "$disk_mbs" "$data_mib" "$object_size" <<'PY'
import json, sys
before, after = json.loads(sys.argv[1]), json.loads(sys.argv[2])
start, end = float(sys.argv[3]), float(sys.argv[4])
machine, disk = sys.argv[5].replace("_", " "), float(sys.argv[6])
rebuilt = after["cluster"]["shard_bytes_repaired_total"] - before["cluster"]["shard_bytes_repaired_total"]
shards = after["cluster"]["shards_repaired_total"] - before["cluster"]["shards_repaired_total"]
seconds = end - start
mbs = rebuilt / 1e6 / seconds
print(f"rebuilt {shards} shards, {rebuilt / 1e6:.1f} MB in {seconds:.1f} s: {mbs:.1f} MB/s; "
      f"raw disk write {disk:.1f} MB/s (ratio {mbs / disk:.2f}); machine {machine}")
print(f"| {sys.argv[7]} MiB of {sys.argv[8]} objects, k=4 m=2, 1 of 6 nodes wiped | "
      f"{rebuilt / 1e6:.1f} MB ({shards} shards) | {seconds:.1f} s | {mbs:.1f} MB/s | "
      f"{disk:.1f} MB/s | {mbs / disk:.2f} | {machine} |")
PY
