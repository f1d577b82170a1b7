/**
 * Apply and prune order of a bundle's objects. Pure.
 *
 * Phases (Flux kustomize-controller / fluxcd/pkg/ssa): Namespaces first, then
 * CustomResourceDefinitions (the agent waits until they are Established), then everything else.
 * Inside the last phase, kinds follow Helm's install order (releaseutil.InstallOrder) so that,
 * e.g., a ServiceAccount exists before the Pod that names it; custom resources come last.
 * The sort is stable: objects of one rank keep their bundle order. Prune is the reverse.
 */

/** The three apply phases, in order. */
export type Phase = 'namespaces' | 'crds' | 'others';

/** Phases in apply order. */
export const PHASES: readonly Phase[] = ['namespaces', 'crds', 'others'];

/** Helm's releaseutil.InstallOrder (kinds in the order `helm install` creates them). */
export const HELM_INSTALL_ORDER: readonly string[] = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy',
  'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass',
  'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList',
  'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet',
  'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass',
  'Ingress', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
];

// Helm's InstallOrder minus Namespace and CustomResourceDefinition (own phases).
const KIND_ORDER: readonly string[] = HELM_INSTALL_ORDER.filter((k) => k !== 'Namespace' && k !== 'CustomResourceDefinition');
const KIND_RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/** The apply phase of a kind. */
export function phaseOf(kind: string): Phase {
  if (kind === 'Namespace') return 'namespaces';
  if (kind === 'CustomResourceDefinition') return 'crds';
  return 'others';
}

/**
 * Total rank of a kind: phase first, then Helm's kind order inside 'others'; kinds not in the
 * list (custom resources, newer built-ins) rank after every listed kind. Lower applies first.
 */
export function kindRank(kind: string): number {
  const phase = PHASES.indexOf(phaseOf(kind));
  const inPhase = phase === 2 ? (KIND_RANK.get(kind) ?? KIND_ORDER.length) : 0;
  return phase * 1000 + inPhase;
}

/** Items in apply order (stable). `kindOf` picks the kind of an item. Returns a new array. */
export function applyOrder<T>(items: readonly T[], kindOf: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, rank: kindRank(kindOf(item)) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((x) => x.item);
}

/**
 * Items in apply order, cut into waves: consecutive items of one kind rank. Items inside one
 * wave do not depend on each other and may be applied concurrently; waves run one after another.
 */
export function applyWaves<T>(items: readonly T[], kindOf: (item: T) => string): T[][] {
  const waves: T[][] = [];
  let lastRank = -1;
  for (const item of applyOrder(items, kindOf)) {
    const rank = kindRank(kindOf(item));
    if (rank !== lastRank || waves.length === 0) waves.push([]);
    waves[waves.length - 1]!.push(item);
    lastRank = rank;
  }
  return waves;
}

/**
 * Items in prune order: the exact reverse of the apply order (others, then CRDs, then
 * Namespaces), so dependents go before what they depend on. Returns a new array.
 */
export function pruneOrder<T>(items: readonly T[], kindOf: (item: T) => string): T[] {
  return applyOrder(items, kindOf).reverse();
}
