// Issue #2, test 4: deleting a file from Git prunes its objects from every targeted cluster,
// and leaves the bundle's other objects in place.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, fixturePath, needsSharedFixtures } from '../support/index.js';

const NS = 'e2e-prune';
const BUNDLE = 'prune-simple';
const SPOKES = ['spoke1', 'spoke2'];

describe('prune: a deleted file removes its objects', needsSharedFixtures(), () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'prune', clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'dev' } }, namespaces: [NS] });
  });
  after(async () => fleet?.stop());

  it('deploys the simple fixture, then prunes the objects of deleted files', async () => {
    fleet.repo.copy(fixturePath('fleet-examples/simple'), 'simple');
    fleet.repo.write('simple/fleet.yaml', `namespace: ${NS}\n`);
    const first = await fleet.repo.commitAndPush('simple app');
    await fleet.api.createSource({ name: 'prune', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, SPOKES);
    for (const spoke of SPOKES) {
      const names = (await fleet.kubectl(spoke).list('deployments', NS)).map((d) => d.metadata.name).sort();
      assert.deepEqual(names, ['frontend', 'redis-master', 'redis-slave']);
    }

    fleet.repo.remove('simple/redis-slave-deployment.yaml');
    fleet.repo.remove('simple/redis-slave-service.yaml');
    const second = await fleet.repo.commitAndPush('drop the redis replicas');
    await fleet.api.pushWebhook('prune', second);
    const targets = await fleet.waitForRevision(BUNDLE, second, SPOKES);

    for (const spoke of SPOKES) {
      const k = fleet.kubectl(spoke);
      await eventually(`redis-slave gone from ${spoke}`, async () => {
        assert.equal(await k.get('deployment', 'redis-slave', NS), undefined);
        assert.equal(await k.get('service', 'redis-slave', NS), undefined);
      }, 10_000);
      assert.ok(await k.get('deployment', 'redis-master', NS), 'other objects stay');
      assert.ok(await k.get('service', 'frontend', NS), 'other objects stay');
      const report = targets.find((t) => t.cluster === spoke)!.applied!;
      const pruned = report.resources.filter((r) => r.action === 'pruned').map((r) => `${r.kind}/${r.name}`).sort();
      assert.deepEqual(pruned, ['Deployment/redis-slave', 'Service/redis-slave'], `${spoke} reports what it pruned`);
    }
  });
});
