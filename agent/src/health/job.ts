import { conditions, degraded, describe, field, healthy, int, progressing, suspended, withDetail, type Health, type Obj } from './fields.js';

/**
 * Health of a batch/v1 Job, after the generic checks. In order:
 * - condition Failed=True ⇒ Degraded with its reason and message (e.g. BackoffLimitExceeded);
 * - condition Complete=True ⇒ Healthy "completed: s/c succeeded" (kstatus core.go
 *   jobConditions; gitops-engine health_job.go);
 * - `spec.suspend` or condition Suspended=True ⇒ Suspended (kstatus calls it Current; the
 *   dedicated status says more);
 * - else Progressing "running: a active, s/c succeeded, f failed" — a running Job is not done
 *   (gitops-engine; kstatus calls a started Job Current).
 * `c` is `spec.completions`, defaulting to `spec.parallelism` then 1 (kstatus).
 */
export function jobHealth(obj: Obj): Health {
  const conds = conditions(obj);
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return degraded(withDetail('failed', describe(failed)));
  const completions = int(obj, 'spec.completions', int(obj, 'spec.parallelism', 1));
  const succeeded = int(obj, 'status.succeeded', 0);
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) return healthy(`completed: ${succeeded}/${completions} succeeded`);
  if (field(obj, 'spec.suspend') === true || conds.some((c) => c.type === 'Suspended' && c.status === 'True')) return suspended('suspended');
  const active = int(obj, 'status.active', 0);
  const failures = int(obj, 'status.failed', 0);
  return progressing(`running: ${active} active, ${succeeded}/${completions} succeeded, ${failures} failed`);
}
