#!/usr/bin/env bash
# Installs the Debian packages the one-node cluster (e2e/cluster/) runs on: the container runtime
# (containerd, runc), the CNI plugins, iptables for kube-proxy, conntrack (kube-proxy clears stale
# UDP entries with it), and busybox-static for the smoke test's image. Idempotent: installs only
# what is missing. No daemon is started: the cluster script starts its own containerd.
set -euo pipefail

PACKAGES=(containerd runc containernetworking-plugins iptables conntrack busybox-static)
# The pause image is a static C program (e2e/cluster/images.sh).
PACKAGES+=(gcc libc6-dev)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "cluster: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start daemons (containerd would take /run/containerd of the machine).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
# Another installer (a parallel CI step) may hold the dpkg lock: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
