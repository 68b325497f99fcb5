#!/usr/bin/env bash
# The benchmark table of docs/BENCHMARKS.md: PUT and GET of 4 KiB and 1 MiB objects at
# concurrency 1 and 16 against one S3 endpoint, each run with `shale bench --raw` so every row
# carries the raw limits (MD5, RS encode, disk appends + fdatasync) measured in the same run.
#
#   tools/bench-matrix.sh ENDPOINT RAW_DIR [DURATION] [ROUNDS]
#
# Credentials from SHALE_ACCESS_KEY/SHALE_SECRET_KEY (or AWS_*), as `shale bench` takes them.
# RAW_DIR should be on the disk the server writes to. ROUNDS (default 1) repeats the whole
# matrix, cells in the same order, so a noisy moment shows up as a spread between rounds.
# Prints one markdown row per run; the JSON of each run is kept in $SHALE_BENCH_OUT (default
# ./bench-out). SHALE_BIN overrides the shale binary (default build/tools/shale).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n '6,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
endpoint=$1
raw_dir=$2
duration=${3:-10s}
rounds=${4:-1}
shale=${SHALE_BIN:-build/tools/shale}
out=${SHALE_BENCH_OUT:-bench-out}
mkdir -p "$out"

echo "| round | op | size | conc | ops/s | MB/s | p50 ms | p99 ms | p999 ms | errors | client CPU (cores) | raw MD5 1 core MB/s | raw RS encode 1 core MB/s | raw 1 MiB append+fdatasync MB/s | raw 4 KiB append+fdatasync /s | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for ((r = 1; r <= rounds; r++)); do
  for size in 4KiB 1MiB; do
    for op in put get; do
      for conc in 1 16; do
        keys=$([[ $op == get ]] && echo 64 || echo 10000000)
        f=$out/r$r-$op-$size-c$conc.json
        "$shale" bench --op "$op" --size "$size" --concurrency "$conc" --duration "$duration" \
          --keys "$keys" --endpoint "$endpoint" --bucket shale-bench --prefix "$op-$size/" \
          --raw --raw-seconds 500ms --raw-dir "$raw_dir" --json > "$f" || true
        python3 - "$f" "$r" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["load"]; raw = {x["name"]: x for x in d["raw"]}
lat = l["latency_us"]
size = f'{l["size"] >> 20} MiB' if l["size"] >= 1 << 20 else f'{l["size"] >> 10} KiB'
print(f'| {sys.argv[2]} | {l["op"]} | {size} | {l["concurrency"]} | '
      f'{l["ops_per_s"]:,.0f} | {l["mb_per_s"]:,.1f} | {lat["p50"] / 1e3:.2f} | '
      f'{lat["p99"] / 1e3:.2f} | {lat["p999"] / 1e3:.2f} | {l["errors"]} | '
      f'{l["client_cpu_s"] / l["seconds"]:.2f} | {raw["md5_1core"]["mb_per_s"]:,.0f} | '
      f'{raw["rs_encode_1core"]["mb_per_s"]:,.0f} | '
      f'{raw["disk_1mib_fdatasync"]["mb_per_s"]:,.0f} | '
      f'{raw["disk_4kib_fdatasync"]["ops_per_s"]:,.0f} | {d["load_average"]} |')
PY
      done
    done
  done
done
