/**
 * Health tracking for the keeper: the health of one live object (health/ rules, kstatus order),
 * and for a workload that is not Healthy, the causes found on its pods (their ReplicaSets for a
 * Deployment), listed with the workload's own label selector.
 */
import { HealthStatus } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { objectHealth, ownedPods, withPodCauses } from '../health/index.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { HealthValue } from './result.js';

/** Kinds whose unhealthy state is explained by their pods. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * A label selector in its query form (`a=b,c in (d,e),!f`) from a LabelSelector object;
 * undefined when there is none (select nothing rather than everything). Kubernetes
 * metav1.LabelSelector → labels.Selector.String() forms.
 */
export function selectorString(selector: unknown): string | undefined {
  if (typeof selector !== 'object' || selector === null) return undefined;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Computes the health the keeper reports for live objects (reads pods through `kube`). */
export class HealthTracker {
  constructor(
    private readonly kube: KubeClient,
    private readonly log: Logger,
  ) {}

  /**
   * Health of a live object (null: it does not exist → Missing); a workload that is not Healthy
   * gets its pods' causes. Never throws: when the pods cannot be listed the object's own health
   * is returned.
   */
  async healthOf(live: KubeObject | null): Promise<HealthValue> {
    if (!live) return objectHealth(undefined);
    const h = objectHealth(live);
    if (!WORKLOADS.has(live.kind) || h.status === HealthStatus.HEALTHY) return h;
    const selector = selectorString((live.spec as { selector?: unknown } | undefined)?.selector);
    if (!selector) return h;
    try {
      const ns = live.metadata.namespace ?? '';
      const pods = (await this.kube.listObjects('v1', 'Pod', ns, selector)).map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' }));
      const sets = live.kind === 'Deployment'
        ? (await this.kube.listObjects('apps/v1', 'ReplicaSet', ns, selector)).map((r) => ({ ...r, apiVersion: 'apps/v1', kind: 'ReplicaSet' }))
        : [];
      return withPodCauses(h, ownedPods(live, [...sets, ...pods]));
    } catch (err) {
      this.log.debug({ object: `${live.kind} ${live.metadata.name}`, reason: errorMessage(err) }, 'cannot list pods for health');
      return h;
    }
  }
}
