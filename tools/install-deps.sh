#!/usr/bin/env bash
# Installs, with apt-get and only from Debian 12's own packages, whatever Shale needs to build
# and test that is not installed yet. Idempotent: a second run installs nothing and is quick.
# Usage: tools/install-deps.sh [--runtime-only]
set -euo pipefail

build_pkgs=(
  g++ cmake make pkg-config git
  libboost-dev liblmdb-dev lmdb-utils libisal-dev libcurl4-openssl-dev rapidjson-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev           # libFuzzer targets (SHALE_FUZZ) and their sanitizers
  clang-format                       # tools/test.sh checks that every source follows .clang-format
)
# The real S3 clients the integration tests drive.
client_pkgs=(curl openssl awscli python3 python3-boto3 s3cmd rclone)

pkgs=("${build_pkgs[@]}" "${client_pkgs[@]}")
if [[ "${1:-}" == "--runtime-only" ]]; then
  pkgs=(libisal2 liblmdb0 libcurl4 libssl3)
fi

missing=()
for p in "${pkgs[@]}"; do
  # dpkg-query answers "install ok installed" only for a fully installed package.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: everything is installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q "${missing[@]}"
