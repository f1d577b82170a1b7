import { condition, describe, healthy, int, progressing, suspended, degraded, field, withDetail, type Health, type Obj } from './fields.js';
import { unobserved } from './generic.js';

/**
 * Health of an apps/v1 Deployment, after the generic checks (deletion, observedGeneration).
 * Counts default as the controller's do (`spec.replicas` 1, status counts 0). In order:
 * - `spec.paused` ⇒ Suspended "rollout paused" (gitops-engine health_deployment.go);
 * - no `status.observedGeneration` ⇒ Progressing (gitops-engine: observedGeneration 0);
 * - condition Progressing with reason `ProgressDeadlineExceeded` ⇒ Degraded, with the
 *   controller's message (kstatus core.go deploymentConditions: Failed; gitops-engine: Degraded);
 * - fewer updated than desired ⇒ Progressing "u/n replicas updated"; old replicas left ⇒
 *   Progressing "k old replicas pending termination"; fewer available than desired ⇒
 *   Progressing "a/n replicas available"; fewer ready ⇒ "r/n replicas ready" (kstatus
 *   deploymentConditions; gitops-engine's rollout-status messages);
 * - condition Available=False ⇒ Progressing with its reason (kstatus "Deployment not
 *   Available"); condition Progressing present with a reason other than `NewReplicaSetAvailable`
 *   ⇒ Progressing (kstatus: the controller has not declared the rollout done);
 * - else Healthy "a/n replicas available".
 * A Deployment cannot see its pods' causes (image pulls, scheduling): see `withPodCauses`.
 */
export function deploymentHealth(obj: Obj): Health {
  if (field(obj, 'spec.paused') === true) return suspended('rollout paused');
  const notSeen = unobserved(obj);
  if (notSeen) return notSeen;
  const progressingCond = condition(obj, 'Progressing');
  if (progressingCond?.reason === 'ProgressDeadlineExceeded') {
    return degraded(withDetail('progress deadline exceeded', progressingCond.message));
  }
  const want = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  const available = int(obj, 'status.availableReplicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  if (updated < want) return progressing(`${updated}/${want} replicas updated, ${available} available`);
  if (replicas > updated) return progressing(`${replicas - updated} old replicas pending termination`);
  if (available < want) return progressing(`${available}/${want} replicas available`);
  if (ready < want) return progressing(`${ready}/${want} replicas ready`);
  const availableCond = condition(obj, 'Available');
  if (availableCond?.status === 'False') return progressing(withDetail('not available', describe(availableCond)));
  if (progressingCond && progressingCond.reason !== 'NewReplicaSetAvailable') {
    return progressing(withDetail('rollout not finished', describe(progressingCond)));
  }
  return healthy(`${available}/${want} replicas available`);
}
