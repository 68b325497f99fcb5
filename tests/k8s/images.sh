#!/bin/bash
# Container images without a registry: debootstrap a Debian 12 minbase rootfs (cached), podman
# import it as the base, build the pause image and the Shale image (helm/image/Containerfile)
# with `podman build --pull=never`, and podman save both as archives for containerd.
set -euo pipefail
source "$(dirname "$0")/common.sh"
W=$K8S_WORK/images; mkdir -p "$W/pause"; cd "$W"
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
if [ ! -f rootfs/.complete ]; then
  log "images: debootstrap bookworm minbase from $MIRROR"
  rm -rf rootfs; debootstrap --variant=minbase bookworm rootfs "$MIRROR" >debootstrap.log 2>&1 ||
    { tail -20 debootstrap.log; exit 1; }
  touch rootfs/.complete
fi
if ! podman image exists localhost/debian-minbase:bookworm; then
  tar -C rootfs --exclude=./.complete -c . | podman import - localhost/debian-minbase:bookworm >/dev/null
fi
gcc -Os -static -o pause/pause "$K8S_SRC/build/pause/linux/pause.c" -DVERSION=v3.2-local
printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > pause/Containerfile
podman build "${PODMAN_FLAGS[@]}" --pull=never -q -t localhost/pause:3.2 pause >/dev/null
# The compiler cache is optional: it only makes the in-image C++ build fast.
cache=()
[ -n "${CCACHE_DIR:-}" ] && [ -d "$CCACHE_DIR" ] && cache=(-v "$CCACHE_DIR:/ccache")
log "images: podman build shale (helm/image/Containerfile)"
podman build "${PODMAN_FLAGS[@]}" --pull=never "${cache[@]}" -f "$REPO/helm/image/Containerfile" \
  -t localhost/shale:e2e "$REPO" >"$W/shale-build.log" 2>&1 || { tail -40 "$W/shale-build.log"; exit 1; }
rm -f pause.tar shale.tar
podman save -q localhost/pause:3.2 -o pause.tar
podman save -q localhost/shale:e2e -o shale.tar
# The image must hold the three binaries, run as non-root, and have every library they need.
podman run "${PODMAN_FLAGS[@]}" --rm --entrypoint sh localhost/shale:e2e -c \
  'test "$(id -u)" != 0 && for b in shale shale-node shale-gateway; do
     ldd /usr/local/bin/$b | grep -q "not found" && { ldd /usr/local/bin/$b; exit 1; }
     $b --help >/dev/null 2>&1; rc=$?; [ $rc -le 2 ] || { echo "$b --help: exit $rc"; exit 1; }; done; echo "image: $(id -un) uid $(id -u), 3 binaries, libraries complete"'
ls -la pause.tar shale.tar | awk '{print "images:", $5, $9}'
