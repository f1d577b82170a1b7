import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { HealthStatus, healthName } from '@gitfleet/proto';
import { parseAllDocuments } from 'yaml';
import { objectHealth, ownedPods, rollUpHealth, withPodCauses, type Health } from './index.js';

type Obj = Record<string, unknown>;

// Fixtures live in agent/test/fixtures/health; find them from the compiled spec by walking up to
// the workspace root (the folder with nx.json).
function fixturesDir(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return join(dir, 'agent', 'test', 'fixtures', 'health');
    if (dirname(dir) === dir) throw new Error(`no nx.json above ${import.meta.dirname}`);
  }
}
const FIXTURES = fixturesDir();

/** Every document of fixture `name` (without .yaml). */
function fixture(name: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8'));
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`fixture ${name}`, { cause: d.errors[0] });
    return d.toJS() as Obj;
  });
}
const one = (name: string): Obj => fixture(name)[0]!;

const { HEALTHY, PROGRESSING, DEGRADED, SUSPENDED, MISSING, UNKNOWN } = HealthStatus;

// fixture, expected status, expected message
const CASES: Array<[string, HealthStatus, RegExp]> = [
  ['deployment-healthy', HEALTHY, /^3\/3 replicas available$/],
  ['deployment-progressing', PROGRESSING, /^2\/3 replicas available$/],
  ['deployment-rollout-updating', PROGRESSING, /^1\/3 replicas updated, 3 available$/],
  ['deployment-old-replicas', PROGRESSING, /^1 old replicas pending termination$/],
  ['deployment-generation-stale', PROGRESSING, /^generation 5 not yet observed by its controller \(observed 4\)$/],
  ['deployment-unobserved', PROGRESSING, /^not yet observed by its controller$/],
  ['deployment-progress-deadline', DEGRADED, /^progress deadline exceeded: ReplicaSet "web-5d9c" has timed out progressing\.$/],
  ['deployment-paused', SUSPENDED, /^rollout paused$/],
  ['deployment-unavailable', PROGRESSING, /^not available: MinimumReplicasUnavailable: Deployment does not have minimum availability\.$/],
  ['deployment-terminating', PROGRESSING, /^terminating; waiting for finalizers foregroundDeletion$/],
  ['replicaset-healthy', HEALTHY, /^2\/2 replicas available$/],
  ['replicaset-progressing', PROGRESSING, /^1\/2 replicas available$/],
  ['replicaset-quota', DEGRADED, /^replica failure: pods "web-5d9c-x" is forbidden: exceeded quota: compute/],
  ['statefulset-healthy', HEALTHY, /^3\/3 replicas ready$/],
  ['statefulset-not-ready', PROGRESSING, /^1\/3 replicas ready$/],
  ['statefulset-rolling', PROGRESSING, /^rolling update: 1\/3 replicas updated to db-9a1$/],
  ['statefulset-partition', PROGRESSING, /^partitioned rollout: 1\/2 replicas updated$/],
  ['statefulset-ondelete', HEALTHY, /^2\/2 replicas ready \(OnDelete updates\)$/],
  ['daemonset-healthy', HEALTHY, /^3\/3 pods available$/],
  ['daemonset-rolling', PROGRESSING, /^1\/3 pods updated$/],
  ['daemonset-unavailable', PROGRESSING, /^2\/3 pods available$/],
  ['daemonset-unobserved', PROGRESSING, /^not yet observed by its controller$/],
  ['pod-running', HEALTHY, /^running$/],
  ['pod-running-not-ready', PROGRESSING, /^running; containers not ready: sidecar$/],
  ['pod-imagepullbackoff', DEGRADED, /^ImagePullBackOff on container app: Back-off pulling image "nginx:nope"$/],
  ['pod-errimagepull-init', DEGRADED, /^ErrImagePull on container migrate: rpc error: code = NotFound/],
  ['pod-crashloop', DEGRADED, /^CrashLoopBackOff on container app: last exit: OOMKilled \(code 137\), 5 restarts$/],
  ['pod-config-error', DEGRADED, /^CreateContainerConfigError on container app: secret "web-db" not found$/],
  ['pod-unschedulable', DEGRADED, /^Unschedulable: 0\/3 nodes are available: 3 Insufficient cpu\./],
  ['pod-pending', PROGRESSING, /^pending: ContainerCreating$/],
  ['pod-succeeded', HEALTHY, /^completed$/],
  ['pod-failed', DEGRADED, /^failed: container migrate exited with code 2 \(Error\)$/],
  ['pod-evicted', DEGRADED, /^failed: Evicted: The node was low on resource: memory\.$/],
  ['pod-unknown-phase', UNKNOWN, /^phase Unknown$/],
  ['job-complete', HEALTHY, /^completed: 1\/1 succeeded$/],
  ['job-failed', DEGRADED, /^failed: BackoffLimitExceeded: Job has reached the specified backoff limit$/],
  ['job-running', PROGRESSING, /^running: 2 active, 2\/5 succeeded, 1 failed$/],
  ['job-suspended', SUSPENDED, /^suspended$/],
  ['cronjob-active', HEALTHY, /^last scheduled 2025-01-02T02:00:00Z; 1 job running$/],
  ['cronjob-suspended', SUSPENDED, /^suspended; last scheduled 2025-01-02T02:00:00Z$/],
  ['service-clusterip', HEALTHY, /^$/],
  ['service-lb-pending', PROGRESSING, /^waiting for load balancer$/],
  ['service-lb-ready', HEALTHY, /^load balancer 203\.0\.113\.7$/],
  ['ingress-pending', PROGRESSING, /^waiting for load balancer address$/],
  ['ingress-ready', HEALTHY, /^address lb-123\.elb\.example\.com$/],
  ['pvc-bound', HEALTHY, /^bound: pvc-3f1a$/],
  ['pvc-pending', PROGRESSING, /^waiting for a volume \(storage class fast-ssd\)$/],
  ['pvc-lost', DEGRADED, /^lost its volume pvc-3f1a$/],
  ['namespace-active', HEALTHY, /^$/],
  ['namespace-terminating', PROGRESSING, /^terminating: SomeResourcesRemain: Some resources are remaining: widgets\.example\.com/],
  ['crd-established', HEALTHY, /^established$/],
  ['crd-names-conflict', DEGRADED, /^names not accepted: "wd" is already in use$/],
  ['crd-installing', PROGRESSING, /^waiting to be established/],
  ['apiservice-available', HEALTHY, /^available: all checks passed$/],
  ['apiservice-unavailable', PROGRESSING, /^not available: MissingEndpoints: endpoints for service\/metrics-server/],
  ['configmap', HEALTHY, /^$/],
  ['custom-resource-ready', HEALTHY, /^Widget is serving$/],
  ['custom-resource-not-ready', PROGRESSING, /^not ready: DependencyNotReady: waiting for database$/],
  ['custom-resource-stalled', DEGRADED, /^stalled: BuildFailed: kustomize build failed/],
  ['custom-resource-reconciling', PROGRESSING, /^reconciling: Scaling: scaling to 2$/],
  ['custom-resource-stale', PROGRESSING, /^generation 4 not yet observed by its controller \(observed 3\)$/],
];

describe('objectHealth', () => {
  for (const [name, status, message] of CASES) {
    it(`${name} is ${healthName(status)}`, () => {
      const h = objectHealth(one(name));
      assert.equal(healthName(h.status), healthName(status), `message: ${h.message}`);
      assert.match(h.message, message);
    });
  }

  it('calls an object that is not found Missing', () => {
    assert.deepEqual(objectHealth(undefined), { status: MISSING, message: 'not found' });
  });

  it('does not throw on malformed objects', () => {
    const odd: Obj[] = [
      {},
      { apiVersion: 'apps/v1', kind: 'Deployment', spec: 'x', status: [] },
      { apiVersion: 'v1', kind: 'Pod', status: { phase: 7, conditions: 'no', containerStatuses: [null, 3, { state: null }] } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: null, status: { conditions: [null] } },
    ];
    for (const o of odd) assert.equal(typeof objectHealth(o).message, 'string');
  });
});

// healthName and healthRank (with this file's former cases) are specified in proto/src/health.spec.ts.

describe('rollUpHealth', () => {
  it('is Healthy with no message when empty', () => assert.deepEqual(rollUpHealth([]), { status: HEALTHY, message: '' }));
  it('takes the worst and prefixes its object', () => {
    const h = rollUpHealth([
      { status: HEALTHY, message: '3/3 replicas available', object: 'Deployment/web' },
      { status: PROGRESSING, message: 'waiting for load balancer', object: 'Service/web-public' },
      { status: MISSING, message: 'not found', object: 'ConfigMap/web-config' },
      { status: SUSPENDED, message: 'suspended', object: 'CronJob/nightly' },
    ]);
    assert.deepEqual(h, { status: MISSING, message: 'ConfigMap/web-config: not found' });
  });
  it('puts Degraded above Missing and Unknown', () => {
    const h = rollUpHealth([
      { status: UNKNOWN, message: 'phase Unknown', object: 'Pod/a' },
      { status: DEGRADED, message: 'progress deadline exceeded', object: 'Deployment/web' },
      { status: MISSING, message: 'not found', object: 'Service/web' },
    ]);
    assert.deepEqual(h, { status: DEGRADED, message: 'Deployment/web: progress deadline exceeded' });
  });
  it('keeps the first of equally bad items, and messages without an object as they are', () => {
    assert.deepEqual(rollUpHealth([{ status: PROGRESSING, message: 'first' }, { status: PROGRESSING, message: 'second', object: 'X/b' }]), { status: PROGRESSING, message: 'first' });
    assert.deepEqual(rollUpHealth([{ status: DEGRADED, message: '', object: 'Job/migrate' }]), { status: DEGRADED, message: 'Job/migrate' });
  });
  it('rolls up objectHealth of fixtures', () => {
    const items = ['deployment-healthy', 'pvc-pending', 'pod-crashloop'].map((n) => ({ ...objectHealth(one(n)), object: n }));
    const h = rollUpHealth(items);
    assert.equal(h.status, DEGRADED);
    assert.match(h.message, /^pod-crashloop: CrashLoopBackOff on container app/);
  });
});

describe('ownedPods', () => {
  it('follows ownerReferences through ReplicaSets and leaves other workloads out', () => {
    const [deployment, ...rest] = fixture('deployment-with-pods');
    const names = ownedPods(deployment!, rest).map((p) => (p['metadata'] as Obj)['name']);
    assert.deepEqual(names, ['web-5d9c-aaaaa', 'web-5d9c-bbbbb', 'web-5d9c-ccccc', 'web-5d9c-evict']);
  });
  it('finds pods listed before their ReplicaSet', () => {
    const [deployment, ...rest] = fixture('deployment-with-pods');
    assert.equal(ownedPods(deployment!, rest.reverse()).length, 4);
  });
  it('owns nothing without a uid', () => assert.deepEqual(ownedPods({ kind: 'Deployment' }, fixture('deployment-with-pods')), []));
});

describe('withPodCauses', () => {
  const [deployment, ...rest] = fixture('deployment-with-pods');
  const pods = ownedPods(deployment!, rest);

  it("appends the deployment's stuck pods, grouped by reason, ignoring evicted leftovers", () => {
    const h = withPodCauses(objectHealth(deployment), pods);
    assert.equal(h.status, PROGRESSING); // an image pull may still succeed
    assert.equal(h.message, '1/3 replicas available; ImagePullBackOff on web-5d9c-aaaaa/app, web-5d9c-bbbbb/app: Back-off pulling image "web:nope"');
  });
  it('turns a Progressing workload Degraded for a crash-looping pod', () => {
    const h = withPodCauses({ status: PROGRESSING, message: '2/3 replicas available' }, [one('pod-running'), one('pod-crashloop')]);
    assert.deepEqual(h, { status: DEGRADED, message: '2/3 replicas available; CrashLoopBackOff on web-5d9c-klmno/app: last exit: OOMKilled (code 137), 5 restarts' });
  });
  it('turns a Progressing workload Degraded for an unschedulable pod, with the scheduler message', () => {
    const h = withPodCauses({ status: PROGRESSING, message: '2/3 replicas available' }, [one('pod-unschedulable')]);
    assert.equal(h.status, DEGRADED);
    assert.match(h.message, /^2\/3 replicas available; Unschedulable on web-5d9c-uvwxy: 0\/3 nodes are available: 3 Insufficient cpu\./);
  });
  it('keeps other statuses, adding the causes', () => {
    const h = withPodCauses({ status: HEALTHY, message: '3/3 replicas available' }, [one('pod-crashloop')]);
    assert.equal(h.status, HEALTHY);
    assert.match(h.message, /; CrashLoopBackOff on web-5d9c-klmno\/app/);
    assert.equal(withPodCauses({ status: SUSPENDED, message: '' }, [one('pod-config-error')]).message, 'CreateContainerConfigError on web-5d9c-pqrst/app: secret "web-db" not found');
  });
  it('returns the workload unchanged without stuck pods', () => {
    const workload: Health = { status: PROGRESSING, message: '2/3 replicas available' };
    assert.equal(withPodCauses(workload, [one('pod-running'), one('pod-pending'), one('pod-evicted'), one('pod-succeeded')]), workload);
  });
  it('names at most three pods per cause', () => {
    const pod = one('pod-crashloop');
    const many = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ ...pod, metadata: { name: `web-${n}` } }));
    assert.match(withPodCauses({ status: PROGRESSING, message: '' }, many).message, /^CrashLoopBackOff on web-a\/app, web-b\/app, web-c\/app and 2 more: /);
  });
});
