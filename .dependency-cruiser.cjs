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
// - The hub's folders point one way too (error), and no two hub folders import each other (error).
//   Layers, top to bottom (hub/README.md "Layout" says the same):
//     1. entry        main.ts, app.factory.ts, app.module.ts, data-source.ts, database.module.ts
//     2. api/         HTTP controllers; messaging/ NATS handlers (both call services below)
//     3. enrollment/  agent enrollment, credentials rotation
//     4. deployments/ the pipeline run: reads sources, renders, targets, publishes; previews/ a
//                     revision rendered and dry-run on agents, nothing published (reuses deployments/)
//     5. sources/, status/, nats-auth/   Git sources; status ingestion; NATS identities
//     6. bundles/     bundle read model (+ manual sync through the Pipeline port)
//     7. targets/     target + applied-status read model
//     8. clusters/    cluster registry, groups, credentials
//     9. targeting/   pure: which clusters a bundle goes to, with which variant
//    10. rendering/, publishing/, agents/, auth/   fleet.yaml + render; KV/object store; agent
//                    requests; tokens, roles, audit
//    11. shared       config/, nats/, database/ (columns, migrations), testing/, and errors.ts,
//                    pipeline.ts (the Pipeline port), validators.ts
//   Unit specs (*.spec.ts) are left out of the hub's cruise: a spec may wire several folders
//   together end to end (scan → target → render); the rules are about the code itself.
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

/** The hub's layers, top to bottom (see the comment at the top). */
const HUB_LAYERS = [
  { name: 'entry', path: '^hub/src/(main|app\\.factory|app\\.module|data-source|database\\.module)\\.ts$' },
  { name: 'api', path: '^hub/src/(api|messaging)/' },
  { name: 'enrollment', path: '^hub/src/enrollment/' },
  { name: 'deployments', path: '^hub/src/(deployments|previews)/' },
  { name: 'sources-status', path: '^hub/src/(sources|status|nats-auth)/' },
  { name: 'bundles', path: '^hub/src/(bundles|rollouts)/' },
  { name: 'targets', path: '^hub/src/targets/' },
  { name: 'clusters', path: '^hub/src/clusters/' },
  { name: 'targeting', path: '^hub/src/targeting/' },
  { name: 'stages', path: '^hub/src/(rendering|publishing|agents|auth)/' },
  { name: 'shared', path: '^hub/src/((config|nats|database|testing)/|(errors|periodic-task|pipeline|validators)\\.ts$)' },
];

/** One rule per layer: nothing below it imports it. */
const layerRules = (project, layers) => layers.slice(0, -1).map((upper, i) => ({
  name: `${project}-layer-${upper.name}`,
  comment: `${project} folders point one way: ${layers.slice(i + 1).map((l) => l.name).join(', ')} must not import ${upper.name} (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: layers.slice(i + 1).map((l) => l.path) },
  to: { path: upper.path },
}));

const agentLayerRules = layerRules('agent', AGENT_LAYERS);
const hubLayerRules = layerRules('hub', HUB_LAYERS);

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
      comment: 'two hub folders must not import each other (issue #10)',
      severity: 'error',
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
    ...hubLayerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)(dist|node_modules|gen)/', '^hub/src/.*\\.spec(-helper)?\\.ts$'] },
    // type-only imports count: a cycle through types is still a cycle for the reader
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
