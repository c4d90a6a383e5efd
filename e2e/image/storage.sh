# Sourced by build.sh and check.sh: where the image cache is, and buildah on its own storage there,
# apart from any other container tool's. Isolation chroot: no OCI runtime, no user namespaces, the
# host's network for apt and npm. Storage driver overlay where this machine mounts overlayfs (each
# layer is a difference), else vfs (each layer a whole copy: slower, several GB for one build);
# DNSFLEET_IMAGE_STORAGE_DRIVER chooses.
CACHE_ROOT=${DNSFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dnsfleet}
CACHE="$CACHE_ROOT/image"

overlay_mounts() {
  local d rc
  d=$(mktemp -d) && mkdir "$d/l" "$d/u" "$d/w" "$d/m"
  mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null && umount "$d/m"
  rc=$?
  rm -rf "$d"
  return $rc
}
if [ -z "${DNSFLEET_IMAGE_STORAGE_DRIVER:-}" ]; then
  if overlay_mounts; then DNSFLEET_IMAGE_STORAGE_DRIVER=overlay; else DNSFLEET_IMAGE_STORAGE_DRIVER=vfs; fi
fi
export BUILDAH_ISOLATION=chroot STORAGE_DRIVER=$DNSFLEET_IMAGE_STORAGE_DRIVER
bah() {
  buildah --root "$CACHE/storage-$DNSFLEET_IMAGE_STORAGE_DRIVER" --runroot "$CACHE/run-$DNSFLEET_IMAGE_STORAGE_DRIVER" \
    --storage-driver "$DNSFLEET_IMAGE_STORAGE_DRIVER" "$@"
}
