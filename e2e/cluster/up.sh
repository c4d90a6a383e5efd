#!/usr/bin/env bash
# Starts a one-node Kubernetes cluster in the current network namespace, with all its state in DIR:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler (built by
# e2e/control-plane/build.sh, one release), containerd + runc + the CNI plugins (Debian packages,
# e2e/cluster/install-packages.sh), kubelet and kube-proxy (iptables mode). Returns when the node is
# Ready, kube-proxy has synced and the default ServiceAccount exists, and prints the cluster's
# settings as KEY=value lines (also written to DIR/cluster.env). Stop it with e2e/cluster/down.sh DIR.
#
#   unshare --net -- bash -c 'ip link set lo up; e2e/cluster/up.sh /tmp/c && ...; e2e/cluster/down.sh /tmp/c'
#
# Only inside a network namespace that reaches nothing beyond this machine (as `.ci/test-in-netns`
# makes): it adds a link with the node address, a bridge for the pods, and kube-proxy's and the
# kubelet's iptables chains there, and refuses to run where a default route exists. Its daemons run
# in a private mount namespace, so the kubelet's volume mounts, the containers' root filesystems and
# the pods' network-namespace files are never visible on the machine and go away with the last of
# its processes; host paths the components insist on (/var/lib/cni, /var/log/pods,
# /var/log/containers, /run/containerd) are bind-mounted from DIR inside that namespace.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=e2e/cluster/lib.sh
. "$HERE/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$(realpath -m "$1")

if [ "${DNSFLEET_CLUSTER_INSIDE:-}" != 1 ]; then
  # --- in the caller's mount namespace: checks, binaries, images, certificates, configuration ---
  [ "$(id -u)" = 0 ] || fail "the kubelet, containerd and the CNI plugins need root"
  if ip route get 192.0.2.1 >/dev/null 2>&1; then
    fail "this network namespace has a route beyond loopback; run inside 'unshare --net' (see e2e/README.md)"
  fi
  if ip link show "$NODE_LINK" >/dev/null 2>&1 || ip link show "$CNI_BRIDGE" >/dev/null 2>&1 || [ -n "$(own_chains)" ]; then
    fail "a cluster already runs in this network namespace ($NODE_LINK, $CNI_BRIDGE or KUBE-/CNI- iptables chains exist); e2e/cluster/down.sh its directory first"
  fi
  if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then fail "$DIR is not empty"; fi
  for tool in containerd runc ctr iptables conntrack openssl; do
    command -v "$tool" >/dev/null || fail "$tool missing: run e2e/cluster/install-packages.sh"
  done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || fail "CNI plugins missing in /usr/lib/cni: run e2e/cluster/install-packages.sh"

  command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
  log "binaries"
  BIN=$(bash "$ROOT/e2e/control-plane/build.sh" kubelet kube-proxy kube-controller-manager kube-scheduler coredns)
  IMAGES=$(bash "$HERE/images.sh")

  mkdir -p "$DIR"
  touch "$DIR/.dnsfleet-cluster"
  mkdir -p "$DIR/pki" "$DIR/logs" "$DIR/run" "$DIR/etcd" "$DIR/containerd" "$DIR/kubelet/root" \
    "$DIR/cni/net.d" "$DIR/cni/ipam" "$DIR/host" "$DIR/sysctl"
  log "certificates and tokens"
  write_pki "$DIR/pki"
  write_configs
  {
    echo "DIR=$DIR"
    echo "BIN=$BIN"
    echo "IMAGES=$IMAGES"
    echo "KUBECONFIG=$DIR/kubeconfig"
    echo "SERVER=https://127.0.0.1:$API_PORT"
    echo "NODE_NAME=$NODE_NAME"
    echo "NODE_IP=$NODE_IP"
    echo "POD_CIDR=$POD_CIDR"
    echo "POD_GATEWAY=$POD_GATEWAY"
    echo "SERVICE_CIDR=$SERVICE_CIDR"
    echo "CONTAINERD_ADDRESS=$DIR/containerd/containerd.sock"
  } > "$DIR/cluster.env"

  # containerd puts a pod's cgroups at /k8s.io/<id> in each hierarchy (the kubelet names no
  # parent while cgroupsPerQOS is off, and ignores cgroupRoot then); runc removes each, down.sh the
  # k8s.io parents if this cluster made them and they are empty (another containerd may use them).
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "${hierarchy}k8s.io" ] || echo "${hierarchy}k8s.io" >> "$DIR/run/created-cgroups"
  done

  # The node address: a dummy link where the kernel has one, else a bridge without ports (this
  # VM's kernel has no dummy driver). The kubelet registers it as the node's InternalIP; without a
  # non-loopback address probes and `kubectl logs` fail with "no preferred addresses".
  ip link add "$NODE_LINK" type dummy 2>/dev/null || ip link add "$NODE_LINK" type bridge
  ip addr add "$NODE_IP/32" dev "$NODE_LINK"
  ip link set "$NODE_LINK" up
  # Service addresses need a route for connections made on the node itself (here: the tests):
  # the route is looked up before kube-proxy's OUTPUT rules rewrite the address to a pod's, and
  # this namespace has no default route. Pods need none: their packets are rewritten on arrival.
  ip route add "$SERVICE_CIDR" dev "$NODE_LINK" src "$NODE_IP"
  ip link set lo up

  # Everything else runs in a mount namespace of its own (see above).
  DNSFLEET_CLUSTER_INSIDE=1 exec unshare --mount --propagation private -- bash "$0" "$DIR"
fi

# --- inside the cluster's mount namespace ---
# shellcheck disable=SC1091
. "$DIR/cluster.env"

# Paths the components write to regardless of their flags, redirected into DIR (see lib.sh).
for path in "${HOST_PATHS[@]}"; do
  if [ ! -d "$path" ]; then mkdir -p "$path" && touch "$path/$MOUNTPOINT_MARK"; fi
  target="$DIR/host/$(echo "${path#/}" | tr / _)"
  mkdir -p "$target"
  mount --bind "$target" "$path"
done
# The kubelet sets these kernel tunables when they differ (vm.overcommit_memory=1, kernel.panic=10,
# kernel.panic_on_oops=1, ...); they are not per namespace, so it would change the machine. It
# reads them from /proc/sys: here it reads the values it wants and leaves the real ones alone.
for entry in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  file=/proc/sys/${entry%%=*} want=${entry#*=}
  [ "$(cat "$file")" = "$want" ] && continue
  copy="$DIR/sysctl/$(echo "${entry%%=*}" | tr / _)"
  echo "$want" > "$copy"
  mount --bind -o ro "$copy" "$file"
done

# containerd needs nothing of the control plane: it starts, and takes the images, while etcd and
# the API server come up.
log "etcd, containerd"
start_daemon containerd containerd --config "$DIR/containerd/config.toml"
start_daemon etcd "$BIN/etcd" --data-dir "$DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
wait_for etcd 30 curl -fsS --noproxy '*' "http://127.0.0.1:$ETCD_PORT/health"

log "kube-apiserver"
start_daemon kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 0.0.0.0 --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
  --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
  --client-ca-file "$DIR/pki/ca.crt" --token-auth-file "$DIR/pki/tokens.csv" \
  --kubelet-client-certificate "$DIR/pki/apiserver-kubelet-client.crt" --kubelet-client-key "$DIR/pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
  --allow-privileged=true
wait_for containerd 30 ctr --address "$CONTAINERD_ADDRESS" version
for image in pause busybox redis coredns; do
  ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import "$IMAGES/$image.tar" >> "$DIR/logs/images.log" 2>&1 ||
    fail "ctr images import $IMAGES/$image.tar failed: $(tail -5 "$DIR/logs/images.log")"
done
wait_for kube-apiserver 120 "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" get --raw /readyz

log "kube-controller-manager, kube-scheduler, kubelet, kube-proxy"
# nodeipam: pod addresses come from the CNI config, not from node.spec.podCIDR;
# cloud-node-lifecycle: there is no cloud.
start_daemon kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$DIR/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig "$DIR/kube-controller-manager.kubeconfig" --authorization-kubeconfig "$DIR/kube-controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" --leader-elect=false \
  --controllers '*,-nodeipam,-cloud-node-lifecycle' --use-service-account-credentials \
  --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
  --cluster-signing-cert-file "$DIR/pki/ca.crt" --cluster-signing-key-file "$DIR/pki/ca.key"
start_daemon kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$DIR/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig "$DIR/kube-scheduler.kubeconfig" --authorization-kubeconfig "$DIR/kube-scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false

start_daemon kubelet "$BIN/kubelet" --config "$DIR/kubelet/config.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
  --root-dir "$DIR/kubelet/root" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME"
start_daemon kube-proxy "$BIN/kube-proxy" --config "$DIR/kube-proxy.yaml"

wait_for "node $NODE_NAME Ready" 120 "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
wait_for "kube-proxy synced" 60 curl -fsS --noproxy '*' "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz"
wait_for "default ServiceAccount" 60 "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" get serviceaccount default -n default
# The cluster DNS (the kubelet points pods at DNS_SERVICE_IP): Service names resolve as in any cluster.
log "CoreDNS"
coredns_manifest | "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" apply -f - >> "$DIR/logs/coredns-apply.log" 2>&1 ||
  fail "CoreDNS manifests refused: $(tail -5 "$DIR/logs/coredns-apply.log")"
"$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" -n kube-system rollout status deployment/coredns --timeout=90s >> "$DIR/logs/coredns-apply.log" 2>&1 ||
  fail "CoreDNS not ready: $(tail -5 "$DIR/logs/coredns-apply.log")"
log "ready"
cat "$DIR/cluster.env"
