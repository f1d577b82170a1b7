import { healthy, list, progressing, str, type Health, type Obj } from './fields.js';

/**
 * Health of a core/v1 Service, after the generic checks: type LoadBalancer without
 * `status.loadBalancer.ingress` ⇒ Progressing "waiting for load balancer" (gitops-engine
 * health_service.go; kstatus core.go serviceConditions only checks the cluster IP), with the
 * address once assigned ⇒ Healthy; any other type ⇒ Healthy.
 */
export function serviceHealth(obj: Obj): Health {
  if (str(obj, 'spec.type') !== 'LoadBalancer') return healthy('');
  const addresses = lbAddresses(obj);
  return addresses.length === 0 ? progressing('waiting for load balancer') : healthy(`load balancer ${addresses.join(', ')}`);
}

/** `status.loadBalancer.ingress[*]` as ip or hostname (entries with neither still count, as ''). */
export function lbAddresses(obj: Obj): string[] {
  return list(obj, 'status.loadBalancer.ingress').map((i) => str(i, 'ip') || str(i, 'hostname'));
}
