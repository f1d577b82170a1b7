import { healthy, progressing, type Health, type Obj } from './fields.js';
import { lbAddresses } from './service.js';

/**
 * Health of a networking.k8s.io/v1 Ingress, after the generic checks: no
 * `status.loadBalancer.ingress` ⇒ Progressing "waiting for load balancer address" (the ingress
 * controller has not published it); else Healthy with the address (gitops-engine
 * health_ingress.go).
 */
export function ingressHealth(obj: Obj): Health {
  const addresses = lbAddresses(obj);
  return addresses.length === 0 ? progressing('waiting for load balancer address') : healthy(`address ${addresses.join(', ')}`);
}
