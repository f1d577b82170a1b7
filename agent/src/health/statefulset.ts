import { field, healthy, int, optInt, progressing, str, type Health, type Obj } from './fields.js';
import { unobserved } from './generic.js';

/**
 * Health of an apps/v1 StatefulSet, after the generic checks. Its controller sets no conditions,
 * so only the counts and revisions speak (kstatus core.go stsConditions; gitops-engine
 * health_statefulset.go). In order:
 * - no `status.observedGeneration` ⇒ Progressing;
 * - fewer pods than `spec.replicas` (default 1) ⇒ Progressing "c/n replicas created";
 *   fewer ready ⇒ "r/n replicas ready"; more than desired ⇒ "k replicas pending termination";
 * - update strategy OnDelete ⇒ Healthy (the user replaces pods; kstatus, gitops-engine);
 * - a RollingUpdate `partition` ⇒ Progressing until `updatedReplicas` ≥ replicas − partition,
 *   then Healthy;
 * - `currentRevision` ≠ `updateRevision` ⇒ Progressing "rolling update: u/n replicas updated";
 * - else Healthy "r/n replicas ready".
 */
export function statefulSetHealth(obj: Obj): Health {
  const notSeen = unobserved(obj);
  if (notSeen) return notSeen;
  const want = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  if (replicas < want) return progressing(`${replicas}/${want} replicas created`);
  if (ready < want) return progressing(`${ready}/${want} replicas ready`);
  if (replicas > want) return progressing(`${replicas - want} replicas pending termination`);
  if (str(obj, 'spec.updateStrategy.type') === 'OnDelete') return healthy(`${ready}/${want} replicas ready (OnDelete updates)`);
  const partition = optInt(obj, 'spec.updateStrategy.rollingUpdate.partition');
  if (partition !== undefined && field(obj, 'spec.updateStrategy.rollingUpdate') !== undefined) {
    const target = Math.max(0, want - partition);
    if (updated < target) return progressing(`partitioned rollout: ${updated}/${target} replicas updated`);
    return healthy(`${ready}/${want} replicas ready; partitioned rollout complete (${updated} updated)`);
  }
  const current = str(obj, 'status.currentRevision');
  const update = str(obj, 'status.updateRevision');
  if (current !== update) return progressing(`rolling update: ${updated}/${want} replicas updated to ${update}`);
  return healthy(`${ready}/${want} replicas ready`);
}
