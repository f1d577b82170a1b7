import { conditions, degraded, healthy, progressing, withDetail, type Health, type Obj } from './fields.js';

/**
 * Health of an apiextensions.k8s.io/v1 CustomResourceDefinition, after the generic checks
 * (kstatus core.go crdConditions; gitops-engine health_customresourcedefinition.go). In order:
 * - condition Terminating=True ⇒ Progressing;
 * - NamesAccepted=False ⇒ Degraded "names not accepted: <message>" (a clash with another CRD);
 * - Established=True ⇒ Healthy "established", unless NonStructuralSchema=True ⇒ Degraded;
 * - Established=False with reason Installing, or no condition yet ⇒ Progressing;
 *   Established=False otherwise ⇒ Degraded.
 */
export function crdHealth(obj: Obj): Health {
  const conds = conditions(obj);
  const is = (type: string, status: string) => conds.find((c) => c.type === type && c.status === status);
  const terminating = is('Terminating', 'True');
  if (terminating) return progressing(withDetail('terminating', terminating.message));
  const names = is('NamesAccepted', 'False');
  if (names) return degraded(withDetail('names not accepted', names.message));
  if (is('Established', 'True')) {
    const violations = is('NonStructuralSchema', 'True');
    return violations ? degraded(withDetail('non-structural schema', violations.message)) : healthy('established');
  }
  const established = is('Established', 'False');
  if (established && established.reason !== 'Installing') return degraded(withDetail('not established', established.message));
  return progressing(withDetail('waiting to be established', established?.message ?? ''));
}
