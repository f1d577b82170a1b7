#!/usr/bin/env bash
# Sets up a fresh machine for gitfleet, idempotently:
#   1. Node.js 24 LTS: when the machine's node is older, installs the npm registry's `node`
#      package (pinned in tools/testbed/versions.env) into .tools/node; tools/run.sh puts it first on PATH.
#   2. The workspace's npm dependencies (npm ci), run under that Node.
#   3. Builds every project (nx run-many -t build; outputs in each project's dist/, Nx cache in ~/.cache/gitfleet/nx).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source tools/testbed/versions.env
log() { printf '[setup] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
local_node="$root/.tools/node/node_modules/node/bin/node"
if [[ "$(node_major node)" -lt 24 && ! ( -x "$local_node" && "$("$local_node" --version)" == "v$NODE_VERSION" ) ]]; then
  log "installing Node.js $NODE_VERSION into .tools/node (machine has $(node --version 2>/dev/null || echo none))"
  mkdir -p .tools/node
  npm install --no-audit --no-fund --no-save --prefix .tools/node "node@$NODE_VERSION" >/dev/null
fi
run() { bash "$root/tools/run.sh" "$@"; }
log "node $(run node --version)"

stamp=".tools/npm-ci.stamp"
if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" || ! -d node_modules ]]; then
  log "installing npm dependencies"
  run npm ci --no-audit --no-fund --loglevel=error
  mkdir -p .tools && touch "$stamp"
fi

log "building"
run nx run-many -t build --outputStyle=static
