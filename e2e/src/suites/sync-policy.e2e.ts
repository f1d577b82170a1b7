// Issue #3, test 4: automated=false reports a new revision OutOfSync with its diff and applies it
// only after the sync call (optionally for one cluster); prune=false (Fleet's keepResources) and
// the per-object prune annotation keep removed objects, reported as orphaned.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const SPOKES = ['spoke1', 'spoke2'];
const MANUAL = 'sync-policy-manual';
const KEEP = 'sync-policy-keep';
const ANNOTATED = 'sync-policy-annotated';

const configMap = (name: string, value: string, annotations = '') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}${annotations}
data:
  value: "${value}"
`;
const dataValue = (o: { [k: string]: unknown } | undefined) => (o?.['data'] as Record<string, string> | undefined)?.['value'];

describe('sync policy: manual sync and prune', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'sync-policy', clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'dev' } }, namespaces: ['e2e-manual', 'e2e-keep', 'e2e-annotated'] });
    fleet.repo.write('manual/fleet.yaml', 'namespace: e2e-manual\ngitfleet:\n  syncPolicy:\n    automated: false\n');
    fleet.repo.write('manual/settings.yaml', configMap('settings', 'one'));
    fleet.repo.write('keep/fleet.yaml', 'namespace: e2e-keep\nkeepResources: true\n');
    fleet.repo.write('keep/a.yaml', configMap('a', 'a'));
    fleet.repo.write('keep/b.yaml', configMap('b', 'b'));
    fleet.repo.write('annotated/fleet.yaml', 'namespace: e2e-annotated\n');
    fleet.repo.write('annotated/kept.yaml', configMap('kept', 'k', '\n  annotations:\n    gitfleet.io/prune: "false"'));
    fleet.repo.write('annotated/pruned.yaml', configMap('pruned', 'p'));
    await fleet.repo.commitAndPush('three bundles');
    await fleet.api.createSource({ name: 'sync-policy', url: fleet.repo.url, pollIntervalSeconds: 3600 });
  });
  after(async () => fleet?.stop());

  it('automated=false: reported OutOfSync with its diff, applied only by the sync call', async () => {
    for (const spoke of SPOKES) {
      await eventually(`${spoke} reports the manual bundle OutOfSync`, async () => {
        const t = await fleet.api.target(spoke, MANUAL);
        assert.equal(t.syncStatus, 'OutOfSync');
        assert.ok(t.drift.some((d) => d.object.name === 'settings' && d.missing), `diff shows the ConfigMap to create: ${JSON.stringify(t.drift)}`);
      }, 20_000);
      assert.equal(await fleet.kubectl(spoke).get('configmap', 'settings', 'e2e-manual'), undefined, 'nothing applied before the sync');
    }
    const diff = await fleet.api.diff('spoke1', MANUAL);
    assert.ok(diff.objects.some((o) => o.object.kind === 'ConfigMap' && o.object.name === 'settings' && o.missing), `diff endpoint: ${JSON.stringify(diff)}`);

    await fleet.api.sync(MANUAL);
    for (const spoke of SPOKES) {
      await eventually(`${spoke} applied after the sync`, async () => {
        assert.equal(dataValue(await fleet.kubectl(spoke).get('configmap', 'settings', 'e2e-manual')), 'one');
        assert.equal((await fleet.api.target(spoke, MANUAL)).syncStatus, 'Synced');
      }, 20_000);
    }

    fleet.repo.write('manual/settings.yaml', configMap('settings', 'two'));
    const second = await fleet.repo.commitAndPush('a new revision for the manual bundle');
    await fleet.api.pushWebhook('sync-policy', second);
    for (const spoke of SPOKES) {
      await eventually(`${spoke} reports the new revision OutOfSync with the changed field`, async () => {
        const t = await fleet.api.target(spoke, MANUAL);
        assert.equal(t.desired.revision, second);
        assert.equal(t.syncStatus, 'OutOfSync');
        const d = t.drift.find((x) => x.object.name === 'settings');
        assert.ok(d?.diffs.some((f) => f.path === '/data/value' && JSON.parse(f.desired) === 'two' && JSON.parse(f.live) === 'one'), JSON.stringify(d));
      }, 20_000);
    }
    await fleet.api.sync(MANUAL, 'spoke1');
    await eventually('spoke1 applied the new revision', async () => assert.equal(dataValue(await fleet.kubectl('spoke1').get('configmap', 'settings', 'e2e-manual')), 'two'), 20_000);
    assert.equal(dataValue(await fleet.kubectl('spoke2').get('configmap', 'settings', 'e2e-manual')), 'one', 'the other cluster waits for its own sync');
    assert.equal((await fleet.api.target('spoke2', MANUAL)).syncStatus, 'OutOfSync');
  });

  it('prune=false (keepResources) and the prune annotation keep removed objects, reported orphaned', async () => {
    fleet.repo.remove('keep/b.yaml');
    fleet.repo.remove('annotated/kept.yaml');
    fleet.repo.remove('annotated/pruned.yaml');
    fleet.repo.write('annotated/other.yaml', configMap('other', 'o'));
    const revision = await fleet.repo.commitAndPush('remove objects');
    await fleet.api.pushWebhook('sync-policy', revision);
    await fleet.waitForRevision(KEEP, revision, SPOKES);
    await fleet.waitForRevision(ANNOTATED, revision, SPOKES);
    for (const spoke of SPOKES) {
      const k = fleet.kubectl(spoke);
      assert.ok(await k.get('configmap', 'b', 'e2e-keep'), 'keepResources leaves b');
      assert.ok(await k.get('configmap', 'kept', 'e2e-annotated'), 'the annotated object stays');
      await eventually('the unannotated object is pruned', async () => assert.equal(await k.get('configmap', 'pruned', 'e2e-annotated'), undefined), 10_000);
      assert.deepEqual((await fleet.api.target(spoke, KEEP)).orphaned.map((o) => `${o.kind}/${o.name}`), ['ConfigMap/b']);
      assert.deepEqual((await fleet.api.target(spoke, ANNOTATED)).orphaned.map((o) => `${o.kind}/${o.name}`), ['ConfigMap/kept']);
    }
  });
});
