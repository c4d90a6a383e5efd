#!/usr/bin/env bash
# Runs the built image the way its pods run it, without a container engine, and fails if it does
# not work: the OCI archive's root filesystem, mounted read-only, as uid/gid 65532 with no
# capability and no_new_privs, in a network namespace that has only loopback, with an emptyDir
# (a tmpfs) at /var/lib/dnsfleet and nothing else writable.
#
#   e2e/image/check.sh [ARCHIVE]     # default: the archive e2e/image/build.sh prints
#
# It checks: no file in the image carries a file capability; `dnsfleet --help` and the help of
# `operator` and `dataplane`; `dnsfleet serve -f examples/zones` answers dig on 127.0.0.1:5300
# with the batched UDP I/O (`--udp-io batched`: no start without the addon); examples/signing
# is signed (worker threads) with its keys in a state directory on the emptyDir; `dnsfleet
# dataplane --role cloud` and `--role control` (the pods' command lines) serve /readyz with a
# Redis started in the namespace.
#
# Where containerd, ctr and runc are installed (Debian's containerd, as the one-node cluster
# uses), the archive is also imported into a containerd of its own (private root, state and
# socket, stopped at the end) and `dnsfleet serve` is run by runc with --read-only and the default
# seccomp profile in a network namespace of its own, asked with dig from inside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
ARCHIVE=${1:-$(bash e2e/image/build.sh)}
# shellcheck source=e2e/image/storage.sh
. e2e/image/storage.sh

for tool in dig redis-server curl; do command -v "$tool" >/dev/null || { echo "check: $tool is missing (dnsutils, redis-server, curl)" >&2; exit 1; }; done

# The archive itself (not the image in buildah's storage) is what the cluster imports.
ctr=$(bah from --pull-always --name dnsfleet-check "oci-archive:$ARCHIVE")
remove() { bah rm "$ctr" >/dev/null; }
trap remove EXIT
ROOTFS=$(bah mount "$ctr")

fcaps=$(getcap -r "$ROOTFS" 2>/dev/null || true)
[ -z "$fcaps" ] || { echo "check: file capabilities in the image: $fcaps" >&2; exit 1; }
echo "check: no file capability in the image"

# Only the image's own environment (as a container gets it), not this shell's.
IMAGE_ENV=$(bah inspect --type container --format '{{range .OCIv1.Config.Env}}{{.}}{{"\n"}}{{end}}' "$ctr")
echo "check: image env: $(echo "$IMAGE_ENV" | tr '\n' ' ')"
export ROOTFS REPO IMAGE_ENV
unshare --net --mount --pid --fork -- bash -euo pipefail -c '
  ip link set lo up
  M=$(mktemp -d)
  # Read-only root, as readOnlyRootFilesystem: true.
  mount --bind "$ROOTFS" "$M" && mount -o remount,bind,ro "$M"
  mount -t proc proc "$M/proc"
  mount -t tmpfs -o size=1m,mode=755 tmpfs "$M/dev"
  for d in null zero urandom random; do touch "$M/dev/$d"; mount --bind "/dev/$d" "$M/dev/$d"; done
  # The emptyDir of the templates (world-writable, as a kubelet makes it).
  mount -t tmpfs -o size=64m,mode=1777 tmpfs "$M/var/lib/dnsfleet"
  mount --bind -o ro "$REPO/examples" "$M/mnt"
  # The pod: uid/gid 65532, no supplementary groups, no capabilities, no_new_privs.
  pod() { mapfile -t envs <<<"$IMAGE_ENV"; env -i "${envs[@]}" "${POD_ENV[@]}" setpriv --no-new-privs unshare --root="$M" --wd=/app --setuid 65532 --setgid 65532 -- "$@"; }

  POD_ENV=()
  pod sh -c "env | sort | tr \"\\n\" \" \"; echo; id; grep -E \"^(CapEff|CapPrm|NoNewPrivs)\" /proc/self/status; touch /app/x 2>&1 || true; touch /tmp/x 2>&1 || true"
  pod dnsfleet --help | head -3
  pod dnsfleet operator --help | head -2
  pod dnsfleet dataplane --help | head -2

  pod dnsfleet serve -f /mnt/zones --listen 127.0.0.1:5300 --udp-io batched >"$M.serve.log" 2>&1 &
  serve=$!
  for _ in $(seq 100); do dig @127.0.0.1 -p 5300 +time=1 +tries=1 example.com SOA >/dev/null 2>&1 && break; sleep 0.2; done
  echo "dig @127.0.0.1 -p 5300 www.example.com A:"
  dig @127.0.0.1 -p 5300 +norec www.example.com A | grep -E "status:|flags:|^[a-z].*IN"
  dig @127.0.0.1 -p 5300 +norec +short www.example.com A | grep -q . || { cat "$M.serve.log"; echo "check: serve gave no answer" >&2; exit 1; }
  grep -q "node:dgram" "$M.serve.log" && { echo "check: serve fell back to node:dgram" >&2; cat "$M.serve.log"; exit 1; }
  kill $serve; wait $serve || true

  # Signing: worker threads, keys in a state directory on the emptyDir.
  pod dnsfleet serve -f /mnt/signing --listen 127.0.0.1:5301 --state-dir /var/lib/dnsfleet/state --udp-io batched >"$M.sign.log" 2>&1 &
  sign=$!
  for _ in $(seq 150); do dig @127.0.0.1 -p 5301 +dnssec +norec signed.example SOA 2>/dev/null | grep -q RRSIG && break; sleep 0.2; done
  echo "dig +dnssec @127.0.0.1 -p 5301 signed.example DNSKEY: $(dig @127.0.0.1 -p 5301 +dnssec +norec signed.example DNSKEY | grep -cE "IN[[:space:]]+(DNSKEY|RRSIG)") DNSKEY/RRSIG records"
  dig @127.0.0.1 -p 5301 +dnssec +norec signed.example SOA | grep -q RRSIG || { cat "$M.sign.log"; echo "check: the signed zone has no RRSIG" >&2; exit 1; }
  kill $sign; wait $sign || true
  echo "serve wrote: $(cd "$M/var/lib/dnsfleet" && find . -type f | sort | tr "\n" " ")"

  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  POD_ENV=(POD_NAME=cloud-a-0 DNSFLEET_REDIS_URL=redis://127.0.0.1:6379 DNSFLEET_SNAPSHOT_DIR=/var/lib/dnsfleet)
  pod dnsfleet dataplane --role cloud --cloud cloud-a --nsid cloud-a-0 --listen-ips 127.0.0.1 --port 5353 --http-port 8080 --udp-io batched >"$M.cloud.log" 2>&1 &
  cloud=$!
  for _ in $(seq 100); do curl -sf --noproxy "*" http://127.0.0.1:8080/readyz >/dev/null && break; sleep 0.2; done
  echo "cloud pod: /healthz $(curl -s --noproxy "*" -o /dev/null -w %{http_code} http://127.0.0.1:8080/healthz), /readyz $(curl -s --noproxy "*" -o /dev/null -w %{http_code} http://127.0.0.1:8080/readyz)"
  curl -sf --noproxy "*" http://127.0.0.1:8080/readyz >/dev/null || { cat "$M.cloud.log"; echo "check: the cloud pod is not ready" >&2; exit 1; }
  echo "cloud pod: dig CH TXT id.server -> $(dig @127.0.0.1 -p 5353 +short CH TXT id.server)"
  kill -TERM $cloud; wait $cloud || true
  POD_ENV=(POD_NAME=control-0 DNSFLEET_REDIS_URL=redis://127.0.0.1:6379 DNSFLEET_SNAPSHOT_DIR=/var/lib/dnsfleet)
  pod dnsfleet dataplane --role control --allow-transfer 127.0.0.0/8 --listen-ips 127.0.0.2 --port 5353 --http-port 8080 --udp-io batched >"$M.control.log" 2>&1 &
  control=$!
  for _ in $(seq 100); do curl -sf --noproxy "*" http://127.0.0.2:8080/readyz >/dev/null && break; sleep 0.2; done
  echo "control pod: /readyz $(curl -s --noproxy "*" -o /dev/null -w %{http_code} http://127.0.0.2:8080/readyz)"
  curl -sf --noproxy "*" http://127.0.0.2:8080/readyz >/dev/null || { cat "$M.control.log"; echo "check: the control pod is not ready" >&2; exit 1; }
  kill -TERM $control; wait $control || true
  grep -iE "\"level\":\"(error|fatal)\"|EROFS|read-only" "$M.control.log" && { echo "check: errors in the control pod log" >&2; exit 1; }
  grep -iE "\"level\":\"(error|fatal)\"|EROFS|read-only" "$M.cloud.log" && { echo "check: errors in the cloud pod log" >&2; exit 1; }
  redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
  rm -f "$M".*.log
  echo "check: the image runs"
'

command -v containerd >/dev/null && command -v ctr >/dev/null && command -v runc >/dev/null || { echo "check: no containerd here, the runc leg is skipped"; exit 0; }
D=$(mktemp -d /tmp/dnsfleet-image-check.XXXXXX)
printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/sock"\n[ttrpc]\n  address = "%s/ttrpc.sock"\n' "$D" "$D" "$D" "$D" >"$D/config.toml"
containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
containerd_pid=$!
trap 'kill "$containerd_pid" 2>/dev/null; wait "$containerd_pid" 2>/dev/null; remove; rm -rf "$D"' EXIT
A=(ctr --address "$D/sock" -n k8s.io)
for _ in $(seq 50); do "${A[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${A[@]}" images import "$ARCHIVE" >/dev/null
image=$("${A[@]}" images ls -q | head -1)
mkdir -m 1777 "$D/emptydir"
"${A[@]}" run -d --read-only --seccomp --mount "type=bind,src=$D/emptydir,dst=/var/lib/dnsfleet,options=rbind:rw" \
  --mount "type=bind,src=$REPO/examples,dst=/examples,options=rbind:ro" "$image" dnsfleet-check \
  dnsfleet serve -f /examples/zones -f /examples/signing --listen 127.0.0.1:5300 --udp-io batched >/dev/null
pid=$("${A[@]}" task ls | awk '$1=="dnsfleet-check"{print $2}')
for _ in $(seq 150); do nsenter -t "$pid" -n dig @127.0.0.1 -p 5300 +dnssec +norec signed.example SOA 2>/dev/null | grep -q RRSIG && break; sleep 0.2; done
echo "runc ($image): $(grep -E "^(Uid|CapEff|NoNewPrivs|Seccomp):" "/proc/$pid/status" | tr -s "\t\n" "  ")"
echo "runc: www.example.com A -> $(nsenter -t "$pid" -n dig @127.0.0.1 -p 5300 +norec +short www.example.com A | tr "\n" " ")"
nsenter -t "$pid" -n dig @127.0.0.1 -p 5300 +dnssec +norec signed.example SOA | grep -q RRSIG || { echo "check: no RRSIG from the container" >&2; exit 1; }
echo "runc: signed.example SOA has its RRSIG; wrote $(cd "$D/emptydir" && find . -type f | sort | tr "\n" " ")"
"${A[@]}" task kill dnsfleet-check >/dev/null
for _ in $(seq 50); do "${A[@]}" task ls | grep -q dnsfleet-check || break; "${A[@]}" task delete dnsfleet-check >/dev/null 2>&1 || sleep 0.2; done
"${A[@]}" container delete dnsfleet-check >/dev/null
echo "check: the image runs under containerd and runc"
