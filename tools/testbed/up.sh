#!/usr/bin/env bash
# Starts the real test bed as background daemons (pid files and logs under the state dir
# ${GITFLEET_STATE:-$HOME/.cache/gitfleet/testbed}): one etcd, five kube-apiservers (spoke1..5)
# on it, nats-server with JetStream, a private PostgreSQL cluster, the Git smart-HTTP server, a
# static Helm chart repository ("charts"), a CNCF Distribution OCI registry ("registry"), and
# for every spoke (WORKLOAD_SPOKES in lib.sh) kube-controller-manager + kube-scheduler
# ("controllers") and KWOK with two fake nodes ("kwok"), so Deployments really roll out there.
# Idempotent: a part (or one spoke's process of it) that already runs is left alone; only what is
# missing is started, e.g. the new spokes and their controllers on a bed started by an older up.sh.
#   usage: up.sh [etcd|apiservers|nats|postgres|git|charts|registry|controllers|kwok ...]   (default: all parts)
# Writes $STATE/testbed.env (KEY=value lines) for tests to read.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

parse_parts "$@"
declare -A FRESH=() # parts started by this run (get their one-time setup and checks)

# --- prerequisites ---------------------------------------------------------------------------

ensure_deps() {
  local missing=()
  command -v git >/dev/null || missing+=(git)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v gpg >/dev/null || missing+=(gnupg) # signed commits in the commit-signature tests
  pg_bindir >/dev/null || missing+=(postgresql)
  # the admin API fuzzing of `npm test` installs schemathesis into a venv (tools/fuzz-api.sh)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  [[ ${#missing[@]} -eq 0 ]] && return
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]})"
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${missing[@]}" >"$LOGS/apt.log" 2>&1 ||
    { apt-get update >>"$LOGS/apt.log" 2>&1 && apt-get install -y "${missing[@]}" >>"$LOGS/apt.log" 2>&1; } ||
    die "apt-get install failed; see $LOGS/apt.log"
}

build() {
  local targets=()
  wants etcd && targets+=(etcd)
  wants apiservers && targets+=(kube-apiserver)
  wants nats && targets+=(nats-server)
  wants git && targets+=(gitserver)
  wants charts && targets+=(chartserver)
  wants registry && targets+=(registry)
  wants controllers && targets+=(kube-controller-manager kube-scheduler)
  wants kwok && targets+=(kwok)
  [[ ${#PARTS[@]} -eq ${#ALL_PARTS[@]} ]] && targets=(all)
  [[ ${#targets[@]} -gt 0 ]] && "$TESTBED_DIR/build.sh" "${targets[@]}"
  return 0
}

# --- etcd ------------------------------------------------------------------------------------

etcd_healthy() { [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health") == *'"health":"true"'* ]]; }

start_etcd() {
  if pid_of etcd >/dev/null; then return; fi
  ensure_port_free "$ETCD_PORT" etcd
  ensure_port_free "$ETCD_PEER_PORT" "etcd peer"
  mkdir -p "$STATE/etcd"
  chmod 700 "$STATE/etcd"
  # --unsafe-no-fsync as envtest does: survives process crashes (page cache), not OS crashes.
  daemon etcd "$LOGS/etcd.log" "$BIN/etcd" \
    --name=gitfleet-testbed \
    --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="gitfleet-testbed=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync
  FRESH[etcd]=1
}

wait_etcd() {
  pid_of etcd >/dev/null || die "etcd is not running (start it: up.sh etcd); see $LOGS/etcd.log"
  wait_for etcd "$LOGS/etcd.log" 30 etcd etcd_healthy
}

# --- kube-apiservers -------------------------------------------------------------------------

# make_pki: CA, serving cert, admin client cert, service-account key pair, static token (once).
make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  local o="$PKI"
  if [[ ! -s "$o/ca.crt" || ! -s "$o/ca.key" ]]; then
    rm -f "$o"/apiserver.* "$o"/admin.*
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=gitfleet-testbed-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$o/ca.key" -out "$o/ca.crt" 2>/dev/null
  fi
  if [[ ! -s "$o/apiserver.crt" ]]; then
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout "$o/apiserver.key" -out "$o/apiserver.csr" 2>/dev/null
    openssl x509 -req -in "$o/apiserver.csr" -CA "$o/ca.crt" -CAkey "$o/ca.key" -CAcreateserial \
      -days 3650 -out "$o/apiserver.crt" -extfile <(printf '%s\n' \
        "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth") 2>/dev/null
    rm -f "$o/apiserver.csr"
  fi
  if [[ ! -s "$o/admin.crt" ]]; then
    # Client-cert identity for the same admin (accepted via --client-ca-file).
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=gitfleet-admin" \
      -keyout "$o/admin.key" -out "$o/admin.csr" 2>/dev/null
    openssl x509 -req -in "$o/admin.csr" -CA "$o/ca.crt" -CAkey "$o/ca.key" -CAcreateserial \
      -days 3650 -out "$o/admin.crt" -extfile <(printf '%s\n' \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth") 2>/dev/null
    rm -f "$o/admin.csr"
  fi
  if [[ ! -s "$o/sa.key" ]]; then
    openssl genrsa -out "$o/sa.key" 2048 2>/dev/null
    openssl rsa -in "$o/sa.key" -pubout -out "$o/sa.pub" 2>/dev/null
  fi
  if [[ ! -s "$o/admin.token" ]]; then
    openssl rand -hex 32 >"$o/admin.token"
  fi
  printf '%s,gitfleet-admin,gitfleet-admin,"system:masters"\n' "$(<"$o/admin.token")" >"$o/tokens.csv"
}

write_kubeconfigs() {
  mkdir -p "$KUBECONFIGS"
  local ca token s clusters="" users="" contexts=""
  ca=$(base64 -w0 <"$PKI/ca.crt")
  token=$(<"$PKI/admin.token")
  for s in "${SPOKES[@]}"; do
    clusters+="- name: $s
  cluster:
    server: https://127.0.0.1:${SPOKE_PORT[$s]}
    certificate-authority-data: $ca
"
    users+="- name: $s-admin
  user:
    token: $token
"
    contexts+="- name: $s
  context:
    cluster: $s
    user: $s-admin
"
    cat >"$KUBECONFIGS/$s.kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $s
  cluster:
    server: https://127.0.0.1:${SPOKE_PORT[$s]}
    certificate-authority-data: $ca
users:
- name: $s-admin
  user:
    token: $token
contexts:
- name: $s
  context:
    cluster: $s
    user: $s-admin
current-context: $s
EOF
    mv "$KUBECONFIGS/$s.kubeconfig.tmp" "$KUBECONFIGS/$s.kubeconfig"
  done
  printf 'apiVersion: v1\nkind: Config\nclusters:\n%susers:\n%scontexts:\n%scurrent-context: %s\n' \
    "$clusters" "$users" "$contexts" "${SPOKES[0]}" >"$KUBECONFIGS/all.kubeconfig.tmp"
  mv "$KUBECONFIGS/all.kubeconfig.tmp" "$KUBECONFIGS/all.kubeconfig"
  chmod 600 "$KUBECONFIGS"/*.kubeconfig
}

apiserver_ready() {
  local s=$1
  if command -v kubectl >/dev/null; then
    kubectl --kubeconfig "$KUBECONFIGS/$s.kubeconfig" --request-timeout=3s get --raw /readyz
  else
    curl -fsS --max-time 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(<"$PKI/admin.token")" \
      "https://127.0.0.1:${SPOKE_PORT[$s]}/readyz"
  fi
}

start_apiservers() {
  make_pki
  write_kubeconfigs
  local s port
  for s in "${SPOKES[@]}"; do
    if pid_of "kube-apiserver-$s" >/dev/null; then continue; fi
    port=${SPOKE_PORT[$s]}
    ensure_port_free "$port" "kube-apiserver $s"
    [[ -v FRESH[apiservers] ]] || wait_etcd
    daemon "kube-apiserver-$s" "$LOGS/kube-apiserver-$s.log" "$BIN/kube-apiserver" \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --etcd-prefix="/$s" \
      --bind-address=127.0.0.1 \
      --secure-port="$port" \
      --advertise-address=127.0.0.1 \
      --endpoint-reconciler-type=none \
      --tls-cert-file="$PKI/apiserver.crt" \
      --tls-private-key-file="$PKI/apiserver.key" \
      --client-ca-file="$PKI/ca.crt" \
      --token-auth-file="$PKI/tokens.csv" \
      --authorization-mode=Node,RBAC \
      --service-account-issuer="https://127.0.0.1:$port" \
      --service-account-key-file="$PKI/sa.pub" \
      --service-account-signing-key-file="$PKI/sa.key" \
      --service-cluster-ip-range=10.96.0.0/16 \
      --disable-admission-plugins=ServiceAccount \
      --allow-privileged=true
    FRESH[apiservers]=1
  done
}

wait_apiservers() {
  local s
  for s in "${SPOKES[@]}"; do
    wait_for "kube-apiserver $s (/readyz)" "$LOGS/kube-apiserver-$s.log" 180 "kube-apiserver-$s" \
      apiserver_ready "$s"
  done
}

# --- NATS ------------------------------------------------------------------------------------

nats_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true"; }

start_nats() {
  if pid_of nats >/dev/null; then return; fi
  ensure_port_free "$NATS_PORT" nats
  ensure_port_free "$NATS_MONITOR_PORT" "nats monitoring"
  mkdir -p "$STATE/nats/jetstream"
  cat >"$STATE/nats/nats.conf" <<EOF
# Written by tools/testbed/up.sh; rewritten on every start.
server_name: "gitfleet-testbed"
listen: "127.0.0.1:$NATS_PORT"
http: "127.0.0.1:$NATS_MONITOR_PORT"
jetstream {
  store_dir: "$STATE/nats/jetstream"
}
EOF
  daemon nats "$LOGS/nats.log" "$BIN/nats-server" -c "$STATE/nats/nats.conf"
  FRESH[nats]=1
}

wait_nats() {
  wait_for "nats-server (healthz)" "$LOGS/nats.log" 30 nats nats_healthy
}

# --- PostgreSQL ------------------------------------------------------------------------------

PGDIR="$STATE/postgres"
PGDATA="$PGDIR/data"
PGSOCK="$PGDIR/run"

pg_running() { [[ -s "$PGDATA/PG_VERSION" ]] && as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

# The postgres OS user must be able to reach the state dir (a home dir such as /root is often
# mode 700): grant search-only (o+x) permission on ancestors it cannot traverse.
pg_grant_traverse() {
  [[ $(id -u) == 0 ]] || return 0
  runuser -u postgres -- test -x "$PGDIR" 2>/dev/null && return 0
  local d="$PGDIR" dirs=()
  while [[ "$d" != / ]]; do dirs=("$d" "${dirs[@]}"); d=$(dirname "$d"); done
  for d in "${dirs[@]}"; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      log "granting search-only permission (o+x) on $d so the postgres user can reach its data dir"
      chmod o+x "$d"
    fi
  done
}

start_postgres() {
  PGBIN=$(pg_bindir) || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  if pg_running; then return; fi
  ensure_port_free "$PG_PORT" postgres
  mkdir -p "$PGDATA" "$PGSOCK"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDIR" "$PGDATA" "$PGSOCK"
  chmod 700 "$PGDATA"
  pg_grant_traverse
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    log "initdb $PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1 ||
      die "initdb failed; see $LOGS/postgres-initdb.log"
    echo "include_if_exists = 'gitfleet.conf'" >>"$PGDATA/postgresql.conf"
  fi
  # Test-bed settings, rewritten on every start. fsync off: a crash of the OS (not of the
  # process) may lose data, acceptable for a test bed and much faster on small machines.
  cat >"$PGDATA/gitfleet.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  touch "$LOGS/postgres.log"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDATA/gitfleet.conf" "$LOGS/postgres.log"
  # pg_ctl detaches the postmaster into its own session.
  as_pg "$PGBIN/pg_ctl" start -D "$PGDATA" -l "$LOGS/postgres.log" -W -s 9>&- ||
    die "pg_ctl start failed; see $LOGS/postgres.log"
  FRESH[postgres]=1
}

pg_psql() { "$PGBIN/psql" -h "$PGSOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

wait_postgres() {
  wait_for "postgres (pg_isready)" "$LOGS/postgres.log" 60 - \
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  [[ -v FRESH[postgres] ]] || return 0
  pg_psql -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gitfleet') THEN
        CREATE ROLE gitfleet LOGIN CREATEDB PASSWORD 'gitfleet';
      END IF;
    END \$\$;" >/dev/null
  if [[ -z $(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = 'gitfleet'") ]]; then
    pg_psql -c "CREATE DATABASE gitfleet OWNER gitfleet" >/dev/null
  fi
}

# --- Git smart-HTTP server -------------------------------------------------------------------

git_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$GIT_PORT/healthz"; }

start_git() {
  if pid_of git >/dev/null; then return; fi
  ensure_port_free "$GIT_PORT" "git server"
  mkdir -p "$STATE/git"
  daemon git "$LOGS/git.log" "$BIN/git-http-server" -listen "127.0.0.1:$GIT_PORT" -root "$STATE/git"
  FRESH[git]=1
}

# git_probe: a bare repo can be created, pushed to over HTTP with the git CLI, and cloned back.
git_probe() {
  local tmp repo="$STATE/git/probe.git" url="http://127.0.0.1:$GIT_PORT/probe.git"
  local g=(git -c user.name=gitfleet-testbed -c user.email=testbed@gitfleet.invalid -c init.defaultBranch=main)
  tmp=$(mktemp -d)
  rm -rf "$repo"
  "${g[@]}" init -q --bare "$repo"
  "${g[@]}" init -q "$tmp/work"
  echo "probe $$" >"$tmp/work/probe.txt"
  "${g[@]}" -C "$tmp/work" add probe.txt
  "${g[@]}" -C "$tmp/work" commit -qm probe
  GIT_TERMINAL_PROMPT=0 "${g[@]}" -C "$tmp/work" push -q "$url" main >>"$LOGS/git.log" 2>&1 ||
    die "git push to $url failed; see $LOGS/git.log"
  GIT_TERMINAL_PROMPT=0 "${g[@]}" clone -q "$url" "$tmp/clone" >>"$LOGS/git.log" 2>&1 ||
    die "git clone of $url failed; see $LOGS/git.log"
  cmp -s "$tmp/work/probe.txt" "$tmp/clone/probe.txt" || die "git probe: cloned content differs"
  rm -rf "$tmp" "$repo"
}

wait_git() {
  wait_for "git-http-server (healthz)" "$LOGS/git.log" 15 git git_healthy
  [[ -v FRESH[git] ]] && git_probe
  return 0
}

# --- Helm chart repository (static HTTP) ------------------------------------------------------

# $STATE/charts is served at http://127.0.0.1:$CHART_PORT/charts/. Any folder in it holding an
# index.yaml is a chart repository: tests `helm package` into a folder of their own and run
# `helm repo index` there, so parallel tests never share an index.
charts_healthy() { [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$CHART_PORT/healthz") == ok ]]; }

start_charts() {
  if pid_of charts >/dev/null; then return; fi
  ensure_port_free "$CHART_PORT" "chart repository"
  mkdir -p "$STATE/charts"
  daemon charts "$LOGS/charts.log" "$BIN/chart-server" -listen "127.0.0.1:$CHART_PORT" -root "$STATE/charts"
  FRESH[charts]=1
}

# charts_probe: a file written under $STATE/charts comes back over HTTP byte for byte.
charts_probe() {
  local f="$STATE/charts/.probe-$$" got
  echo "probe $$" >"$f"
  got=$(curl -fsS --max-time 5 "http://127.0.0.1:$CHART_PORT/charts/${f##*/}") || { rm -f "$f"; die "chart repository probe failed; see $LOGS/charts.log"; }
  rm -f "$f"
  [[ "$got" == "probe $$" ]] || die "chart repository probe: served content differs"
}

wait_charts() {
  wait_for "chart-server (healthz)" "$LOGS/charts.log" 15 charts charts_healthy
  [[ -v FRESH[charts] ]] && charts_probe
  return 0
}

# --- OCI registry (CNCF Distribution) ----------------------------------------------------------

# Plain HTTP on loopback, filesystem storage in $STATE/registry/data, deletes allowed, no auth:
# `helm push|pull|template … --plain-http` against oci://127.0.0.1:$REGISTRY_PORT/<repo>.
registry_healthy() { [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/") == "{}" ]]; }

start_registry() {
  if pid_of registry >/dev/null; then return; fi
  ensure_port_free "$REGISTRY_PORT" "OCI registry"
  mkdir -p "$STATE/registry/data"
  cat >"$STATE/registry/config.yml" <<EOF
# Written by tools/testbed/up.sh; rewritten on every start.
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  # No OpenTelemetry exporter: by default it would send traces to an OTLP collector on localhost.
  OTEL_TRACES_EXPORTER=none daemon registry "$LOGS/registry.log" "$BIN/registry" serve "$STATE/registry/config.yml"
  FRESH[registry]=1
}

wait_registry() {
  wait_for "registry (/v2/)" "$LOGS/registry.log" 20 registry registry_healthy
}

# --- kube-controller-manager, kube-scheduler, KWOK (the workload spokes) ---------------------

# need_apiserver SPOKE WHAT: these parts run against an apiserver that must already be up.
need_apiserver() {
  [[ -s "$KUBECONFIGS/$1.kubeconfig" && -s "$PKI/sa.key" ]] ||
    die "$2 needs the $1 apiserver's PKI and kubeconfig; start it first: up.sh apiservers"
  [[ -v FRESH[apiservers] ]] && return 0
  wants apiservers && return 0
  apiserver_ready "$1" >/dev/null 2>&1 || die "$2 needs the $1 apiserver; start it first: up.sh apiservers"
}

# secure_healthz PORT: the /healthz of a component serving HTTPS with its self-signed cert
# (/healthz is on the default --authorization-always-allow-paths, no credentials needed).
secure_healthz() { [[ $(curl -fsSk --max-time 2 "https://127.0.0.1:$1/healthz") == ok ]]; }

start_controllers() {
  local s kc
  for s in "${WORKLOAD_SPOKES[@]}"; do
    kc="$KUBECONFIGS/$s.kubeconfig"
    if ! pid_of "kube-controller-manager-$s" >/dev/null; then
      need_apiserver "$s" kube-controller-manager
      ensure_port_free "${KCM_PORT[$s]}" "kube-controller-manager $s"
      # Admin kubeconfig for everything (--use-service-account-credentials=false: no per-controller
      # SA identities to bootstrap); the SA key the apiserver verifies with, so the token
      # controller's tokens are valid; the test-bed CA as root CA for kube-root-ca.crt ConfigMaps.
      # No node IPAM (KWOK nodes carry their own podCIDR), no cloud provider, no leader election.
      daemon "kube-controller-manager-$s" "$LOGS/kube-controller-manager-$s.log" \
        "$BIN/kube-controller-manager" \
        --kubeconfig="$kc" \
        --controllers='*' \
        --use-service-account-credentials=false \
        --service-account-private-key-file="$PKI/sa.key" \
        --root-ca-file="$PKI/ca.crt" \
        --allocate-node-cidrs=false \
        --cluster-cidr=10.244.0.0/16 \
        --service-cluster-ip-range=10.96.0.0/16 \
        --leader-elect=false \
        --bind-address=127.0.0.1 \
        --secure-port="${KCM_PORT[$s]}"
      FRESH[controllers]=1
    fi
    if ! pid_of "kube-scheduler-$s" >/dev/null; then
      need_apiserver "$s" kube-scheduler
      ensure_port_free "${SCHED_PORT[$s]}" "kube-scheduler $s"
      daemon "kube-scheduler-$s" "$LOGS/kube-scheduler-$s.log" "$BIN/kube-scheduler" \
        --kubeconfig="$kc" \
        --leader-elect=false \
        --bind-address=127.0.0.1 \
        --secure-port="${SCHED_PORT[$s]}"
      FRESH[controllers]=1
    fi
  done
}

wait_controllers() {
  local s
  for s in "${WORKLOAD_SPOKES[@]}"; do
    wait_for "kube-controller-manager $s (healthz)" "$LOGS/kube-controller-manager-$s.log" 60 \
      "kube-controller-manager-$s" secure_healthz "${KCM_PORT[$s]}"
    wait_for "kube-scheduler $s (healthz)" "$LOGS/kube-scheduler-$s.log" 60 \
      "kube-scheduler-$s" secure_healthz "${SCHED_PORT[$s]}"
  done
}

kwok_healthy() { [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$1/healthz") == ok ]]; }

start_kwok() {
  local s stages="$BIN/kwok-stages-$KWOK_VERSION.yaml"
  [[ -s "$stages" ]] || die "missing $stages (run build.sh kwok)"
  for s in "${WORKLOAD_SPOKES[@]}"; do
    if pid_of "kwok-$s" >/dev/null; then continue; fi
    need_apiserver "$s" kwok
    ensure_port_free "${KWOK_PORT[$s]}" "kwok $s"
    # The kwok controller outside a cluster: the default Stages via --config (the binary has none
    # built in), only nodes annotated kwok.x-k8s.io/node=fake, node leases as kubelets do, and its
    # HTTP server (healthz, logs/exec stubs) on loopback. Pod IPs come from each node's podCIDR.
    daemon "kwok-$s" "$LOGS/kwok-$s.log" "$BIN/kwok" \
      --kubeconfig="$KUBECONFIGS/$s.kubeconfig" \
      --config="$stages" \
      --manage-all-nodes=false \
      --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
      --node-lease-duration-seconds=40 \
      --cidr=10.244.0.0/16 \
      --node-ip=192.0.2.1 \
      --server-address="127.0.0.1:${KWOK_PORT[$s]}"
    FRESH[kwok]=1
  done
}

# kwok_nodes SPOKE: the fake Nodes, created if missing (no taints: plain Deployments land there).
kwok_nodes() {
  local s=$1 i n manifest=""
  for i in "${!KWOK_NODES[@]}"; do
    n=${KWOK_NODES[$i]}
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    type: kwok
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: \"\"
spec:
  podCIDR: 10.244.$((i + 1)).0/24
  podCIDRs: [10.244.$((i + 1)).0/24]
status:
  addresses:
  - {type: InternalIP, address: 192.0.2.$((i + 1))}
  - {type: Hostname, address: $n}
  allocatable: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
  capacity: {cpu: \"32\", memory: 256Gi, pods: \"110\"}
  nodeInfo: {architecture: amd64, operatingSystem: linux}
"
  done
  command -v kubectl >/dev/null || die "kwok's fake nodes are created with kubectl; install it"
  kubectl --kubeconfig "$KUBECONFIGS/$s.kubeconfig" --request-timeout=10s apply --server-side \
    --field-manager=gitfleet-testbed -f - <<<"$manifest" >>"$LOGS/kwok-$s.log" 2>&1 ||
    die "creating the KWOK nodes on $s failed; see $LOGS/kwok-$s.log"
}

kwok_nodes_ready() {
  local ready
  ready=$(kubectl --kubeconfig "$KUBECONFIGS/$1.kubeconfig" --request-timeout=3s get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')
  [[ $(grep -o True <<<"$ready" | wc -l) -ge ${#KWOK_NODES[@]} ]]
}

wait_kwok() {
  local s
  for s in "${WORKLOAD_SPOKES[@]}"; do
    wait_for "kwok $s (healthz)" "$LOGS/kwok-$s.log" 30 "kwok-$s" kwok_healthy "${KWOK_PORT[$s]}"
    # Already running with its nodes Ready: nothing to do (one quick get); otherwise (re)create them.
    [[ ! -v FRESH[kwok] ]] && kwok_nodes_ready "$s" >/dev/null 2>&1 && continue
    kwok_nodes "$s"
    wait_for "kwok $s (nodes Ready)" "$LOGS/kwok-$s.log" 30 "kwok-$s" kwok_nodes_ready "$s"
  done
}

# --- main ------------------------------------------------------------------------------------

start_time=$SECONDS
take_lock
mkdir -p "$RUN" "$LOGS"
ensure_deps
build

# Launch everything that needs no waiting first, then the apiservers (which need etcd), then wait.
for p in etcd nats postgres git charts registry apiservers; do wants "$p" && "start_$p"; done
for p in etcd nats postgres git charts registry apiservers; do wants "$p" && "wait_$p"; done
# Then what runs against a ready apiserver.
for p in controllers kwok; do wants "$p" && "start_$p"; done
for p in controllers kwok; do wants "$p" && "wait_$p"; done

cat >"$STATE/testbed.env" <<EOF
GITFLEET_NATS_URL=nats://127.0.0.1:$NATS_PORT
GITFLEET_NATS_MONITOR_URL=http://127.0.0.1:$NATS_MONITOR_PORT
GITFLEET_DATABASE_URL=postgres://gitfleet:gitfleet@127.0.0.1:$PG_PORT/gitfleet
GITFLEET_GIT_URL=http://127.0.0.1:$GIT_PORT
GITFLEET_GIT_ROOT=$STATE/git
GITFLEET_CHART_REPO_URL=http://127.0.0.1:$CHART_PORT/charts
GITFLEET_CHART_REPO_DIR=$STATE/charts
GITFLEET_OCI_REGISTRY=127.0.0.1:$REGISTRY_PORT
GITFLEET_SPOKES=$(IFS=,; echo "${SPOKES[*]}")
GITFLEET_WORKLOAD_SPOKES=$(IFS=,; echo "${WORKLOAD_SPOKES[*]}")
GITFLEET_KUBECONFIG_DIR=$KUBECONFIGS
GITFLEET_TESTBED_STATE=$STATE
GITFLEET_BIN=$BIN
EOF

summary=()
for p in "${PARTS[@]}"; do
  case $p in
    etcd) summary+=("etcd :$ETCD_PORT") ;;
    apiservers)
      line="kube-apiserver"
      for s in "${SPOKES[@]}"; do line+=" $s :${SPOKE_PORT[$s]}"; done
      summary+=("$line") ;;
    nats) summary+=("nats+jetstream :$NATS_PORT (monitor :$NATS_MONITOR_PORT)") ;;
    postgres) summary+=("postgres :$PG_PORT") ;;
    git) summary+=("git http :$GIT_PORT") ;;
    charts) summary+=("helm chart repo :$CHART_PORT/charts/") ;;
    registry) summary+=("oci registry :$REGISTRY_PORT (plain http)") ;;
    controllers) summary+=("kube-controller-manager+kube-scheduler ${WORKLOAD_SPOKES[*]}") ;;
    kwok) summary+=("kwok ${WORKLOAD_SPOKES[*]} (nodes ${KWOK_NODES[*]})") ;;
  esac
done
fresh="${!FRESH[*]}"
joined=$(printf '%s, ' "${summary[@]}")
echo "$STATE/testbed.env"
echo "testbed up in $((SECONDS - start_time))s: ${joined%, }${fresh:+ (started: $fresh)}"
