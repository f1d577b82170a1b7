/**
 * Health of live Kubernetes objects, pure (no I/O): one object → {status, message}, the rank
 * roll-ups use, and pod causes added to a workload's health.
 *
 * The chain follows kstatus (sigs.k8s.io/cli-utils pkg/kstatus/status, Compute): deletion ⇒
 * Progressing "terminating"; generation not observed ⇒ Progressing; Stalled ⇒ Degraded;
 * Reconciling ⇒ Progressing; the kind's rule; the Ready condition; else Healthy. Kinds kstatus
 * does not grade, or grades too coarsely (a failed Pod is "Current" there), follow Argo CD's
 * gitops-engine pkg/health, one file per kind as there. kstatus statuses map as Current →
 * Healthy, InProgress and Terminating → Progressing, Failed → Degraded, NotFound → Missing.
 * Names and ranks of the statuses live in @gitfleet/proto (healthName, healthRank).
 */
import { HealthStatus, healthRank } from '@gitfleet/proto';
import { apiServiceHealth } from './apiservice.js';
import { cronJobHealth } from './cronjob.js';
import { crdHealth } from './crd.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { isObj, list, str, type Health, type Obj } from './fields.js';
import { genericChecks, genericHealth } from './generic.js';
import { ingressHealth } from './ingress.js';
import { jobHealth } from './job.js';
import { namespaceHealth } from './namespace.js';
import { podHealth, podProblem } from './pod.js';
import { pvcHealth } from './pvc.js';
import { replicaSetHealth } from './replicaset.js';
import { serviceHealth } from './service.js';
import { statefulSetHealth } from './statefulset.js';

export type { Health } from './fields.js';

// Per-kind rules by "group/Kind" ("Kind" for the core group), as kstatus core.go legacyTypes and
// gitops-engine health.go GetHealthCheckFunc key them; every API version of a kind shares one.
const RULES: Record<string, (obj: Obj) => Health> = {
  'apps/Deployment': deploymentHealth,
  'extensions/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'extensions/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'extensions/ReplicaSet': replicaSetHealth,
  Pod: podHealth,
  'batch/Job': jobHealth,
  'batch/CronJob': cronJobHealth,
  Service: serviceHealth,
  PersistentVolumeClaim: pvcHealth,
  'networking.k8s.io/Ingress': ingressHealth,
  'extensions/Ingress': ingressHealth,
  Namespace: namespaceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  'apiregistration.k8s.io/APIService': apiServiceHealth,
};

/**
 * Health of one live object as the API server returns it (plain JSON with apiVersion, kind,
 * metadata, spec, status); `undefined` = not found ⇒ Missing "not found". Never throws: a field
 * of the wrong type reads as absent. Order (kstatus Compute): `genericChecks` (deletion,
 * observedGeneration, Stalled, Reconciling), then the kind's rule (deployment.ts, pod.ts, ...;
 * each documents its rules and sources), else `genericHealth` (Ready condition, else Healthy —
 * ConfigMap, Secret, ServiceAccount, RBAC and the like are Healthy once they exist). A Namespace
 * being deleted goes to its own rule, which names what the deletion waits for.
 */
export function objectHealth(live: Record<string, unknown> | undefined): Health {
  if (live === undefined) return { status: HealthStatus.MISSING, message: 'not found' };
  const key = kindKey(live);
  if (key === 'Namespace' && str(live, 'metadata.deletionTimestamp') !== '') return namespaceHealth(live);
  const early = genericChecks(live);
  if (early) return early;
  const rule = RULES[key];
  return rule ? rule(live) : genericHealth(live);
}

/**
 * The worst of several healths by @gitfleet/proto `healthRank` (Degraded > Missing > Unknown >
 * Progressing > Suspended > Healthy > Unspecified); on a tie the first one wins. Empty ⇒
 * Healthy with message ''. The message is the worst item's, prefixed "<object>: " when that item
 * names its object (e.g. "Deployment/web: 2/3 replicas available"); just the object when its
 * message is ''.
 */
export function rollUpHealth(items: Array<Health & { object?: string }>): Health {
  let worst: (Health & { object?: string }) | undefined;
  for (const item of items) if (!worst || healthRank(item.status) > healthRank(worst.status)) worst = item;
  if (!worst) return { status: HealthStatus.HEALTHY, message: '' };
  const message = worst.object === undefined || worst.object === '' ? worst.message : worst.message === '' ? worst.object : `${worst.object}: ${worst.message}`;
  return { status: worst.status, message };
}

// Pod causes that will not clear without a change: these turn a Progressing workload Degraded.
const BLOCKING = new Set(['Unschedulable', 'CrashLoopBackOff']);
// At most this many pod names per cause in a message.
const MAX_NAMES = 3;

/**
 * Adds pod-level causes to a workload's health. `pods` are the workload's pods (select them with
 * {@link ownedPods}: owned directly, or via ReplicaSets for a Deployment). Each non-terminal pod
 * with a `podProblem` (stuck container or unschedulable — what makes `objectHealth` call the pod
 * Degraded) is appended to the message, grouped by reason, the first pod's detail after it:
 * "0/3 replicas available; ImagePullBackOff on web-5d9c-abcde, web-5d9c-fghij: Back-off pulling
 * image …". A Progressing workload with an Unschedulable or CrashLoopBackOff pod becomes Degraded:
 * those do not clear by waiting, while an image pull may (kstatus core.go podConditions grades
 * the same two as Failed). Terminal pods (Succeeded, Failed — e.g. evicted leftovers the
 * ReplicaSet no longer counts) are ignored. Other statuses keep their status; no causes ⇒ the
 * workload's health unchanged.
 */
export function withPodCauses(workload: Health, pods: Array<Record<string, unknown>>): Health {
  const groups = new Map<string, { pods: string[]; detail: string }>();
  for (const pod of pods) {
    const problem = podProblem(pod);
    // a pod being deleted is on its way out; its replacement speaks for it
    if (!problem || str(pod, 'metadata.deletionTimestamp') !== '') continue;
    const name = str(pod, 'metadata.name') + (problem.container !== undefined ? `/${problem.container}` : '');
    const group = groups.get(problem.reason);
    if (group) group.pods.push(name);
    else groups.set(problem.reason, { pods: [name], detail: problem.detail });
  }
  if (groups.size === 0) return workload;
  const causes = [...groups].map(([reason, g]) => {
    const names = g.pods.slice(0, MAX_NAMES).join(', ') + (g.pods.length > MAX_NAMES ? ` and ${g.pods.length - MAX_NAMES} more` : '');
    return `${reason} on ${names}${g.detail !== '' ? `: ${g.detail}` : ''}`;
  });
  const message = [workload.message, ...causes].filter((s) => s !== '').join('; ');
  const blocking = [...groups.keys()].some((r) => BLOCKING.has(r));
  const status = workload.status === HealthStatus.PROGRESSING && blocking ? HealthStatus.DEGRADED : workload.status;
  return { status, message };
}

/**
 * The Pods among `objects` that belong to `workload`, following `metadata.ownerReferences` by
 * uid through any depth of owners (Deployment → ReplicaSet → Pod, CronJob → Job → Pod,
 * StatefulSet/DaemonSet/Job → Pod). `objects` may mix kinds; those other than Pod only link.
 * A workload without `metadata.uid` owns nothing.
 */
export function ownedPods(workload: Record<string, unknown>, objects: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const root = str(workload, 'metadata.uid');
  if (root === '') return [];
  const owners = new Set([root]);
  const pods: Obj[] = [];
  let pending = objects.filter(isObj);
  for (let grew = true; grew; ) {
    grew = false;
    const rest: Obj[] = [];
    for (const obj of pending) {
      if (!list(obj, 'metadata.ownerReferences').some((ref) => owners.has(str(ref, 'uid')))) {
        rest.push(obj);
        continue;
      }
      grew = true;
      if (str(obj, 'kind') === 'Pod') pods.push(obj);
      else if (str(obj, 'metadata.uid') !== '') owners.add(str(obj, 'metadata.uid'));
    }
    pending = rest;
  }
  return pods;
}

/** "group/Kind" of an object, "Kind" for the core group ("apps/v1" → "apps", "v1" → ""). */
function kindKey(obj: Obj): string {
  const apiVersion = str(obj, 'apiVersion');
  const slash = apiVersion.indexOf('/');
  const kind = str(obj, 'kind');
  return slash < 0 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
}
