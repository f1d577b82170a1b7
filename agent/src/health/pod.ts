import { condition, degraded, healthy, int, list, progressing, str, unknown, withDetail, type Health, type Obj } from './fields.js';

/** Why a pod cannot make progress without help: a container's waiting reason, or the scheduler's. */
export interface PodProblem {
  /** `ImagePullBackOff`, `CrashLoopBackOff`, `CreateContainerConfigError`, `Unschedulable`, ... */
  reason: string;
  /** The container that waits (init containers included); undefined for `Unschedulable`. */
  container?: string;
  /** The cause in a few words: the kubelet's or scheduler's message, or the last exit. */
  detail: string;
}

// The kubelet's waiting reasons that need a human: ErrImagePull, ImagePullBackOff,
// CrashLoopBackOff, CreateContainerConfigError, InvalidImageName, RunContainerError, ...
// (gitops-engine health_pod.go: prefix "Err", suffix "Error" or "BackOff"). ContainerCreating and
// PodInitializing do not match: those are waits.
const STUCK = /^Err|Error$|BackOff$/;

/**
 * The first stuck container (init containers first, as they block the rest) or an unschedulable
 * pod (condition PodScheduled=False, reason Unschedulable — kstatus core.go podConditions), or
 * undefined. Pods in a terminal phase (Succeeded, Failed) have none.
 */
export function podProblem(pod: Obj): PodProblem | undefined {
  const phase = str(pod, 'status.phase');
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  for (const cs of [...list(pod, 'status.initContainerStatuses'), ...list(pod, 'status.containerStatuses')]) {
    const reason = str(cs, 'state.waiting.reason');
    if (!STUCK.test(reason)) continue;
    const detail = reason === 'CrashLoopBackOff' ? lastExit(cs) : str(cs, 'state.waiting.message');
    return { reason, container: str(cs, 'name'), detail };
  }
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', detail: scheduled.message };
  }
  return undefined;
}

/**
 * Health of a core/v1 Pod, after the generic checks. In order:
 * - phase Succeeded ⇒ Healthy "completed" (kstatus core.go podConditions; gitops-engine
 *   health_pod.go);
 * - phase Failed ⇒ Degraded with the pod's reason and message (e.g. Evicted) or the first
 *   container's non-zero exit (gitops-engine; kstatus calls a failed pod Current, which hides it);
 * - a stuck container ({@link podProblem}) ⇒ Degraded "ImagePullBackOff on container app: …"
 *   (gitops-engine, for every restart policy here: gitfleet has no hook pods to spare);
 * - unschedulable ⇒ Degraded "Unschedulable: <scheduler message>" (kstatus waits 15 s after
 *   creation first; this module has no clock, so it reports at once);
 * - phase Running: condition Ready=True ⇒ Healthy "running", else Progressing naming the
 *   containers not ready (kstatus);
 * - phase Pending ⇒ Progressing "pending" with the first waiting reason (ContainerCreating, ...);
 * - no phase yet ⇒ Progressing; any other phase (Unknown: node lost) ⇒ Unknown.
 */
export function podHealth(pod: Obj): Health {
  const phase = str(pod, 'status.phase');
  if (phase === 'Succeeded') return healthy('completed');
  if (phase === 'Failed') return degraded(withDetail('failed', failure(pod)));
  const problem = podProblem(pod);
  if (problem) {
    const where = problem.container !== undefined ? `${problem.reason} on container ${problem.container}` : problem.reason;
    return degraded(withDetail(where, problem.detail));
  }
  switch (phase) {
    case 'Running': {
      if (condition(pod, 'Ready')?.status === 'True') return healthy('running');
      const notReady = list(pod, 'status.containerStatuses').filter((cs) => cs['ready'] !== true).map((cs) => str(cs, 'name'));
      return progressing(notReady.length > 0 ? `running; containers not ready: ${notReady.join(', ')}` : 'running; not ready');
    }
    case 'Pending': {
      const waiting = [...list(pod, 'status.initContainerStatuses'), ...list(pod, 'status.containerStatuses')]
        .map((cs) => str(cs, 'state.waiting.reason'))
        .find((r) => r !== '');
      return progressing(withDetail('pending', waiting ?? str(pod, 'status.message')));
    }
    case '':
      return progressing('phase not yet reported');
    default:
      return unknown(withDetail(`phase ${phase}`, str(pod, 'status.message')));
  }
}

/** "last exit: OOMKilled (code 137), 4 restarts" from a container status in CrashLoopBackOff. */
function lastExit(cs: Obj): string {
  const reason = str(cs, 'lastState.terminated.reason');
  const code = int(cs, 'lastState.terminated.exitCode', -1);
  const restarts = int(cs, 'restartCount', 0);
  const parts: string[] = [];
  if (reason !== '' || code >= 0) parts.push(`last exit: ${[reason, code >= 0 ? `(code ${code})` : ''].filter((s) => s !== '').join(' ')}`);
  if (restarts > 0) parts.push(`${restarts} restarts`);
  return parts.join(', ');
}

/** Why a Failed pod failed: its own reason/message, else the first container that exited non-zero. */
function failure(pod: Obj): string {
  const own = [str(pod, 'status.reason'), str(pod, 'status.message')].filter((s) => s !== '').join(': ');
  if (own !== '') return own;
  for (const cs of [...list(pod, 'status.initContainerStatuses'), ...list(pod, 'status.containerStatuses')]) {
    const code = int(cs, 'state.terminated.exitCode', 0);
    const reason = str(cs, 'state.terminated.reason');
    if (code !== 0 || reason === 'OOMKilled') {
      return `container ${str(cs, 'name')} exited with code ${code}${reason !== '' ? ` (${reason})` : ''}`;
    }
  }
  return '';
}
