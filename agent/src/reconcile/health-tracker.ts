/**
 * Health tracking for the keeper: the health of one live object (health/ rules, kstatus order),
 * and for a workload that is not Healthy, the causes found on its pods (their ReplicaSets for a
 * Deployment), listed with the workload's own label selector.
 */
import { HealthStatus, LabelSelectorError, selectorString, type LabelSelector } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { objectHealth, ownedPods, withPodCauses } from '../health/index.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { HealthValue } from './result.js';

/** Kinds whose unhealthy state is explained by their pods. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * A workload's `spec.selector` in its query form (`a=b,c in (d,e),!f`, @gitfleet/proto
 * selectorString); undefined when there is none, it is empty, or it is not a valid LabelSelector
 * (select nothing rather than everything: the pods are only looked at for causes).
 */
export function workloadSelectorQuery(selector: unknown): string | undefined {
  if (typeof selector !== 'object' || selector === null) return undefined;
  try {
    const query = selectorString(selector as LabelSelector);
    return query !== '' ? query : undefined;
  } catch (err) {
    if (err instanceof LabelSelectorError) return undefined;
    throw err;
  }
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
    const selector = workloadSelectorQuery((live.spec as { selector?: unknown } | undefined)?.selector);
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
