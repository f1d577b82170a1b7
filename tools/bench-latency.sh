#!/usr/bin/env bash
# `npm run bench:latency`: commit → applied on all three clusters, webhook-triggered, over N
# commits (default 20); prints p50 / p99 / max. Target (DESIGN.md): p99 < 2 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup.sh" >/dev/null
bash "$root/tools/testbed/up.sh" >/dev/null
bash "$root/tools/run.sh" node "$root/e2e/dist/demo/main.js" --stop >/dev/null 2>&1 || true
bash "$root/tools/run.sh" node "$root/e2e/dist/bench/latency.js" "$@"
