// The rollout controller's decisions over time, on strictly mocked repositories (the real ones are
// tested on PostgreSQL in hub/test/database.test.ts, the whole on the test bed in
// e2e/src/suites/rollout.e2e.ts): supersession, same content never starting twice, a failure
// rolling back or pausing, retry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterHoldsService } from '../clusters/cluster-holds.service.js';
import type { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import type { ClustersRepository } from '../clusters/clusters.repository.js';
import type { BundlesRepository } from '../bundles/bundles.repository.js';
import type { PublishingRepository } from '../publishing/publishing.repository.js';
import type { RolloutSettingsSpec, RolloutStrategySpec } from '../rendering/fleet-yaml.js';
import type { StatusRepository } from '../targets/status.repository.js';
import type { TargetStatusEntity } from '../targets/target-status.entity.js';
import type { TargetEntity } from '../targets/target.entity.js';
import type { TargetsRepository } from '../targets/targets.repository.js';
import { strictMock } from '../testing/strict-mock.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { encodeManifest } from './desired-state.js';
import { memoryRollouts } from './memory-rollouts.spec-helper.js';
import { RolloutController, type Delivery } from './rollout-controller.service.js';
import { RolloutOperationsService } from './rollout-operations.service.js';
import type { DeploymentService } from './deployment.service.js';
import { TargetWriteLock } from './target-write-lock.js';

const CLUSTERS = ['c1', 'c2'];
const STRATEGY: RolloutStrategySpec = { partitions: [{ name: 'canary', clusterName: 'c1' }] };

function setup(rollout: RolloutSettingsSpec = { minHealthyDurationMs: 0, progressDeadlineMs: 60_000 }) {
  const rows = new Map<string, TargetEntity>();
  const statuses = new Map<string, TargetStatusEntity>();
  const healthy = new Map<string, Array<{ digest: string; revision: string; healthyAt: Date }>>();
  const { repo: rollouts, state } = memoryRollouts();
  (rollouts.healthyRevisions as unknown as { mock: { mockImplementation: (f: unknown) => void } }).mock.mockImplementation(async (cluster: string) => healthy.get(cluster) ?? []);
  const targets = strictMock<TargetsRepository>('targets', {
    get: async (k) => rows.get(k.cluster) ?? null,
    list: async () => [...rows.values()],
    upsert: async (row) => void rows.set(row.cluster, { ...row }),
    lastGeneration: async () => 0,
  });
  const publishing = strictMock<PublishingRepository>('publishing', {
    putBundleIfAbsent: async () => true,
    hasBundle: async () => true,
    putDesiredState: async () => 1,
    lastPublishedGeneration: async () => 0,
  });
  const publisher = new DesiredStatePublisher(publishing, targets);
  const lock = new TargetWriteLock();
  const controller = new RolloutController(
    rollouts,
    targets,
    strictMock<StatusRepository>('status', { getStatuses: async () => new Map([...statuses].map(([c, s]) => [`${c}.b`, s])) }),
    strictMock<ClustersRepository>('clusters', { list: async () => CLUSTERS.map((name) => ({ name, labels: {}, createdAt: new Date(0), lastSeenAt: new Date(), agentVersion: null, kubernetesVersion: null, holdReason: null, holdSince: null, holdSource: null })) }),
    strictMock<ClusterGroupsRepository>('groups', { list: async () => [] }),
    strictMock<BundlesRepository>('bundles', { listAll: async () => [] }),
    publisher,
    lock,
    strictMock<ClusterHoldsService>('holds', { heldAt: async () => new Map() }),
  );
  /** A delivery of content `value` at `revision` to both clusters. */
  const delivery = (revision: string, value: string): Delivery => {
    const manifest = encodeManifest('b', [{ file: 'cm.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { value } } }]);
    return {
      bundleId: 'b', source: 's', path: 'b', revision, commit: { message: revision, author: 'a' }, strategy: STRATEGY, rollout, dependsOn: [],
      clusters: CLUSTERS.map((name) => ({ name, labels: {}, kubernetesVersion: null })), groups: [],
      targets: CLUSTERS.map((cluster) => ({
        manifest, prev: rows.get(cluster),
        draft: {
          cluster, bundleId: 'b', source: 's', revision, digest: manifest.digest, targetNamespace: '', defaultNamespace: '',
          syncPolicy: { automated: true, prune: true, selfHeal: true }, ignoreDifferences: [], takeOwnership: true, namespaceLabels: {}, namespaceAnnotations: {},
        },
      })),
    };
  };
  /** The agent of `cluster` reports what is published there applied, with `health`. */
  const report = (cluster: string, health: 'Healthy' | 'Degraded') => {
    const t = rows.get(cluster)!;
    statuses.set(cluster, { cluster, bundleId: 'b', revision: t.revision, digest: t.digest, generation: t.generation, state: 'Synced', syncStatus: 'Synced', health, healthMessage: health === 'Degraded' ? 'Deployment web: 0/1 available' : '', appliedAt: new Date(), errors: [] } as unknown as TargetStatusEntity);
  };
  const operations = new RolloutOperationsService(
    rollouts, controller,
    strictMock<BundlesRepository>('bundles', { getWithTargetCount: async () => ({ id: 'b', source: 's', path: 'b', name: 'b', labels: {}, revision: 'v', state: 'Ready', errors: [], warnings: [], updatedAt: new Date(), targetCount: 2 }) }),
    targets, publisher, lock, strictMock<DeploymentService>('pipeline', {}),
  );
  const tick = () => controller.tick();
  const phases = () => state.rollouts.map((r) => `${r.revision}:${r.phase}`);
  return { controller, operations, rows, state, healthy, delivery, report, tick, phases };
}

describe('RolloutController', () => {
  it('a gated rollout publishes the canary first, the rest once it is Healthy; the same content never starts twice', async () => {
    const t = setup();
    const out = await t.controller.deliver(t.delivery('v1', 'one'));
    assert.deepEqual([out.published, out.waiting], [1, 1]);
    assert.deepEqual([...t.rows.keys()], ['c1']);
    await t.controller.deliver(t.delivery('v1b', 'one')); // a later commit with the same content
    assert.deepEqual(t.phases(), ['v1:Progressing'], 'no second rollout for the same content');
    await t.tick();
    assert.deepEqual([...t.rows.keys()], ['c1'], 'not Healthy yet: c2 waits');
    t.report('c1', 'Healthy');
    await t.tick(); // c1 Healthy since now (minHealthyDuration 0): done → c2
    assert.deepEqual([...t.rows.keys()].sort(), ['c1', 'c2']);
    t.report('c2', 'Healthy');
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:Succeeded']);
  });

  it('a newer content supersedes the running rollout and starts again from the first stage', async () => {
    const t = setup();
    await t.controller.deliver(t.delivery('v1', 'one'));
    t.report('c1', 'Healthy');
    await t.tick();
    t.report('c2', 'Healthy');
    await t.tick(); // v1 everywhere
    await t.controller.deliver(t.delivery('v2', 'two'));
    await t.controller.deliver(t.delivery('v3', 'three')); // before v2 went past the canary
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:Superseded', 'v3:Progressing']);
    assert.equal(t.state.rollouts[1]!.cause, 'superseded by revision v3');
    assert.deepEqual([t.rows.get('c1')!.revision, t.rows.get('c2')!.revision], ['v3', 'v1'], 'the canary first, the rest keeps v1');
    // v3 goes on through its stages
    t.report('c1', 'Healthy');
    await t.tick();
    t.report('c2', 'Healthy');
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:Superseded', 'v3:Succeeded']);
  });

  it('a failure rolls the canary back to its last Healthy revision and stops; the same commit polled again does not restart it; retry does', async () => {
    const t = setup({ minHealthyDurationMs: 0, progressDeadlineMs: 20 });
    await t.controller.deliver(t.delivery('v1', 'one'));
    t.report('c1', 'Healthy');
    await t.tick();
    t.report('c2', 'Healthy');
    await t.tick();
    const good = t.rows.get('c1')!.digest;
    t.healthy.set('c1', [{ digest: good, revision: 'v1', healthyAt: new Date() }]);

    await t.controller.deliver(t.delivery('v2', 'bad'));
    t.report('c1', 'Degraded');
    await sleep(30); // past the 20 ms progressDeadline
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:RolledBack']);
    assert.match(t.state.rollouts[1]!.cause!, /^1 cluster failed, more than maxFailures 0 allows: c1: not Healthy on the new revision .*last report: generation \d+ Synced, Degraded: Deployment web: 0\/1 available$/);
    assert.deepEqual([t.rows.get('c1')!.revision, t.rows.get('c1')!.digest], ['v1', good], 'the canary is back on v1');
    assert.equal(t.rows.get('c2')!.revision, 'v1', 'c2 never got v2');
    const back = t.state.clusters.find((c) => c.rolloutId === t.state.rollouts[1]!.id && c.cluster === 'c1')!;
    assert.match(back.rollback!.reason, /^rolled back to v1, last Healthy here at /);

    await t.controller.deliver(t.delivery('v2', 'bad'));
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:RolledBack'], 'the same content stays stopped');
    assert.equal(t.rows.get('c1')!.revision, 'v1');

    // an operator retries: the same content from the first stage again
    await t.operations.retry('b', 'ops');
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:RolledBack', 'v2:Progressing']);
    assert.equal(t.rows.get('c1')!.revision, 'v2', 'the canary gets it again');
    assert.equal(t.rows.get('c2')!.revision, 'v1');
    await assert.rejects(t.operations.retry('b', 'ops'), /bundle b has no rolled-back or paused rollout to retry \(its latest is Progressing\)/);
  });

  it('a pin of one cluster keeps it on its revision while the others roll on; unpinned it is rolled out again', async () => {
    const t = setup();
    await t.controller.deliver(t.delivery('v1', 'one'));
    t.report('c1', 'Healthy');
    await t.tick();
    t.report('c2', 'Healthy');
    await t.tick();
    await t.operations.pin('b', { revision: 'v1', cluster: 'c2' }, 'ops');
    await t.controller.deliver(t.delivery('v2', 'two'));
    t.report('c1', 'Healthy');
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:Succeeded'], 'the pinned cluster is not waited for');
    assert.deepEqual([t.rows.get('c1')!.revision, t.rows.get('c2')!.revision], ['v2', 'v1']);
    const view = await t.operations.status('b');
    assert.deepEqual(view.pins.map((p) => [p.cluster, p.revision]), [['c2', 'v1']]);
    // the pin removed (what unpin does before it runs the pipeline): the next delivery rolls v2 out to c2
    t.state.pins.splice(0);
    await t.controller.deliver(t.delivery('v2', 'two'));
    assert.deepEqual(t.phases(), ['v1:Succeeded', 'v2:Succeeded', 'v2:Progressing']);
    await t.tick();
    assert.equal(t.rows.get('c2')!.revision, 'v2');
  });

  it('autoRollback false pauses the failed rollout and rolls nothing back', async () => {
    const t = setup({ minHealthyDurationMs: 0, progressDeadlineMs: 20, autoRollback: false });
    await t.controller.deliver(t.delivery('v1', 'one'));
    t.report('c1', 'Degraded');
    await sleep(30);
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:Paused']);
    assert.match(t.state.rollouts[0]!.cause!, /\(autoRollback false: paused, nothing rolled back\)$/);
    assert.equal(t.rows.get('c1')!.revision, 'v1', 'kept on the failed revision');
    assert.equal(t.rows.has('c2'), false, 'the next stage never got it');
  });

  it('a new target whose first revision fails is kept, never withdrawn', async () => {
    const t = setup({ minHealthyDurationMs: 0, progressDeadlineMs: 20 });
    await t.controller.deliver(t.delivery('v1', 'bad'));
    t.report('c1', 'Degraded');
    await sleep(30);
    await t.tick();
    assert.deepEqual(t.phases(), ['v1:RolledBack']);
    assert.equal(t.rows.get('c1')!.revision, 'v1', 'still published: nothing was withdrawn');
    const c1 = t.state.clusters.find((c) => c.cluster === 'c1')!;
    assert.equal(c1.rollback!.reason, 'no earlier revision on this cluster: kept on the failed revision (a rollback never withdraws)');
  });
});
