import { healthy, optInt, int, progressing, str, type Health, type Obj } from './fields.js';
import { unobserved } from './generic.js';

/**
 * Health of an apps/v1 DaemonSet, after the generic checks (kstatus core.go daemonsetConditions;
 * gitops-engine health_daemonset.go). In order:
 * - no `status.observedGeneration` or no `status.desiredNumberScheduled` ⇒ Progressing (kstatus
 *   checkGenerationSet: the controller always writes both once it has acted);
 * - fewer scheduled than desired ⇒ Progressing "c/d pods scheduled"; fewer updated ⇒
 *   "u/d pods updated" (skipped for the OnDelete strategy, where the user replaces pods —
 *   gitops-engine); fewer available ⇒ "a/d pods available"; fewer ready ⇒ "r/d pods ready";
 * - else Healthy "a/d pods available" (0/0 on a cluster with no matching node is Healthy).
 */
export function daemonSetHealth(obj: Obj): Health {
  const notSeen = unobserved(obj);
  if (notSeen) return notSeen;
  const desired = optInt(obj, 'status.desiredNumberScheduled');
  if (desired === undefined) return progressing('desired number of pods not yet computed');
  const scheduled = int(obj, 'status.currentNumberScheduled', 0);
  const updated = int(obj, 'status.updatedNumberScheduled', 0);
  const available = int(obj, 'status.numberAvailable', 0);
  const ready = int(obj, 'status.numberReady', 0);
  if (scheduled < desired) return progressing(`${scheduled}/${desired} pods scheduled`);
  if (updated < desired && str(obj, 'spec.updateStrategy.type') !== 'OnDelete') return progressing(`${updated}/${desired} pods updated`);
  if (available < desired) return progressing(`${available}/${desired} pods available`);
  if (ready < desired) return progressing(`${ready}/${desired} pods ready`);
  return healthy(`${available}/${desired} pods available`);
}
