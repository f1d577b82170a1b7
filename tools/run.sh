#!/usr/bin/env bash
# Runs a command with the project's Node.js 24 first on PATH (installed by tools/setup.sh into
# .tools/) and the workspace's node_modules/.bin after it. Every script goes through here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$root/.tools/node/node_modules/node/bin/node" ]]; then
  export PATH="$root/.tools/node/node_modules/node/bin:$PATH"
fi
export PATH="$root/node_modules/.bin:$PATH:${GITFLEET_CACHE:-$HOME/.cache/gitfleet}/bin"
# Nx's task cache lives outside the repo, beside the test bed's binaries, so fresh clones reuse it.
export NX_DAEMON=false NX_NO_CLOUD=true NX_CACHE_DIRECTORY="${GITFLEET_CACHE:-$HOME/.cache/gitfleet}/nx"
exec "$@"
