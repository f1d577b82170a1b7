import { conditions, describe, healthy, progressing, str, withDetail, type Health, type Obj } from './fields.js';

// Conditions the namespace controller sets while it empties a namespace being deleted.
const BLOCKERS = ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure', 'NamespaceDeletionContentFailure', 'NamespaceContentRemaining', 'NamespaceFinalizersRemaining'];

/**
 * Health of a core/v1 Namespace: phase Terminating ⇒ Progressing "terminating", naming what the
 * namespace controller still waits for (its NamespaceContentRemaining / NamespaceFinalizersRemaining
 * / NamespaceDeletion*Failure conditions); else Healthy (kstatus: a Namespace has no rule, so
 * deletion ⇒ Terminating, else Current). Applied before the generic deletion check, whose message
 * it refines.
 */
export function namespaceHealth(obj: Obj): Health {
  if (str(obj, 'status.phase') !== 'Terminating' && str(obj, 'metadata.deletionTimestamp') === '') return healthy('');
  const blocker = conditions(obj).find((c) => c.status === 'True' && BLOCKERS.includes(c.type));
  return progressing(withDetail('terminating', blocker ? describe(blocker) : ''));
}
