#!/usr/bin/env bash
# Builds the real Kubernetes control plane the operator's tests run against: kube-apiserver from
# the k8s.io/kubernetes Go module and etcd from go.etcd.io/etcd/server/v3, once, into a cache
# directory, with kubectl from the same release. Prints the directory holding the binaries
# (envtest's KUBEBUILDER_ASSETS layout). Only missing binaries are built.
#
#   e2e/control-plane/build.sh            # build if not cached, print the directory
#   KUBEBUILDER_ASSETS=/path e2e/...      # use binaries you already have
#   e2e/control-plane/build.sh kubelet kube-proxy kube-controller-manager kube-scheduler coredns
#                                         # also these commands of the same release, and CoreDNS
#                                         # (the cluster's DNS), into the same directory (the
#                                         # one-node cluster, e2e/cluster/)
#   e2e/control-plane/build.sh helm       # also Helm (helm.sh/helm/v4), for the chart's tests
#   e2e/control-plane/build.sh prometheus # also Prometheus with Kubernetes discovery, for the
#                                         # chart's tests (Debian's package is built without it)
#
# Why a wrapper module: k8s.io/kubernetes replaces its 31 staging modules (k8s.io/api,
# k8s.io/apimachinery, ...) with ./staging/... paths, which `go install` of a dependency cannot
# follow. The wrapper replaces each with its published v0.X.Y release instead.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
HELM_VERSION=${HELM_VERSION:-v4.3.2}
# Prometheus v3.x as its Go module numbers it (github.com/prometheus/prometheus v0.316.0).
PROMETHEUS_MODULE_VERSION=${PROMETHEUS_MODULE_VERSION:-v0.316.0}

# Commands of k8s.io/kubernetes (cmd/<name>) that may be asked for besides the three always built.
EXTRA_ALLOWED=(kubelet kube-proxy kube-controller-manager kube-scheduler)
EXTRA=()
OTHERS=(etcd)
for arg in "$@"; do
  if [ "$arg" = coredns ] || [ "$arg" = helm ] || [ "$arg" = prometheus ]; then OTHERS+=("$arg"); continue; fi
  case " ${EXTRA_ALLOWED[*]} " in
    *" $arg "*) EXTRA+=("$arg") ;;
    *) echo "control-plane/build.sh: unknown component '$arg' (known: ${EXTRA_ALLOWED[*]} coredns helm prometheus)" >&2; exit 2 ;;
  esac
done
K8S_COMMANDS=(kube-apiserver kubectl "${EXTRA[@]}")

built() { [ -f "$1" ] && [ -x "$1" ]; }
have_all() { for b in "${OTHERS[@]}" "${K8S_COMMANDS[@]}"; do built "$1/$b" || return 1; done; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_all "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

CACHE_ROOT=${DNSFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dnsfleet}
OUT="$CACHE_ROOT/control-plane/kube-apiserver-$K8S_VERSION-etcd-$ETCD_VERSION"
if have_all "$OUT"; then
  echo "$OUT"
  exit 0
fi

# One build at a time: a second caller (another test run, another worktree) waits for the first
# and then finds the binaries in the cache instead of compiling kube-apiserver again beside it.
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/control-plane.lock"
flock 9
if have_all "$OUT"; then
  echo "$OUT"
  exit 0
fi

# The checksum database is not reachable from every machine; the module proxy alone serves.
export GOSUMDB=${GOSUMDB:-off}
export GOFLAGS=-mod=mod
export CGO_ENABLED=0
export GOTOOLCHAIN=local

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT" "$work/bin"

log() { echo "control-plane: $*" >&2; }

# The k8s.io/kubernetes commands missing from $OUT, built in one `go build` inside the wrapper
# module so the packages they share compile once.
build_kubernetes() {
  local dir="$work/kubernetes" staging="v0.${K8S_VERSION#v1.}" minor missing=() pkgs=()
  for b in "${K8S_COMMANDS[@]}"; do built "$OUT/$b" || missing+=("$b"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  mkdir -p "$dir" && cd "$dir"
  go mod init dnsfleet.local/control-plane/kubernetes >/dev/null 2>&1
  local modules=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
    csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
    kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils
    pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
  for m in "${modules[@]}"; do go mod edit -replace "k8s.io/$m=k8s.io/$m@$staging"; done
  log "resolving k8s.io/kubernetes $K8S_VERSION"
  go get "${pkgs[@]/%/@$K8S_VERSION}" >&2
  log "building ${missing[*]} (kube-apiserver alone takes several minutes on 2 cores)"
  # Without the version flags /version says v0.0.0 and Helm's kubeVersion checks fail (and the
  # Node reports kubelet v0.0.0).
  local v="k8s.io/component-base/version"
  go build -tags selinux,notest -trimpath \
    -ldflags "-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z" \
    -o "$work/bin/" "${pkgs[@]}" >&2
  for b in "${missing[@]}"; do mv "$work/bin/$b" "$OUT/"; done
}

# build_command NAME PACKAGE VERSION [LDFLAGS] [TAGS]: the main package PACKAGE of a Go module at
# VERSION, in a wrapper module of its own, into $OUT/NAME.
build_command() {
  local name=$1 pkg=$2 version=$3 ldflags=${4:-} tags=${5:-} dir="$work/$1"
  mkdir -p "$dir" && cd "$dir"
  go mod init "dnsfleet.local/control-plane/$name" >/dev/null 2>&1
  log "resolving $pkg $version"
  go get "$pkg@$version" >&2
  log "building $name"
  go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$work/bin/$name" "$pkg" >&2
  mv "$work/bin/$name" "$OUT/"
}

built "$OUT/etcd" || build_command etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
# CoreDNS: the cluster DNS of the one-node cluster, so pods find Services by name as in any cluster.
case " ${OTHERS[*]} " in *" coredns "*) built "$OUT/coredns" || build_command coredns github.com/coredns/coredns "$COREDNS_VERSION" ;; esac
# Helm, for the chart's tests; the version it reports is set as its own Makefile sets it.
case " ${OTHERS[*]} " in *" helm "*) built "$OUT/helm" || build_command helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" ;; esac
# Prometheus with only the Kubernetes service discovery (its build tags drop the other SD plugins,
# which halves the build); the API and rule evaluation the tests use, without the web UI's assets.
case " ${OTHERS[*]} " in *" prometheus "*) built "$OUT/prometheus" || build_command prometheus github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_MODULE_VERSION" "-X github.com/prometheus/common/version.Version=$PROMETHEUS_MODULE_VERSION" remove_all_sd,enable_kubernetes_sd ;; esac
build_kubernetes
"$OUT/kube-apiserver" --version >&2
"$OUT/kubectl" version --client >&2
"$OUT/etcd" --version >&2
if built "$OUT/coredns"; then "$OUT/coredns" -version >&2; fi
if built "$OUT/helm"; then "$OUT/helm" version >&2; fi
if built "$OUT/prometheus"; then "$OUT/prometheus" --version >&2; fi
echo "$OUT"
