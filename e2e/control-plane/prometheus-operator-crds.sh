#!/usr/bin/env bash
# prometheus-operator's CRDs (PodMonitor, ServiceMonitor, PrometheusRule), for the chart's test:
# the monitoring objects the chart renders must be accepted by a real API server that knows them
# (kubectl apply --dry-run=server). They come from the Go module of prometheus-operator, whose
# example/prometheus-operator-crd/ holds them as the project publishes them; downloaded once into
# the cache. Prints the directory that holds the three files.
set -euo pipefail

VERSION=${PROMETHEUS_OPERATOR_VERSION:-v0.89.0}
MODULE=github.com/prometheus-operator/prometheus-operator
CACHE_ROOT=${DNSFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dnsfleet}
OUT="$CACHE_ROOT/prometheus-operator-crds-$VERSION"
FILES=(monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

have_all() { for f in "${FILES[@]}"; do [ -s "$OUT/$f" ] || return 1; done; }
if have_all; then echo "$OUT"; exit 0; fi

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
export GOSUMDB=${GOSUMDB:-off} GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init dnsfleet.local/prometheus-operator-crds >/dev/null 2>&1
echo "prometheus-operator-crds: downloading $MODULE $VERSION" >&2
dir=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/example/prometheus-operator-crd" ] || { echo "prometheus-operator-crds: $MODULE@$VERSION has no example/prometheus-operator-crd" >&2; exit 1; }
mkdir -p "$OUT"
for f in "${FILES[@]}"; do cp "$dir/example/prometheus-operator-crd/$f" "$OUT/$f"; done
echo "$OUT"
