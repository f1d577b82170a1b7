/**
 * Sync policy on a real kube-apiserver: automated=false plans (server-side dry run) and reports
 * OUT_OF_SYNC with what would change, applying only when sync_request is bumped (persisted in
 * the inventory, so a restart does not re-apply); prune=false and the gitfleet.io/prune: "false"
 * annotation keep removed objects and report them orphaned until they return or are gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRUNE_ANNOTATION, ResourceAction, SyncStatus } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import {
  closeSuite, configMap, kubectl, kubeGet, openSuite, startAgent, type SuiteContext, type TestObject, waitBundleReport,
} from './testbed.js';

const annotated = (o: TestObject, annotations: Record<string, string>): TestObject =>
  ({ obj: { ...o.obj, metadata: { ...(o.obj.metadata as object), annotations } } });

describe('sync policy', () => {
  let ctx: SuiteContext;
  let ns: string;
  const MANUAL = 'manual';
  const KEEP = 'keep';
  const ANNOTATED = 'annotated';

  before(async () => {
    ctx = await openSuite('sp', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke2');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(MANUAL).add(KEEP).add(ANNOTATED);
    await kubectl(ctx.tb, 'create', 'namespace', ns);
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('automated=false: OUT_OF_SYNC with the would-be changes, nothing applied', async () => {
    const digest = await ctx.hub.putBundle(MANUAL, 'rev1', [configMap('settings', { value: 'one' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, MANUAL, digest, { automated: false, revision: 'rev1', generation: 1n });
    const r = await waitBundleReport(ctx, MANUAL, 'plan report', (x) => x.generation === 1n);
    assert.equal(r.syncStatus, SyncStatus.OUT_OF_SYNC, JSON.stringify(r.errors));
    assert.deepEqual(r.drift.map((d) => [d.object?.kind, d.object?.name, d.missing]), [['ConfigMap', 'settings', true]]);
    assert.equal(r.syncRequest, 0n);
    assert.equal(r.trigger, 'update');
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'settings', ns), null, 'nothing applied');
  });

  it('a bumped sync_request applies and is reported', async () => {
    const digest = await ctx.hub.putBundle(MANUAL, 'rev1', [configMap('settings', { value: 'one' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, MANUAL, digest, { automated: false, revision: 'rev1', generation: 2n, syncRequest: 1n });
    const r = await waitBundleReport(ctx, MANUAL, 'sync report', (x) => x.generation === 2n);
    assert.equal(r.trigger, 'sync-request');
    assert.equal(r.syncStatus, SyncStatus.SYNCED);
    assert.equal(r.syncRequest, 1n);
    assert.deepEqual(r.resources.map((x) => [x.name, ResourceAction[x.action]]), [['settings', 'CREATED']]);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'settings', ns))?.data.value, 'one');
    const inv = await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${MANUAL}`, ctx.agentNamespace);
    assert.equal(JSON.parse(inv?.data['inventory.json']).syncRequest, '1', 'the sync_request acted on is persisted');
  });

  it('a new revision waits for its own sync, also across an agent restart', async () => {
    const digest = await ctx.hub.putBundle(MANUAL, 'rev2', [configMap('settings', { value: 'two' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, MANUAL, digest, { automated: false, revision: 'rev2', generation: 3n, syncRequest: 1n });
    const r = await waitBundleReport(ctx, MANUAL, 'plan of rev2', (x) => x.generation === 3n);
    assert.equal(r.syncStatus, SyncStatus.OUT_OF_SYNC);
    assert.equal(r.syncRequest, 1n);
    const d = r.drift.find((x) => x.object?.name === 'settings');
    assert.deepEqual(d?.diffs.map((f) => [f.path, JSON.parse(f.desired), JSON.parse(f.live)]), [['/data/value', 'two', 'one']]);
    await ctx.agent?.stop();
    const restarted = Date.now();
    startAgent(ctx);
    const again = await waitBundleReport(ctx, MANUAL, 'plan after restart', (x) => x.generation === 3n, { sinceMs: restarted });
    assert.equal(again.syncStatus, SyncStatus.OUT_OF_SYNC);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'settings', ns))?.data.value, 'one', 'still not applied');
  });

  it('prune=false keeps a removed object, reported orphaned until it returns', async () => {
    const d1 = await ctx.hub.putBundle(KEEP, 'k1', [configMap('a', { v: '1' }, ns), configMap('b', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, KEEP, d1, { prune: false, revision: 'k1', generation: 1n });
    await waitBundleReport(ctx, KEEP, 'k1 applied', (x) => x.generation === 1n && x.syncStatus === SyncStatus.SYNCED);
    const d2 = await ctx.hub.putBundle(KEEP, 'k2', [configMap('a', { v: '2' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, KEEP, d2, { prune: false, revision: 'k2', generation: 2n });
    const r = await waitBundleReport(ctx, KEEP, 'k2 applied', (x) => x.generation === 2n);
    assert.deepEqual(r.orphaned.map((o) => `${o.kind}/${o.name}`), ['ConfigMap/b']);
    assert.ok(!r.resources.some((x) => x.action === ResourceAction.PRUNED), 'nothing pruned');
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'b', ns), 'b is left');
    // still reported by the next reconcile
    const d3 = await ctx.hub.putBundle(KEEP, 'k3', [configMap('a', { v: '3' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, KEEP, d3, { prune: false, revision: 'k3', generation: 3n });
    const r3 = await waitBundleReport(ctx, KEEP, 'k3 applied', (x) => x.generation === 3n);
    assert.deepEqual(r3.orphaned.map((o) => o.name), ['b']);
    // back in the desired state: no longer orphaned
    const d4 = await ctx.hub.putBundle(KEEP, 'k4', [configMap('a', { v: '3' }, ns), configMap('b', { v: '4' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, KEEP, d4, { prune: false, revision: 'k4', generation: 4n });
    const r4 = await waitBundleReport(ctx, KEEP, 'k4 applied', (x) => x.generation === 4n);
    assert.deepEqual(r4.orphaned, []);
    // orphaned again, then deleted by hand: no longer reported
    await ctx.hub.putDesired(ctx.cluster, KEEP, d3, { prune: false, revision: 'k3', generation: 5n });
    assert.deepEqual((await waitBundleReport(ctx, KEEP, 'g5', (x) => x.generation === 5n)).orphaned.map((o) => o.name), ['b']);
    await kubectl(ctx.tb, 'delete', 'configmap', 'b', '-n', ns);
    await ctx.hub.putDesired(ctx.cluster, KEEP, d3, { prune: false, revision: 'k3', generation: 6n });
    assert.deepEqual((await waitBundleReport(ctx, KEEP, 'g6', (x) => x.generation === 6n)).orphaned, [], 'a gone orphan is dropped');
  });

  it('the prune annotation keeps an object (also when the target is deleted); others are pruned', async () => {
    const kept = annotated(configMap('kept', { v: '1' }, ns), { [PRUNE_ANNOTATION]: 'false' });
    const d1 = await ctx.hub.putBundle(ANNOTATED, 'a1', [kept, configMap('pruned', { v: '1' }, ns), configMap('stays', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, ANNOTATED, d1, { revision: 'a1', generation: 1n });
    await waitBundleReport(ctx, ANNOTATED, 'a1 applied', (x) => x.generation === 1n && x.syncStatus === SyncStatus.SYNCED);
    const d2 = await ctx.hub.putBundle(ANNOTATED, 'a2', [configMap('stays', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, ANNOTATED, d2, { revision: 'a2', generation: 2n });
    const r = await waitBundleReport(ctx, ANNOTATED, 'a2 applied', (x) => x.generation === 2n);
    assert.deepEqual(r.orphaned.map((o) => o.name), ['kept']);
    assert.deepEqual(r.resources.filter((x) => x.action === ResourceAction.PRUNED).map((x) => x.name), ['pruned']);
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'kept', ns), 'the annotated object stays');
    await waitFor('unannotated object pruned', async () => (await kubeGet(ctx.tb, 'configmap', 'pruned', ns)) === null);

    // an annotated object still in the desired state survives the target's deletion
    const d3 = await ctx.hub.putBundle(ANNOTATED, 'a3', [configMap('stays', { v: '1' }, ns), annotated(configMap('guarded', { v: '1' }, ns), { [PRUNE_ANNOTATION]: 'false' })]);
    await ctx.hub.putDesired(ctx.cluster, ANNOTATED, d3, { revision: 'a3', generation: 3n });
    await waitBundleReport(ctx, ANNOTATED, 'a3 applied', (x) => x.generation === 3n);
    await ctx.hub.putTombstone(ctx.cluster, ANNOTATED, { generation: 4n });
    const del = await waitBundleReport(ctx, ANNOTATED, 'delete report', (x) => x.trigger === 'delete');
    assert.deepEqual(del.orphaned.map((o) => o.name).sort(), ['guarded', 'kept']);
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'guarded', ns), 'guarded stays');
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'stays', ns), null, 'the rest is pruned');
  });
});
