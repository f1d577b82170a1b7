#!/usr/bin/env bash
# `npm run bench:<name>`: runs one benchmark script from e2e/src/bench on the real test bed
# (setting both up when needed) and prints its figures. Usage: tools/bench.sh <name> [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name=$1; shift
bash "$root/tools/setup.sh" >/dev/null
bash "$root/tools/testbed/up.sh" >/dev/null
# A demo left running would share the test bed's clusters and NATS with the benchmark.
bash "$root/tools/run.sh" node "$root/e2e/dist/demo/main.js" --stop >/dev/null 2>&1 || true
bash "$root/tools/run.sh" node "$root/e2e/dist/bench/$name.js" "$@"
