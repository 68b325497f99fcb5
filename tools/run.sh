#!/usr/bin/env bash
# Builds Shale and starts `shale server`, the all-in-one S3 endpoint, in the foreground:
#   1. installs what is missing (Debian 12 packages only: tools/install-deps.sh),
#   2. configures and builds the Release `shale` binary (in build/),
#   3. runs `shale server` with the arguments given here (defaults: --data ./shale-data,
#      --listen 127.0.0.1:9000, 6 drives with erasure coding 4+2). It prints the endpoint, the
#      admin credentials (generated on first start and kept in the data dir, or taken from
#      SHALE_ACCESS_KEY / SHALE_SECRET_KEY) and an aws-cli example. Ctrl-C stops it cleanly.
# Examples: tools/run.sh
#           tools/run.sh --listen 0.0.0.0:9000 --data /srv/shale
#           tools/run.sh --help        (every option of `shale server`)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "run: checking dependencies" >&2
tools/install-deps.sh >&2
echo "run: building (Release; the first build takes a few minutes)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target shale >&2
exec build/tools/shale server "$@"
