#!/usr/bin/env bash
# `npm run demo`: sets up a fresh machine (Node 24, dependencies, build), starts the test bed
# (etcd, three kube-apiservers, NATS JetStream, PostgreSQL, a Git server), then runs the demo:
# hub + three agents, the examples/ repository pushed and deployed, a status table as it converges.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$SECONDS
bash "$root/tools/setup.sh"
bash "$root/tools/testbed/up.sh"
bash "$root/tools/run.sh" node "$root/e2e/dist/demo/main.js" "$@"
echo "[demo] done in $((SECONDS - start)) s"
