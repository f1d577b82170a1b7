import { condition, describe, healthy, progressing, withDetail, type Health, type Obj } from './fields.js';

/**
 * Health of an apiregistration.k8s.io/v1 APIService, after the generic checks, by its Available
 * condition (gitops-engine health_apiservice.go): True ⇒ Healthy; False or Unknown ⇒ Progressing
 * "not available: <reason>: <message>" (e.g. MissingEndpoints, FailedDiscoveryCheck: the backing
 * service is not up yet); no condition ⇒ Progressing "waiting to be processed".
 */
export function apiServiceHealth(obj: Obj): Health {
  const available = condition(obj, 'Available');
  if (!available) return progressing('waiting to be processed');
  if (available.status === 'True') return healthy(withDetail('available', available.message));
  return progressing(withDetail('not available', describe(available)));
}
