#!/usr/bin/env bash
# Stops the cluster e2e/cluster/up.sh started in DIR and removes what it created, nothing else:
# its pods (deleted through the API so the CNI plugins release their addresses), every process it
# started (found by the PID files in DIR and checked to name DIR), containerd's shims, the
# iptables chains of kube-proxy, the kubelet and the portmap plugin (up.sh refused to start where
# such chains existed), its two links, the mount points it had to make, and DIR itself (kept with
# DNSFLEET_CLUSTER_KEEP=1, e.g. for its logs). Safe to run twice, or after a failed up.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$HERE/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$(realpath -m "$1")
[ -f "$DIR/.dnsfleet-cluster" ] || fail "$DIR was not made by e2e/cluster/up.sh"
# shellcheck disable=SC1091
[ -f "$DIR/cluster.env" ] && . "$DIR/cluster.env"

# stop NAME...: SIGTERM, then SIGKILL after 10 s.
stop() {
  local name pid pids=() i
  for name in "$@"; do pid=$(daemon_pid "$name") && pids+=("$pid"); done
  [ "${#pids[@]}" -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  for i in $(seq 1 100); do
    alive=()
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive+=("$pid"); done
    [ "${#alive[@]}" -eq 0 ] && return 0
    sleep 0.1
  done
  log "SIGKILL to ${alive[*]} ($*)"
  kill -KILL "${alive[@]}" 2>/dev/null
  sleep 0.2
}

ctr_() { ctr --address "$DIR/containerd/containerd.sock" -n k8s.io "$@"; }
running_tasks() { ctr_ tasks ls 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING"' | wc -l; }

# No controller may start new pods while the old ones go.
stop kube-controller-manager kube-scheduler

# The kubelet stops the pods it is told to delete, and stopping a sandbox runs the CNI DEL that
# frees its address and removes its veth.
if daemon_pid kubelet >/dev/null && daemon_pid kube-apiserver >/dev/null && [ -n "${BIN:-}" ]; then
  "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1
  for _ in $(seq 1 120); do
    [ "$(running_tasks)" -eq 0 ] && break
    sleep 0.5
  done
fi
stop kubelet kube-proxy

# Whatever still runs (the kubelet gone early): killed and deleted through containerd, whose shims
# then exit.
if daemon_pid containerd >/dev/null; then
  for id in $(ctr_ tasks ls -q 2>/dev/null); do
    ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1
  done
  sleep 0.5
  for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1; done
  for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1; done
fi
stop containerd
# A shim left behind names containerd's socket in DIR on its command line.
for proc in /proc/[0-9]*; do
  cmdline=$(tr '\0' ' ' 2>/dev/null < "$proc/cmdline")
  if [[ $cmdline == *"-address $DIR/containerd/containerd.sock"* ]]; then
    log "killing shim ${proc#/proc/}"
    kill -KILL "${proc#/proc/}" 2>/dev/null
  fi
done
# The API server first: without etcd its shutdown hangs until SIGKILL.
stop kube-apiserver
stop etcd

# Any other process of ours (a name in DIR/run/started not stopped above).
for name in $(cat "$DIR/run/started" 2>/dev/null); do stop "$name"; done

# The network part only in the cluster's own network namespace: the one holding the node link
# with the node address (up.sh made it, and refuses to start where it exists). Run anywhere else
# (the machine's namespace, where other tools keep KUBE-/CNI- chains of their own), it touches
# nothing there.
# (Output taken whole: `| grep -q` under pipefail fails at random when grep's early exit
# kills the writer with SIGPIPE.)
addresses=$(ip -o addr show dev "$NODE_LINK" 2>/dev/null)
if [[ $addresses == *" $NODE_IP/32 "* ]]; then
  # iptables: kube-proxy's own cleanup, then whatever KUBE-/CNI- chain is left (the kubelet's
  # KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...): rules jumping to them deleted, then the chains flushed
  # and deleted. No other rule or chain is touched.
  if [ -n "${BIN:-}" ] && [ -x "$BIN/kube-proxy" ]; then
    "$BIN/kube-proxy" --cleanup >> "$DIR/logs/kube-proxy-cleanup.log" 2>&1
  fi
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null || continue
    script=$("$family-save" 2>/dev/null | awk '
      /^\*/ { if (table != "") flush(); table = $0; n = 0; m = 0; next }
      /^:(KUBE-|CNI-)/ { chains[m++] = substr($1, 2); next }
      /^-A / && / -j (KUBE-|CNI-)/ { split($0, f, " "); if (f[2] !~ /^(KUBE-|CNI-)/) { rules[n++] = "-D" substr($0, 3) } next }
      function flush(   i) {
        if (n + m == 0) return
        print table
        for (i = 0; i < n; i++) print rules[i]
        for (i = 0; i < m; i++) print "-F " chains[i]
        for (i = 0; i < m; i++) print "-X " chains[i]
        print "COMMIT"
      }
      END { if (table != "") flush() }')
    [ -n "$script" ] && { echo "$script" | "$family-restore" --noflush || log "$family-restore failed; left: $(own_chains | tr '\n' ' ')"; }
  done

  # Links: any veth still on the pods' bridge, the bridge, the node's link.
  for link in $(ip -o link show master "$CNI_BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link delete "$link" 2>/dev/null
  done
  ip link delete "$CNI_BRIDGE" 2>/dev/null
  ip link delete "$NODE_LINK" 2>/dev/null
else
  log "no $NODE_LINK link with $NODE_IP here: not the cluster's network namespace (or its network was never set up); iptables and links left alone"
fi

# The mount namespace went with its last process, and with it every mount. The mount points a
# cluster made on the machine go once empty but for their mark, and not while another cluster
# (in another network namespace) mounts on them: removing a mount point detaches the mounts on it
# in every namespace.
mounted_elsewhere() { cat /proc/[0-9]*/mountinfo 2>/dev/null | awk -v p="$1" '$5 == p { found = 1 } END { exit !found }'; }
for path in "${HOST_PATHS[@]}"; do
  [ -f "$path/$MOUNTPOINT_MARK" ] && [ "$(ls -A "$path")" = "$MOUNTPOINT_MARK" ] || continue
  mounted_elsewhere "$path" || { rm -f "$path/$MOUNTPOINT_MARK" && rmdir "$path"; }
done
# cgroups: rmdir fails on a cgroup that still holds a process, so only empty ones go.
for path in $(cat "$DIR/run/created-cgroups" 2>/dev/null); do
  [ -d "$path" ] && find "$path" -depth -type d -exec rmdir {} + 2>/dev/null
  [ -d "$path" ] && log "cgroup $path left (not empty)"
done
if grep -qF " $DIR/" /proc/self/mountinfo; then
  log "mounts under $DIR left in this mount namespace:"; grep -F " $DIR/" /proc/self/mountinfo >&2
fi

if [ "${DNSFLEET_CLUSTER_KEEP:-}" = 1 ]; then
  log "kept $DIR"
else
  rm -rf "$DIR"
fi
exit 0
