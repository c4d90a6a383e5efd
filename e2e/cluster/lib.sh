# Shared by up.sh and down.sh: the cluster's names, addresses and ports, and small helpers.
# The addresses are private (RFC 1918 10/8) and exist only in the network namespace the cluster
# runs in; nothing routes them anywhere else.
NODE_NAME=dnsfleet-node
NODE_LINK=dnsfleet-node
NODE_IP=10.213.0.1
CNI_NETWORK=dnsfleet-e2e
CNI_BRIDGE=dnsfleet-cni0
POD_CIDR=10.214.0.0/24
POD_GATEWAY=10.214.0.1
SERVICE_CIDR=10.215.0.0/24
# The first address of the Service range: the `kubernetes` Service, in the serving certificate.
KUBERNETES_SERVICE_IP=10.215.0.1
# The cluster DNS (CoreDNS, Service kube-system/kube-dns), as kubeadm places it.
DNS_SERVICE_IP=10.215.0.10
API_PORT=6443
ETCD_PORT=2379
ETCD_PEER_PORT=2380
CONTROLLER_MANAGER_PORT=10257
SCHEDULER_PORT=10259
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=10248
PROXY_HEALTHZ_PORT=10256
PROXY_METRICS_PORT=10249
# Paths the components write to whatever their flags say, bind-mounted from DIR inside the
# cluster's mount namespace (up.sh). A mount point up.sh had to make holds MOUNTPOINT_MARK on the
# machine (hidden by the mount), so whichever cluster stops last removes it.
HOST_PATHS=(/var/lib/cni /var/log/pods /var/log/containers /run/containerd)
MOUNTPOINT_MARK=.made-by-dnsfleet-e2e-cluster
# iptables chains of the cluster: kube-proxy's and the kubelet's (KUBE-), the portmap plugin's (CNI-).
OWN_CHAIN_PATTERN='^:(KUBE-|CNI-)'

log() { echo "cluster: $*" >&2; }
fail() { echo "cluster: $*" >&2; exit 1; }

# Chains of ours in any table, as "family table chain" lines.
own_chains() {
  local family table
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null || continue
    "$family-save" 2>/dev/null | awk -v f="$family" '/^\*/ { t = substr($0, 2) } $0 ~ /'"$OWN_CHAIN_PATTERN"'/ { print f, t, substr($1, 2) }'
  done
}

# start_daemon NAME COMMAND ARGS...: in the background, in a session of its own (so a terminal's
# ^C does not kill half a cluster), output in DIR/logs/NAME.log, PID in DIR/run/NAME.pid; no HTTP
# proxy (the API server would send its kubelet connections through one).
start_daemon() {
  local name=$1
  shift
  env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
    setsid "$@" > "$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/run/$name.pid"
  echo "$name" >> "$DIR/run/started"
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds; on timeout, the last lines of every log.
wait_for() {
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      for f in "$DIR"/logs/*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
      fail "$what: not there after ${seconds}s ($*)"
    fi
    sleep 0.5
  done
}

# A process of this cluster: the PID in DIR/run/NAME.pid, still running a command that names DIR
# (every daemon's arguments do), so a PID reused by another process is never signalled.
daemon_pid() {
  local pid
  pid=$(cat "$DIR/run/$1.pid" 2>/dev/null) || return 1
  local cmdline
  cmdline=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline")
  [[ $cmdline == *"$DIR"* ]] || return 1
  echo "$pid"
}

# A CA, the API server's serving certificate, its client certificate towards the kubelet, the
# service-account key pair (all P-256: RSA key generation took 2.6 s of a 15 s start here), and one
# static token per component (RBAC's bootstrap roles already
# bind system:kube-controller-manager, system:kube-scheduler, system:kube-proxy and system:nodes).
write_pki() {
  local pki=$1
  (
    cd "$pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 7 -subj /CN=dnsfleet-e2e-ca 2>/dev/null
    sign() { # sign NAME SUBJECT EXTENSIONS
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf '%s\n' "$3" > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" -days 7 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    sign apiserver /CN=kube-apiserver "$(printf '%s\n%s' \
      "subjectAltName=IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      "extendedKeyUsage=serverAuth")"
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
    openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
    openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
    token() { openssl rand -hex 16; }
    {
      echo "$(token),admin,admin,system:masters"
      echo "$(token),system:node:$NODE_NAME,kubelet,system:nodes"
      echo "$(token),system:kube-proxy,kube-proxy"
      echo "$(token),system:kube-controller-manager,kube-controller-manager"
      echo "$(token),system:kube-scheduler,kube-scheduler"
    } > tokens.csv
    chmod 600 ./*.key tokens.csv
  )
}

# kubeconfig FILE UID: a kubeconfig for the token of UID in tokens.csv.
kubeconfig() {
  local token
  token=$(awk -F, -v uid="$2" '$3 == uid { print $1 }' "$DIR/pki/tokens.csv")
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dnsfleet-e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $DIR/pki/ca.crt
users:
- name: $2
  user:
    token: $token
contexts:
- name: dnsfleet-e2e
  context: { cluster: dnsfleet-e2e, user: $2, namespace: default }
current-context: dnsfleet-e2e
EOF
}

write_configs() {
  kubeconfig "$DIR/kubeconfig" admin
  kubeconfig "$DIR/kubelet.kubeconfig" kubelet
  kubeconfig "$DIR/kube-proxy.kubeconfig" kube-proxy
  kubeconfig "$DIR/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig "$DIR/kube-scheduler.kubeconfig" kube-scheduler

  # The pods' network: one bridge, addresses from host-local (its lease files in DIR), no
  # masquerading (no pod traffic leaves the namespace); portmap for hostPort. containerd adds the
  # loopback interface itself.
  cat > "$DIR/cni/net.d/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF

  # containerd 1.6: root, state, sockets and runc's state in DIR. restrict_oom_score_adj: the
  # processes here lack CAP_SYS_RESOURCE, and without it every sandbox fails with "failed to update
  # /proc/self/oom_score_adj: Permission denied". The pods' network namespaces are bind-mounted
  # under the state directory rather than /var/run/netns.
  cat > "$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$DIR/containerd/containerd.sock"
[ttrpc]
  address = "$DIR/containerd/containerd-ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/dnsfleet/pause:1"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$DIR/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
    max_conf_num = 1
EOF

  # cgroup v1 here: cgroupfs, failCgroupV1 false; no QoS cgroups and no node-allocatable
  # enforcement (the machine's cgroups are not the kubelet's to arrange). Eviction thresholds low enough for a shared disk; image garbage collection off
  # (100%), since the imported images cannot be pulled again. No cluster DNS: no resolver runs in
  # this namespace.
  cat > "$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$DIR/containerd/containerd.sock
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $DIR/pki/ca.crt }
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$DNS_SERVICE_IP]
resolvConf: ""
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
EOF

  # iptables mode; conntrack sizes and timeouts left as they are (nf_conntrack_max is not per
  # namespace); health and metrics on loopback.
  cat > "$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $DIR/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
}

# CoreDNS as the cluster DNS: the kubernetes plugin answers cluster.local from the API server
# (Services, their endpoints, pods), nothing is forwarded (nothing beyond this machine is reached).
# Unprivileged: it listens on 1053 and the Service maps 53 to it.
coredns_manifest() {
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:1053 {
      errors
      ready :8181
      health :8080
      kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
      }
      cache 5
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: coredns
          image: localhost/dnsfleet/coredns:1
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - { name: dns, containerPort: 1053, protocol: UDP }
            - { name: dns-tcp, containerPort: 1053, protocol: TCP }
          readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 10 }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: $DNS_SERVICE_IP
  selector: { k8s-app: kube-dns }
  ports:
    - { name: dns, port: 53, targetPort: 1053, protocol: UDP }
    - { name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP }
EOF
}
