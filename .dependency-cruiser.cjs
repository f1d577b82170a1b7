// Import rules of hub/src and agent/src, checked by dependency-cruiser in `npm run lint` (the
// `lint` targets of hub and agent run tools/lint-deps.sh, which also shows on a fixture that a
// cycle is refused). Issue #10: "a new cycle fails the lint".
//
// - No file imports itself back, in either project (error).
// - hub and agent import only @gitfleet/proto of ours (the Nx boundaries in eslint.config.js say
//   the same; both are kept).
// - The agent's folders point one way (error). Layers, top to bottom; a file may import its own
//   layer or any layer below, never one above (agent/README.md "Layout" says the same):
//     1. entry       main.ts, config.ts, probes.ts (process wiring, flags, probe server)
//     2. reconcile/  the reconcile loop, its outer shell and the keeper
//     3. cache/, credentials/   state kept across restarts, NATS credentials
//     4. nats/, inventory/      NATS I/O; inventory sets and their ConfigMap storage
//     5. kube/       Kubernetes I/O (apply, watch, errors)
//     6. drift/, health/        pure comparison and health rules
//     7. shared      util/, errors.ts, labels.ts, logging.ts, version.ts and kube/types.ts (the
//                    object shapes the pure code shares with kube/; no I/O)
//   and no two agent folders import each other (error).
// - The hub's folders: no folder cycle, reported as a WARNING for now (issue #10 lists the hub's
//   folder cycles; they are being untangled separately, then this becomes an error).
//
// Rule format: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
// (`scope: 'folder'` judges folders instead of files).

/** The agent's layers, top to bottom (regular expressions over paths from the repository root). */
const AGENT_LAYERS = [
  { name: 'entry', path: '^agent/src/(main|config|probes)\\.ts$' },
  { name: 'reconcile', path: '^agent/src/reconcile/' },
  { name: 'state', path: '^agent/src/(cache|credentials)/' },
  { name: 'io-nats-inventory', path: '^agent/src/(nats|inventory)/' },
  { name: 'io-kube', path: '^agent/src/kube/(?!types\\.ts$)' },
  { name: 'pure-rules', path: '^agent/src/(drift|health)/' },
  { name: 'shared', path: '^agent/src/(util/|kube/types\\.ts$|(errors|labels|logging|version)\\.ts$)' },
];

/** One rule per layer: nothing below it imports it. */
const agentLayerRules = AGENT_LAYERS.slice(0, -1).map((upper, i) => ({
  name: `agent-layer-${upper.name}`,
  comment: `agent folders point one way: ${AGENT_LAYERS.slice(i + 1).map((l) => l.name).join(', ')} must not import ${upper.name} (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: AGENT_LAYERS.slice(i + 1).map((l) => l.path) },
  to: { path: upper.path },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment: 'a file must not import itself back (issue #10)',
      severity: 'error',
      from: { path: '^(hub|agent)/src/' },
      to: { circular: true },
    },
    {
      name: 'agent-no-folder-cycle',
      comment: 'two agent folders must not import each other (issue #10)',
      severity: 'error',
      scope: 'folder',
      from: { path: '^agent/src/' },
      to: { circular: true },
    },
    {
      name: 'hub-no-folder-cycle',
      comment: 'two hub folders must not import each other (issue #10; a warning until the hub is untangled)',
      severity: 'warn',
      scope: 'folder',
      from: { path: '^hub/src/' },
      to: { circular: true },
    },
    {
      name: 'agent-only-proto',
      comment: 'the agent imports only @gitfleet/proto of ours',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(hub|e2e|charts)/|node_modules/@gitfleet/(?!proto/)' },
    },
    {
      name: 'hub-only-proto',
      comment: 'the hub imports only @gitfleet/proto of ours',
      severity: 'error',
      from: { path: '^hub/' },
      to: { path: '^(agent|e2e|charts)/|node_modules/@gitfleet/(?!proto/)' },
    },
    ...agentLayerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|gen)/' },
    // type-only imports count: a cycle through types is still a cycle for the reader
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
