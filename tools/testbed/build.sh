#!/usr/bin/env bash
# Builds the test bed's real parts from the Go module proxy into a cache outside the repo:
#   kube-apiserver, kube-controller-manager and kube-scheduler (k8s.io/kubernetes via one wrapper
#   module that pins the staging modules to their published versions), KWOK (fake nodes and
#   kubelets), etcd, nats-server, the loopback Git smart-HTTP server (git http-backend behind
#   Go's net/http/cgi), the static chart server (the loopback Helm chart repository), the Helm CLI
#   (charts/ lint and tests) and the CNCF Distribution registry (the loopback OCI registry).
#   Idempotent: a binary already built for the pinned version is reused.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
CACHE="${GITFLEET_CACHE:-$HOME/.cache/gitfleet}"
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/build"
export GOFLAGS="${GOFLAGS:-} -mod=mod" GOTOOLCHAIN=local

log() { printf '[testbed:build] %s\n' "$*" >&2; }

# build_tool NAME VERSION MODULE PACKAGE: builds PACKAGE from a wrapper module that requires MODULE.
# The Kubernetes binaries share one wrapper module per version (one resolution, one go.sum).
build_tool() {
  local name=$1 version=$2 module=$3 pkg=$4
  local out="$BIN/$name-$version" dir="$CACHE/build/$name-$version" ldflags="-s -w" p
  if [[ "$module" == k8s.io/kubernetes ]]; then
    # Stamp the version as Kubernetes' own build does (hack/lib/version.sh); otherwise /version
    # says v0.0.0-master+$Format:%H$, which clients such as `kubectl version` cannot parse.
    local minor=${version#v1.}; minor=${minor%%.*}
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    out+="-$(sha256sum <<<"$ldflags" | cut -c1-8)" # a change of flags is a new binary
    dir="$CACHE/build/kubernetes-$version"
  elif [[ "$module" == "$DISTRIBUTION" ]]; then
    # As distribution's Makefile does: otherwise `registry --version` says v3.x.y+unknown.
    ldflags+=" -X $module/version.version=$version"
    out+="-$(sha256sum <<<"$ldflags" | cut -c1-8)"
  fi
  if [[ -x "$out" ]]; then ln -sf "$out" "$BIN/$name"; return; fi
  log "building $name $version (first run only; cached in $BIN)"
  local start=$SECONDS
  (
    if [[ ! -e "$dir/.ready" ]]; then
      rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
      go mod init "gitfleet.local/testbed/${dir##*/}" >/dev/null 2>&1
      if [[ "$module" == k8s.io/kubernetes ]]; then
        # k8s.io/kubernetes replaces its staging modules with ./staging paths; point them at the
        # published k8s.io/* v0.X.Y releases instead (the envtest way of building from the proxy).
        local gomod minor
        gomod=$(go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
        minor="v0${version#v1}"
        grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print $1}' | while read -r m; do
          go mod edit -replace "$m=$m@$minor"
        done
      fi
      touch .ready
    fi
    cd "$dir"
    go get -tool "$pkg@$version" >/dev/null
    CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out.tmp" "$pkg"
    mv "$out.tmp" "$out"
  )
  ln -sf "$out" "$BIN/$name"
  log "built $name in $((SECONDS - start)) s"
}

# kwok_stages: KWOK's own default Stages (what kwokctl feeds it: node-initialize,
# node-heartbeat-with-lease, and the "fast" pod-ready/pod-complete/pod-delete), taken from the same
# release's module source. The kwok binary alone has no built-in Stages and refuses to start.
kwok_stages() {
  local out="$BIN/kwok-stages-$KWOK_VERSION.yaml" src f
  [[ -s "$out" ]] && return
  src=$(cd "$CACHE/build" && go mod download -json "$KWOK@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -d "$src/kustomize/stage" ]] || { log "kwok $KWOK_VERSION sources not found"; exit 1; }
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    printf -- '---\n'
    cat "$src/kustomize/stage/$f.yaml"
  done >"$out.tmp"
  mv "$out.tmp" "$out"
}

K8S=k8s.io/kubernetes
KWOK=sigs.k8s.io/kwok # its go.mod has no replace directives; a plain wrapper module suffices
# CNCF Distribution (the OCI registry): its go.mod has no replace directives either.
DISTRIBUTION=github.com/distribution/distribution/v3

# build_local NAME DIR: one of the test bed's own small Go servers (tools/testbed/DIR, standard
# library only), cached under a hash of its sources.
build_local() {
  local name=$1 src="$here/$2" sum out
  sum=$(cat "$src/main.go" "$src/go.mod" | sha256sum | cut -c1-12)
  out="$BIN/$name-$sum"
  if [[ ! -x "$out" ]]; then
    log "building $name"
    (cd "$src" && CGO_ENABLED=0 go build -o "$out.tmp" . && mv "$out.tmp" "$out")
  fi
  ln -sf "$out" "$BIN/$name"
}

# build_helm: the Helm CLI (charts/ lint, template and tests), from the same kind of wrapper module as
# build_tool (helm.sh/helm/v4's go.mod has no replace directives), with the version stamped as
# Helm's Makefile does (`helm version` otherwise says v4.3 with no patch level).
build_helm() {
  local version=$HELM_VERSION mod=helm.sh/helm/v4 v
  local ldflags="-s -w -X $mod/internal/version.version=$version -X $mod/internal/version.gitTreeState=clean"
  local out="$BIN/helm-$version" dir="$CACHE/build/helm-$version"
  if [[ -x "$out" ]]; then ln -sf "$out" "$BIN/helm"; return; fi
  log "building helm $version (first run only; cached in $BIN)"
  local start=$SECONDS
  (
    if [[ ! -e "$dir/.ready" ]]; then
      rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
      go mod init "gitfleet.local/testbed/helm-$version" >/dev/null 2>&1
      touch .ready
    fi
    cd "$dir"
    go get -tool "$mod/cmd/helm@$version" >/dev/null
    CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out.tmp" "$mod/cmd/helm"
    v=$("$out.tmp" version --template '{{.Version}}')
    [[ "$v" == "$version" ]] || { log "helm says version $v, expected $version"; exit 1; }
    mv "$out.tmp" "$out"
  )
  ln -sf "$out" "$BIN/helm"
  log "built helm in $((SECONDS - start)) s"
}

build_one() {
  case "$1" in
    gitserver) build_local git-http-server gitserver ;;
    chartserver) build_local chart-server chartserver ;;
    nats-server) build_tool nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2 github.com/nats-io/nats-server/v2 ;;
    etcd) build_tool etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 ;;
    kube-apiserver | kube-controller-manager | kube-scheduler)
      build_tool "$1" "$KUBERNETES_VERSION" "$K8S" "$K8S/cmd/$1" ;;
    kwok) build_tool kwok "$KWOK_VERSION" "$KWOK" "$KWOK/cmd/kwok"; kwok_stages ;;
    helm) build_helm ;;
    registry) build_tool registry "$DISTRIBUTION_VERSION" "$DISTRIBUTION" "$DISTRIBUTION/cmd/registry" ;;
    *) echo "unknown part: $1 (parts: all ${ALL_BUILDS[*]})" >&2; exit 2 ;;
  esac
}

ALL_BUILDS=(gitserver chartserver nats-server etcd kube-apiserver kube-controller-manager kube-scheduler kwok helm registry)
want=("${@:-all}")
for w in "${want[@]}"; do
  if [[ "$w" == all ]]; then
    for b in "${ALL_BUILDS[@]}"; do build_one "$b"; done
  else
    build_one "$w"
  fi
done
