import { field, healthy, list, str, suspended, type Health, type Obj } from './fields.js';

/**
 * Health of a batch/v1 CronJob, after the generic checks: `spec.suspend` ⇒ Suspended
 * (gitops-engine health.go names the suspended CronJob as Suspended's example); else Healthy —
 * a schedule is in force once it exists (kstatus core.go: alwaysReady). The message tells the
 * last schedule time and the running Jobs; a failing Job is graded on its own.
 */
export function cronJobHealth(obj: Obj): Health {
  const last = str(obj, 'status.lastScheduleTime');
  const info = last !== '' ? `last scheduled ${last}` : 'not yet scheduled';
  if (field(obj, 'spec.suspend') === true) return suspended(`suspended; ${info}`);
  const active = list(obj, 'status.active').length;
  return healthy(active > 0 ? `${info}; ${active} job${active === 1 ? '' : 's'} running` : info);
}
