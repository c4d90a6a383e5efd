#!/usr/bin/env bash
# Makes the images the one-node cluster needs as OCI archives (nothing can be pulled here):
#   localhost/dnsfleet/pause:1    containerd's sandbox_image, the static program pause.c
#   localhost/dnsfleet/busybox:1  the smoke test's workload, Debian's busybox-static (/bin/busybox
#                                 with sh, httpd, nc, wget...)
#   localhost/dnsfleet/redis:1    the Helm chart's bundled Redis in the tests: Debian's
#                                 redis-server and the libraries it links, nothing else
#   localhost/dnsfleet/coredns:1  the cluster DNS: CoreDNS built from its Go module (static;
#                                 e2e/control-plane/build.sh coredns)
# Each archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) with one
# uncompressed layer, written by hand with tar and sha256sum, reproducible (sorted names, owner 0,
# mtime 0). Cached by the hash of the inputs; prints the directory holding pause.tar and busybox.tar.
# Import with `ctr -n k8s.io images import <archive>` (up.sh does).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "images.sh: $BUSYBOX missing (apt-get install busybox-static; e2e/cluster/install-packages.sh)" >&2; exit 1; }
file_sha() { sha256sum "$1" | cut -d' ' -f1; }
REDIS=$(readlink -f /usr/bin/redis-server)
COREDNS="$(bash "$HERE/../control-plane/build.sh" coredns)/coredns"
key=$(cat "$HERE/pause.c" "$HERE/images.sh" "$BUSYBOX" "$REDIS" "$COREDNS" | sha256sum | cut -c1-16)
CACHE_ROOT=${DNSFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dnsfleet}
OUT="$CACHE_ROOT/cluster/images-$key"
if [ -f "$OUT/pause.tar" ] && [ -f "$OUT/busybox.tar" ] && [ -f "$OUT/redis.tar" ] && [ -f "$OUT/coredns.tar" ]; then echo "$OUT"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deterministic_tar() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu "$@"; }

# oci_archive NAME ROOTFS CONFIG_JSON OUT_TAR: one layer (the rootfs), the image config fragment
# (.config of the OCI image config: Entrypoint, User, ...), named NAME in index.json.
oci_archive() {
  local name=$1 rootfs=$2 config=$3 out=$4 layout blobs layer layer_sha layer_size cfg_sha cfg_size man_sha man_size
  layout=$(mktemp -d "$work/layout.XXXX")
  blobs="$layout/blobs/sha256"
  mkdir -p "$blobs"
  deterministic_tar -C "$rootfs" -cf "$work/layer.tar" .
  layer_sha=$(file_sha "$work/layer.tar"); layer_size=$(stat -c %s "$work/layer.tar")
  mv "$work/layer.tar" "$blobs/$layer_sha"
  # The layer is uncompressed, so its digest is also its diff_id.
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$config" "$layer_sha" > "$work/config.json"
  cfg_sha=$(file_sha "$work/config.json"); cfg_size=$(stat -c %s "$work/config.json")
  mv "$work/config.json" "$blobs/$cfg_sha"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cfg_sha" "$cfg_size" "$layer_sha" "$layer_size" > "$work/manifest.json"
  man_sha=$(file_sha "$work/manifest.json"); man_size=$(stat -c %s "$work/manifest.json")
  mv "$work/manifest.json" "$blobs/$man_sha"
  # containerd names the imported image after io.containerd.image.name; the OCI ref name is the tag.
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$man_sha" "$man_size" "$name" "${name##*:}" > "$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  deterministic_tar -C "$layout" -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
}

mkdir -p "$OUT" "$work/pause" "$work/busybox/bin" "$work/busybox/tmp"
gcc -static -O2 -Wall -Wextra -o "$work/pause/pause" "$HERE/pause.c"
# 65535: the user the pause container runs as (no process in it needs root).
oci_archive localhost/dnsfleet/pause:1 "$work/pause" '{"Entrypoint":["/pause"],"User":"65535:65535"}' "$OUT/pause.tar"

cp "$BUSYBOX" "$work/busybox/bin/busybox"
ln -s busybox "$work/busybox/bin/sh"
chmod 1777 "$work/busybox/tmp"
oci_archive localhost/dnsfleet/busybox:1 "$work/busybox" \
  '{"Entrypoint":["/bin/busybox"],"Cmd":["sh"],"User":"65534:65534","Env":["PATH=/bin"]}' "$OUT/busybox.tar"

# redis-server as Redis's own image has it (/usr/local/bin/redis-server, user 999, /data), with
# the shared libraries ldd names at their paths.
mkdir -p "$work/redis/usr/local/bin" "$work/redis/data" "$work/redis/tmp"
cp "$REDIS" "$work/redis/usr/local/bin/redis-server"
for lib in $(ldd "$REDIS" | grep -o '/[^ ]*'); do
  mkdir -p "$work/redis$(dirname "$lib")"
  cp -L "$lib" "$work/redis$lib"
done
chmod 1777 "$work/redis/tmp"
oci_archive localhost/dnsfleet/redis:1 "$work/redis" \
  '{"Entrypoint":["/usr/local/bin/redis-server"],"User":"999:999","WorkingDir":"/data"}' "$OUT/redis.tar"

mkdir -p "$work/coredns"
cp "$COREDNS" "$work/coredns/coredns"
oci_archive localhost/dnsfleet/coredns:1 "$work/coredns" '{"Entrypoint":["/coredns"],"User":"65532:65532"}' "$OUT/coredns.tar"
echo "$OUT"
