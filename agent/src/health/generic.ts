/**
 * Rules every object passes through, and the grade of kinds without a rule of their own.
 *
 * Source: kstatus, sigs.k8s.io/cli-utils pkg/kstatus/status/generic.go (checkGenericProperties,
 * checkGeneration) and status.go (Compute: "Ready" condition, else Current).
 */
import { ConditionType } from '@gitfleet/proto';
import { conditions, degraded, describe, field, healthy, optInt, progressing, str, withDetail, type Health, type Obj } from './fields.js';

/**
 * The kind-independent checks kstatus makes before any per-kind rule, in its order:
 * 1. `metadata.deletionTimestamp` set ⇒ Progressing "terminating" (kstatus Terminating; the
 *    finalizers still holding the object are named, as they are what it waits for);
 * 2. `metadata.generation` ≠ `status.observedGeneration` (both set) ⇒ Progressing: the
 *    controller has not acted on the latest spec, so the rest of `status` is stale;
 * 3. condition `Stalled=True` ⇒ Degraded, `Reconciling=True` ⇒ Progressing (the kstatus
 *    "abnormal-true" conventions). kstatus takes whichever comes first in the list; when both are
 *    True we take Stalled, the worse one.
 * Returns undefined when none applies (continue with the per-kind rule).
 */
export function genericChecks(obj: Obj): Health | undefined {
  if (str(obj, 'metadata.deletionTimestamp') !== '') {
    const finalizers = strings(field(obj, 'metadata.finalizers'));
    return progressing(finalizers.length > 0 ? `terminating; waiting for finalizers ${finalizers.join(', ')}` : 'terminating');
  }
  const generation = optInt(obj, 'metadata.generation');
  const observed = optInt(obj, 'status.observedGeneration');
  if (generation !== undefined && observed !== undefined && generation !== observed) {
    return progressing(`generation ${generation} not yet observed by its controller (observed ${observed})`);
  }
  const conds = conditions(obj);
  const stalled = conds.find((c) => c.type === ConditionType.Stalled && c.status === 'True');
  if (stalled) return degraded(withDetail('stalled', describe(stalled)));
  const reconciling = conds.find((c) => c.type === ConditionType.Reconciling && c.status === 'True');
  if (reconciling) return progressing(withDetail('reconciling', describe(reconciling)));
  return undefined;
}

/**
 * Health of an object whose kind has no rule of its own (custom resources, ConfigMap, Secret,
 * ServiceAccount, RBAC, ...), after {@link genericChecks}: condition `Ready=True` ⇒ Healthy,
 * `Ready=False` or `Unknown` ⇒ Progressing with the condition's reason and message (kstatus
 * cannot tell a lasting failure from a wait there; controllers that can set `Stalled`); no
 * `Ready` condition, or no `status` at all ⇒ Healthy — such an object is done once it exists.
 */
export function genericHealth(obj: Obj): Health {
  const ready = conditions(obj).find((c) => c.type === ConditionType.Ready);
  if (!ready) return healthy('');
  if (ready.status === 'True') return healthy(ready.message !== '' ? ready.message : 'ready');
  return progressing(withDetail('not ready', describe(ready)));
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * For kinds whose controller always writes `status.observedGeneration` (Deployment, StatefulSet,
 * DaemonSet): its absence means the controller has not looked at the object yet, so the counts in
 * `status` mean nothing ⇒ Progressing. Source: kstatus core.go checkGenerationSet (DaemonSet);
 * gitops-engine health_statefulset.go / health_deployment.go (observedGeneration 0 ⇒ Progressing).
 */
export function unobserved(obj: Obj): Health | undefined {
  return optInt(obj, 'status.observedGeneration') === undefined ? progressing('not yet observed by its controller') : undefined;
}
