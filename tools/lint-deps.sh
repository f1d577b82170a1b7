#!/usr/bin/env bash
# Import rules (dependency-cruiser, .dependency-cruiser.cjs) for one project: `lint-deps.sh hub`
# or `lint-deps.sh agent` checks <project>/src and exits non-zero on any error-level violation.
# There is no baseline of known violations: every violation fails.
#
# `lint-deps.sh --self-test` shows the rules refusing: it cruises a throwaway fixture with a file
# cycle, an import against the agent's folder direction and an agent import of hub code, and a
# hub fixture with an import against the hub's direction (rendering/ → deployments/) and a cycle
# between two hub folders of one layer (sources/ ↔ status/), and expects a non-zero exit naming
# each rule; and clean fixtures, expecting zero (so the refusal is for the right reason).
# The agent's `lint` target runs it, so `npm run lint` (and tools/test.sh) proves it each time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
depcruise="$root/node_modules/.bin/depcruise"
config="$root/.dependency-cruiser.cjs"

self_test() {
  local dir out rc
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' RETURN
  cp "$root/tsconfig.base.json" "$dir/"
  mkdir -p "$dir/agent/src/kube" "$dir/agent/src/reconcile" "$dir/agent/src/util"
  # clean: reconcile/ → kube/ → util/, no cycle
  printf "import { b } from './../kube/b.js';\nexport const a = b;\n" >"$dir/agent/src/reconcile/a.ts"
  printf "import { c } from '../util/c.js';\nexport const b = c;\n" >"$dir/agent/src/kube/b.ts"
  printf "export const c = 1;\n" >"$dir/agent/src/util/c.ts"
  if ! out="$(cd "$dir" && "$depcruise" --config "$config" --output-type err agent/src 2>&1)"; then
    echo "lint-deps self-test: the clean fixture was refused:" >&2
    echo "$out" >&2
    return 1
  fi
  # a file cycle (util/c.ts ↔ util/d.ts) and kube/ importing reconcile/ (against the direction)
  printf "import { d } from './d.js';\nexport const c = 1;\nexport const cd = d;\n" >"$dir/agent/src/util/c.ts"
  printf "import { c } from './c.js';\nexport const d = c;\n" >"$dir/agent/src/util/d.ts"
  printf "import { c } from '../util/c.js';\nimport { a } from '../reconcile/a.js';\nexport const b = c;\nexport const ba = a;\n" >"$dir/agent/src/kube/b.ts"
  # and the agent importing hub code
  mkdir -p "$dir/hub/src"
  printf "export const h = 1;\n" >"$dir/hub/src/h.ts"
  printf "import { h } from '../../../hub/src/h.js';\nexport const e = h;\n" >"$dir/agent/src/util/e.ts"
  rc=0
  out="$(cd "$dir" && "$depcruise" --config "$config" --output-type err agent/src 2>&1)" || rc=$?
  out="$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")" # without colours (Nx forces them on)
  if [[ $rc -eq 0 ]]; then
    echo "lint-deps self-test: a cycle, an import against the direction and a hub import were NOT refused" >&2
    return 1
  fi
  for rule in no-file-cycle agent-no-folder-cycle agent-layer-reconcile agent-only-proto; do
    if ! grep -q "error $rule:" <<<"$out"; then
      echo "lint-deps self-test: expected an error from rule $rule, got:" >&2
      echo "$out" >&2
      return 1
    fi
  done
  echo "lint-deps self-test: a cycle, a backwards import and a hub import are refused (exit $rc)"

  # the hub: clean first (deployments/ → rendering/ → shared errors.ts), then two bad imports
  rm -rf "$dir/hub" && mkdir -p "$dir/hub/src/deployments" "$dir/hub/src/rendering" "$dir/hub/src/sources" "$dir/hub/src/status"
  printf "export class DomainError extends Error {}\n" >"$dir/hub/src/errors.ts"
  printf "import { DomainError } from '../errors.js';\nexport const r = DomainError;\n" >"$dir/hub/src/rendering/r.ts"
  printf "import { r } from '../rendering/r.js';\nexport const d = r;\n" >"$dir/hub/src/deployments/d.ts"
  printf "export const s = 1;\n" >"$dir/hub/src/sources/s.ts"
  printf "import { s } from '../sources/s.js';\nexport const t = s;\n" >"$dir/hub/src/status/t.ts"
  if ! out="$(cd "$dir" && "$depcruise" --config "$config" --output-type err hub/src 2>&1)"; then
    echo "lint-deps self-test: the clean hub fixture was refused:" >&2
    echo "$out" >&2
    return 1
  fi
  printf "import { DomainError } from '../errors.js';\nimport { d } from '../deployments/d.js';\nexport const r = DomainError;\nexport const rd = d;\n" >"$dir/hub/src/rendering/r2.ts"
  printf "export const u = 1;\n" >"$dir/hub/src/status/u.ts"
  printf "import { u } from '../status/u.js';\nexport const s2 = u;\n" >"$dir/hub/src/sources/s2.ts"
  rc=0
  out="$(cd "$dir" && "$depcruise" --config "$config" --output-type err hub/src 2>&1)" || rc=$?
  out="$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")"
  if [[ $rc -eq 0 ]]; then
    echo "lint-deps self-test: a hub import against the direction and a hub folder cycle were NOT refused" >&2
    return 1
  fi
  for rule in hub-layer-deployments hub-no-folder-cycle; do
    if ! grep -q "error $rule:" <<<"$out"; then
      echo "lint-deps self-test: expected an error from rule $rule, got:" >&2
      echo "$out" >&2
      return 1
    fi
  done
  echo "lint-deps self-test: a hub import against the direction and a hub folder cycle are refused (exit $rc)"
}

case "${1:-}" in
  --self-test) self_test ;;
  hub)
    cd "$root"
    "$depcruise" --config "$config" --output-type err hub/src
    ;;
  agent)
    cd "$root"
    "$depcruise" --config "$config" --output-type err agent/src
    ;;
  *) echo "usage: lint-deps.sh hub|agent|--self-test" >&2; exit 2 ;;
esac
