import { conditions, degraded, healthy, int, progressing, withDetail, type Health, type Obj } from './fields.js';

/**
 * Health of an apps/v1 ReplicaSet, after the generic checks. In order:
 * - condition ReplicaFailure=True ⇒ Degraded with its message (the controller could not create
 *   pods, e.g. a quota; gitops-engine health_replicaset.go — kstatus only says InProgress);
 * - fewer available than `spec.replicas` (default 1) ⇒ Progressing "a/n replicas available";
 *   fewer ready ⇒ "r/n replicas ready"; more than desired ⇒ "k replicas pending termination"
 *   (kstatus core.go replicasetConditions);
 * - else Healthy "a/n replicas available".
 */
export function replicaSetHealth(obj: Obj): Health {
  const failure = conditions(obj).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return degraded(withDetail('replica failure', failure.message !== '' ? failure.message : failure.reason));
  const want = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const available = int(obj, 'status.availableReplicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  if (available < want) return progressing(`${available}/${want} replicas available`);
  if (ready < want) return progressing(`${ready}/${want} replicas ready`);
  if (replicas > want) return progressing(`${replicas - want} replicas pending termination`);
  return healthy(`${available}/${want} replicas available`);
}
