#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   1. install what is missing (Debian packages only),
#   2. Release build + every test (unit, integration with real clients, crash, fuzz-corpus replay),
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build running the unit tests and corpora,
#   4. libFuzzer build (clang) running each fuzz target for a bounded number of inputs.
# Options: --slow   also run the long soak tests (ctest label "slow")
#          --quick  stop after stage 2 (for a fast local loop; CI never passes it)
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

slow=0
quick=0
for arg in "$@"; do
  case "$arg" in
    --slow) slow=1 ;;
    --quick) quick=1 ;;
    *) echo "usage: tools/test.sh [--slow] [--quick]" >&2; exit 2 ;;
  esac
done

jobs=$(nproc)
start=$(date +%s)
stage() { echo; echo "=== [$(( $(date +%s) - start ))s] $*"; }
summary_log=$(mktemp)
trap 'rm -f "$summary_log"' EXIT
# run_ctest ARGS...: ctest with its output kept, so the closing line can add up every stage.
run_ctest() { ctest "$@" 2>&1 | tee -a "$summary_log"; }

stage "dependencies"
tools/install-deps.sh

stage "format (.clang-format)"
# Every C++ file git knows follows .clang-format; `clang-format -i FILE` fixes one.
git ls-files -z '*.h' '*.cc' | xargs -0 clang-format --dry-run -Werror

label_args=(-LE slow)
[[ $slow -eq 1 ]] && label_args=()

stage "release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"

stage "release tests"
run_ctest --test-dir build --output-on-failure -j"$jobs" "${label_args[@]}"

if [[ $quick -eq 1 ]]; then
  stage "done (--quick: sanitizer and fuzz stages skipped)"
  exit 0
fi

stage "ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSHALE_SANITIZE=address,undefined \
  -DSHALE_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"

stage "ASan+UBSan tests (unit and fuzz corpora)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
# The suppressions name third-party code only (each entry says why).
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/ubsan_suppressions.txt
run_ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|fuzz' "${label_args[@]}"

stage "libFuzzer build (clang) and bounded fuzzing"
fuzzers=()
for f in tests/fuzz/*_fuzz.cc; do [[ -e $f ]] && fuzzers+=("$(basename "$f" .cc)"); done
if [[ ${#fuzzers[@]} -gt 0 ]]; then
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DSHALE_FUZZ=ON -DSHALE_BUILD_TESTS=ON -DSHALE_BUILD_BENCH=OFF >/dev/null
  cmake --build build-fuzz -j"$jobs" --target "${fuzzers[@]}"
  for fz in "${fuzzers[@]}"; do
    corpus=tests/fuzz/corpus/${fz%_fuzz}
    # New inputs go to a scratch dir, never into the checked-in corpus.
    scratch=$(mktemp -d)
    echo "fuzzing $fz (100000 runs)"
    # A crashing input is written to the scratch dir and printed (base64) by libFuzzer; save it
    # into the corpus once fixed, so every later build replays it.
    build-fuzz/tests/fuzz/"$fz" -runs=100000 -max_len=65536 -seed=1 -artifact_prefix="$scratch/" \
      "$scratch" "$corpus" \
      >"$scratch.log" 2>&1 || { cat "$scratch.log"; echo "fuzz target $fz failed"; exit 1; }
    tail -1 "$scratch.log"
    rm -rf "$scratch" "$scratch.log"
  done
fi

# --- Kubernetes: Helm chart, container image, real-cluster e2e (tests/k8s/run.sh) ----------
# Offline lint and schema checks, then a single-node Kubernetes built from Debian's source
# package (cached in $K8S_WORK, default /var/tmp/shale-k8s) running the chart end to end. The
# e2e is skipped, with the reason, only where the machine cannot run it (root, namespaces...).
stage "kubernetes: helm lint/schema + real-cluster e2e"
k8s_pkgs=(etcd-server containerd runc containernetworking-plugins podman debootstrap golang-go
  dnsmasq-base rsync jq iptables conntrack ccache)
command -v npm >/dev/null || k8s_pkgs+=(nodejs npm)
k8s_missing=()
for p in "${k8s_pkgs[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || k8s_missing+=("$p")
done
if [[ ${#k8s_missing[@]} -gt 0 && $(id -u) -eq 0 ]]; then   # without root run.sh says what it skips
  echo "installing ${k8s_missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${k8s_missing[@]}" >/dev/null
fi
# The image's compile runs in a container; its compiler cache is kept beside the Kubernetes build.
k8s_ccache=${CCACHE_DIR:-${K8S_WORK:-/var/tmp/shale-k8s}/ccache}
mkdir -p "$k8s_ccache"
CCACHE_DIR=$k8s_ccache tests/k8s/run.sh
# --- end Kubernetes ----------------------------------------------------------------------------

stage "all stages passed"
# One closing line over every ctest run above (each prints "... tests failed out of N").
awk '/tests passed, [0-9]+ tests? failed out of/ {
       for (i = 1; i <= NF; i++) if ($i == "of") total += $(i + 1);
       for (i = 1; i <= NF; i++) if ($i == "failed") failed += $(i - 2) }
     END { printf "tests: %d passed, %d failed\n", total - failed, failed }' "$summary_log"
