#!/usr/bin/env bash
# Fuzzes the hub's admin API with schemathesis (PyPI) from its OpenAPI document: a hub is started
# for the purpose on the test bed (a throwaway database and a private nats-server, no agents, the
# spokes are not touched), and every generated request must get an answer that is not a server
# error (5xx) and conforms to the documented status codes, content type and response schema.
# Installs schemathesis idempotently into a venv under ~/.cache/gitfleet. Needs the test bed up and
# the e2e project built. Environment: FUZZ_MAX_EXAMPLES (default 25 per operation).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=4.32.5
venv="${HOME}/.cache/gitfleet/schemathesis-${version}"
# the marker is written only after a complete install, so an interrupted one is redone
if [[ ! -f "${venv}/.installed" ]]; then
  echo "[fuzz-api] installing schemathesis ${version} into ${venv}"
  rm -rf "${venv}"
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${version}"
  touch "${venv}/.installed"
fi
export GITFLEET_SCHEMATHESIS="${venv}/bin/schemathesis"
cd "$root"
exec bash tools/run.sh node e2e/dist/fuzz/fuzz-api.js "$@"
