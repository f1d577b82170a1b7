#!/usr/bin/env bash
# `npm test`: every test. Sets up the machine and the test bed when needed (idempotent), then runs
# lint and typecheck of every project, the unit and integration tests (hub, agent and proto on the
# real test bed), the admin API fuzz run (schemathesis, tools/fuzz-api.sh) and the end-to-end
# suites (e2e/) on the real test bed. Prints its wall-clock time at the end (the README quotes it).
set -euo pipefail
started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
bash tools/testbed/up.sh
run() { bash tools/run.sh "$@"; }
# A demo left running would share the test bed's clusters and NATS with the suites.
run node e2e/dist/demo/main.js --stop >/dev/null 2>&1 || true
run nx run-many -t lint typecheck --outputStyle=static
run nx run-many -t test --outputStyle=static --parallel=1 --skip-nx-cache
run nx run e2e:build --outputStyle=static
bash tools/fuzz-api.sh
run nx run e2e:e2e --outputStyle=static --skip-nx-cache
echo "[test] every test passed in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
