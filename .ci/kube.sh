#!/usr/bin/env bash
# Two Kubernetes clusters on loopback, for the engine suite: real API servers, no kubelets.
#   .ci/kube.sh build     build what is missing (a second run takes seconds)
#   .ci/kube.sh start     start both clusters, or reuse them where they answer already
#   .ci/kube.sh stop      stop the processes this script started
#   .ci/kube.sh status    say what answers
#   .ci/kube.sh env       print `export KUBECONFIG=...`
# Built from the Go modules under .ci/toolchain/kube/ (each keyed by the hash of its files, in the
# cache outside the repo, like the Pulumi toolchain):
#   kubernetes/  kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes)
#   etcd/        etcd (go.etcd.io/etcd/server/v3)
#   kwok/        kwok (sigs.k8s.io/kwok/cmd/kwok): fakes nodes, pod status, volume provisioning
#                and, for the IngressClass `nginx`, an ingress controller's load-balancer status
# The clusters: one etcd, and per cluster an API server (its own etcd prefix, its own port), a
# controller manager, a scheduler and kwok with one fake node. One kubeconfig, two contexts
# (prod-eu, prod-us), with certificates made here by openssl. Each cluster has a default
# StorageClass (claims bind at once), an IngressClass `nginx`, and cert-manager's ClusterIssuer
# kind with a `letsencrypt-prod` issuer (the name the prod stack refers to).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/pidfile.sh
. "$root/.ci/lib/pidfile.sh"
cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
modules="$root/.ci/toolchain/kube"
state="$cache/kube-clusters"
kubeconfig="$state/kubeconfig"
# Ports: etcd's client and peer ports, then per cluster the API server, controller manager,
# scheduler and kwok (base + 10 * cluster index + 0..3).
port_base="${NOCOBASE_KUBE_PORT_BASE:-26400}"
clusters=(prod-eu prod-us)
wait_s=90

say() { echo "kube.sh: $*" >&2; }
die() { say "$*"; exit 1; }

module_key() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum; go version) | sha256sum | cut -c1-16
}

# Directory of one module's build: .../kube-<module>-<key>/
build_dir() { echo "$cache/kube-$1-$(module_key "$modules/$1")"; }

go_build() {
  local dir="$1" out="$2" stamp="$3"; shift 3
  (cd "$dir" && go build -buildvcs=false -trimpath -ldflags "-s -w $stamp" -o "$out/" "$@")
}

build_one() {
  local name="$1" stamp="$2"; shift 2
  local out started
  out="$(build_dir "$name")"
  [ -f "$out/.complete" ] && return 0
  started=$SECONDS
  say "building $name ($*) into $out (a cold build takes minutes)"
  rm -rf "$out.partial" && mkdir -p "$out.partial"
  go_build "$modules/$name" "$out.partial" "$stamp" "$@"
  # `go build -o DIR/` names a binary after its package path: etcd's is .../server/v3.
  if [ -e "$out.partial/server" ]; then mv "$out.partial/server" "$out.partial/etcd"; fi
  touch "$out.partial/.complete"
  rm -rf "$out" && mv "$out.partial" "$out"
  say "built $name in $((SECONDS - started)) s"
}

cmd_build() {
  command -v go >/dev/null || die "go not found: the clusters are built with the go command"
  # The version the wrapper requires, stamped where kube-apiserver reports it (/version).
  local kube_version v
  kube_version="$(cd "$modules/kubernetes" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
  v="${kube_version#v}"
  local stamp="-X k8s.io/component-base/version.gitVersion=$kube_version"
  stamp+=" -X k8s.io/component-base/version.gitMajor=${v%%.*}"
  stamp+=" -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2)"
  stamp+=" -X k8s.io/component-base/version.gitTreeState=clean"
  build_one kubernetes "$stamp" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  build_one etcd "" go.etcd.io/etcd/server/v3
  build_one kwok "" sigs.k8s.io/kwok/cmd/kwok
}

bin() {
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler) echo "$(build_dir kubernetes)/$1" ;;
    etcd) echo "$(build_dir etcd)/etcd" ;;
    kwok) echo "$(build_dir kwok)/kwok" ;;
  esac
}

port() { # port CLUSTER_INDEX OFFSET
  echo $((port_base + 10 + 10 * $1 + $2))
}
etcd_port=$((port_base + 0))
etcd_peer_port=$((port_base + 1))

alive() { pidfile_pid "$1" >/dev/null; }

# Starts a process detached (setsid), its pid in $state/NAME.pid, its output in NAME.log.
launch() {
  local name="$1"; shift
  alive "$state/$name.pid" && return 0
  setsid "$@" >"$state/$name.log" 2>&1 </dev/null &
  pidfile_write "$state/$name.pid" $!
}

# A request to a cluster's API server with the admin's certificate.
api() { # api CLUSTER_INDEX METHOD PATH [BODY-FILE]
  local dir="$state/${clusters[$1]}"
  local args=(-sS --max-time 10 --cacert "$state/pki/ca.crt" --cert "$dir/admin.crt" --key "$dir/admin.key" -X "$2")
  [ -n "${4:-}" ] && args+=(-H "Content-Type: application/yaml" --data-binary "@$4")
  curl "${args[@]}" "https://127.0.0.1:$(port "$1" 0)$3"
}

ready() { [ "$(api "$1" GET /readyz 2>/dev/null)" = "ok" ]; }

wait_for() { # wait_for DESCRIPTION COMMAND...
  local what="$1"; shift
  local deadline=$((SECONDS + wait_s))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || { say "$what: no answer within $wait_s s (logs in $state)"; return 1; }
    sleep 1
  done
}

pki() {
  local dir="$state/pki"
  [ -f "$dir/.complete" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=nocobase-platform-test-ca" 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      "extendedKeyUsage=serverAuth" >server.ext
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 -extfile server.ext 2>/dev/null
  )
  touch "$dir/.complete"
}

# The admin of one cluster: a client certificate in system:masters, and a kubeconfig of its own
# for the cluster's components.
admin() {
  local i="$1" name="${clusters[$1]}" dir="$state/${clusters[$1]}"
  mkdir -p "$dir"
  if [ ! -f "$dir/admin.crt" ]; then
    printf '%s\n' "extendedKeyUsage=clientAuth" >"$dir/client.ext"
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/admin.key" -out "$dir/admin.csr" -subj "/O=system:masters/CN=$name-admin" 2>/dev/null
    openssl x509 -req -in "$dir/admin.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" -CAcreateserial \
      -out "$dir/admin.crt" -days 3650 -extfile "$dir/client.ext" 2>/dev/null
  fi
  kubeconfig_for "$i" >"$dir/kubeconfig"
}

b64() { base64 -w0 <"$1"; }

kubeconfig_for() { # one cluster, or all when no index is given
  local idx=("$@")
  [ ${#idx[@]} -gt 0 ] || idx=("${!clusters[@]}")
  echo "apiVersion: v1"
  echo "kind: Config"
  echo "clusters:"
  for i in "${idx[@]}"; do
    printf '  - name: %s\n    cluster:\n      server: https://127.0.0.1:%s\n      certificate-authority-data: %s\n' \
      "${clusters[$i]}" "$(port "$i" 0)" "$(b64 "$state/pki/ca.crt")"
  done
  echo "users:"
  for i in "${idx[@]}"; do
    printf '  - name: %s-admin\n    user:\n      client-certificate-data: %s\n      client-key-data: %s\n' \
      "${clusters[$i]}" "$(b64 "$state/${clusters[$i]}/admin.crt")" "$(b64 "$state/${clusters[$i]}/admin.key")"
  done
  echo "contexts:"
  for i in "${idx[@]}"; do
    printf '  - name: %s\n    context:\n      cluster: %s\n      user: %s-admin\n' "${clusters[$i]}" "${clusters[$i]}" "${clusters[$i]}"
  done
  echo "current-context: ${clusters[${idx[0]}]}"
}

# kwok's stages: the fast node, pod and volume stages of the kwok module itself, and one of ours
# that gives an Ingress of class nginx the load-balancer address an ingress controller would.
kwok_config() {
  local dir
  dir="$(cd "$modules/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
    volume/fast/pv-bind.yaml volume/fast/pv-delete.yaml volume/fast/pvc-provision.yaml volume/fast/pvc-delete.yaml; do
    echo "---"
    cat "$dir/kustomize/stage/$f"
  done
  cat <<'EOF'
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ingress-nginx-address
spec:
  resourceRef:
    apiGroup: networking.k8s.io/v1
    kind: Ingress
  selector:
    matchExpressions:
    - cel:
        expression: >-
          has(self.spec.ingressClassName) && self.spec.ingressClassName == 'nginx'
    - cel:
        expression: >-
          !has(self.metadata.deletionTimestamp)
    - cel:
        expression: >-
          !has(self.status.loadBalancer.ingress)
  steps:
  - patch:
      root: status
      subresource: status
      template: |
        loadBalancer:
          ingress:
          - ip: 127.0.0.1
EOF
}

# What every cluster holds before a test runs: the fake node, storage, ingress and issuer kinds.
cluster_objects() {
  cat <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: { cpu: "64", memory: 256Gi, pods: "250" }
  capacity: { cpu: "64", memory: 256Gi, pods: "250" }
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: kwok-volume
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kwok.x-k8s.io/volume
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterissuers.cert-manager.io
spec:
  group: cert-manager.io
  scope: Cluster
  names: { kind: ClusterIssuer, listKind: ClusterIssuerList, plural: clusterissuers, singular: clusterissuer }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-prod
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    privateKeySecretRef: { name: letsencrypt-prod }
    solvers:
    - http01: { ingress: { ingressClassName: nginx } }
EOF
}

# Creates each object of a multi-document YAML file, skipping those that exist already.
apply_objects() { # apply_objects INDEX FILE
  local i="$1" file="$2" doc tmp code
  tmp="$(mktemp -d)"
  awk -v d="$tmp" 'BEGIN{n=0} /^---$/{n++; next} {print > (d "/" n ".yaml")}' "$file"
  for doc in "$tmp"/*.yaml; do
    local kind path
    kind="$(sed -n 's/^kind: //p' "$doc" | head -1)"
    case "$kind" in
      Node) path=/api/v1/nodes ;;
      StorageClass) path=/apis/storage.k8s.io/v1/storageclasses ;;
      IngressClass) path=/apis/networking.k8s.io/v1/ingressclasses ;;
      CustomResourceDefinition) path=/apis/apiextensions.k8s.io/v1/customresourcedefinitions ;;
      ClusterIssuer) path=/apis/cert-manager.io/v1/clusterissuers ;;
      *) die "no path for $kind" ;;
    esac
    # A custom kind is served a moment after its definition is created.
    local tries=0
    while :; do
      code="$(curl_code "$i" "$path" "$doc")"
      case "$code" in
        201 | 409) break ;;
        404) [ $tries -lt 30 ] || die "${clusters[$i]}: $kind: HTTP 404 after 30 s"; tries=$((tries + 1)); sleep 1 ;;
        *) die "${clusters[$i]}: creating $kind failed with HTTP $code" ;;
      esac
    done
  done
  rm -rf "$tmp"
}

curl_code() { # curl_code INDEX PATH FILE -> HTTP status of a POST
  local dir="$state/${clusters[$1]}"
  curl -sS --max-time 10 -o "$state/last-response.json" -w '%{http_code}' --cacert "$state/pki/ca.crt" --cert "$dir/admin.crt" --key "$dir/admin.key" \
    -X POST -H "Content-Type: application/yaml" --data-binary "@$3" "https://127.0.0.1:$(port "$1" 0)$2" || echo 000
}

start_etcd() {
  if alive "$state/etcd.pid"; then return 0; fi
  # A cluster that was stopped starts empty: nothing of an earlier run is left in it.
  rm -rf "$state/etcd-data"
  launch etcd "$(bin etcd)" --name nocobase-test --data-dir "$state/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "nocobase-test=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
  wait_for "etcd on 127.0.0.1:$etcd_port" etcd_healthy
}

etcd_healthy() { curl -sS --max-time 2 "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"'; }

start_cluster() {
  local i="$1" name="${clusters[$1]}" dir="$state/${clusters[$1]}"
  admin "$i"
  launch "$name-apiserver" "$(bin kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$etcd_port" --etcd-prefix "/$name" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$(port "$i" 0)" \
    --tls-cert-file "$state/pki/server.crt" --tls-private-key-file "$state/pki/server.key" \
    --client-ca-file "$state/pki/ca.crt" --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none
  wait_for "$name's API server" ready "$i"
  launch "$name-controller-manager" "$(bin kube-controller-manager)" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(port "$i" 1)" --leader-elect=false \
    --service-account-private-key-file "$state/pki/sa.key" --root-ca-file "$state/pki/ca.crt" \
    --service-cluster-ip-range 10.96.0.0/16 --controllers '*'
  launch "$name-scheduler" "$(bin kube-scheduler)" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(port "$i" 2)" --leader-elect=false
  kwok_config >"$state/kwok-stages.yaml"
  launch "$name-kwok" "$(bin kwok)" --kubeconfig "$dir/kubeconfig" --config "$state/kwok-stages.yaml" \
    --manage-all-nodes=true --node-lease-duration-seconds 40 --cidr 10.244.$i.0/24 --node-ip 127.0.0.1 \
    --server-address "127.0.0.1:$(port "$i" 3)"
  cluster_objects >"$state/cluster-objects.yaml"
  apply_objects "$i" "$state/cluster-objects.yaml"
  wait_for "$name's node Ready" node_ready "$i"
  wait_for "$name's default service account" default_sa "$i"
}

# NodeCondition serializes type, then status.
node_ready() { api "$1" GET /api/v1/nodes/kwok-node-0 2>/dev/null | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'; }
default_sa() { api "$1" GET /api/v1/namespaces/default/serviceaccounts/default 2>/dev/null | tr -d ' \n' | grep -q '"name":"default"'; }

cmd_start() {
  cmd_build
  command -v openssl >/dev/null && command -v curl >/dev/null || "$root/.ci/services.sh" install openssl curl
  local started=$SECONDS
  mkdir -p "$state"
  pki
  start_etcd
  for i in "${!clusters[@]}"; do start_cluster "$i"; done
  kubeconfig_for >"$kubeconfig.partial" && mv "$kubeconfig.partial" "$kubeconfig"
  say "clusters ${clusters[*]} ready in $((SECONDS - started)) s; KUBECONFIG=$kubeconfig"
}

cmd_stop() {
  local f pid
  for f in "$state"/*.pid; do
    [ -e "$f" ] || continue
    pid="$(pidfile_pid "$f")" || { rm -f "$f"; continue; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    rm -f "$f"
  done
  say "stopped"
}

cmd_status() {
  local rc=0
  if etcd_healthy; then say "etcd: up on 127.0.0.1:$etcd_port"; else say "etcd: down"; rc=1; fi
  for i in "${!clusters[@]}"; do
    if [ -f "$state/${clusters[$i]}/admin.crt" ] && ready "$i"; then say "${clusters[$i]}: up on https://127.0.0.1:$(port "$i" 0)"; else say "${clusters[$i]}: down"; rc=1; fi
  done
  return $rc
}

case "${1:-start}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export KUBECONFIG=\"$kubeconfig\"" ;;
  *) die "usage: $0 build|start|stop|status|env" ;;
esac
