import { degraded, healthy, progressing, str, unknown, withDetail, type Health, type Obj } from './fields.js';

/**
 * Health of a core/v1 PersistentVolumeClaim, after the generic checks, by `status.phase`
 * (gitops-engine health_pvc.go): Bound ⇒ Healthy "bound to <volume>"; Pending ⇒ Progressing
 * "waiting for a volume" (with the storage class; a WaitForFirstConsumer class binds only when a
 * pod uses the claim); Lost ⇒ Degraded (its volume is gone); anything else ⇒ Unknown. kstatus
 * (core.go pvcConditions) calls everything but Bound InProgress.
 */
export function pvcHealth(obj: Obj): Health {
  const phase = str(obj, 'status.phase');
  const volume = str(obj, 'spec.volumeName');
  switch (phase) {
    case 'Bound':
      return healthy(withDetail('bound', volume));
    case 'Pending': {
      const cls = str(obj, 'spec.storageClassName');
      return progressing(cls !== '' ? `waiting for a volume (storage class ${cls})` : 'waiting for a volume');
    }
    case 'Lost':
      return degraded(volume !== '' ? `lost its volume ${volume}` : 'lost its volume');
    default:
      return unknown(phase === '' ? 'phase not yet reported' : `phase ${phase}`);
  }
}
