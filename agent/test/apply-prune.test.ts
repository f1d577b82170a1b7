/**
 * Apply and prune on a real kube-apiserver: create, reconfigure, prune a removed object, prune
 * after an agent restart (from the stored inventory), and prune everything on a tombstone (the
 * inventory then stays as a withdrawn record).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState, type StatusReport } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import { closeSuite, configMap, goneOrDeleting, kubeGet, namespace, openSuite, startAgent, type SuiteContext } from './testbed.js';

const actions = (r: StatusReport) =>
  Object.fromEntries(r.resources.map((x) => [`${x.kind}/${x.name}`, ResourceAction[x.action]]));

describe('apply and prune', () => {
  let ctx: SuiteContext;
  let ns: string;
  const bundle = 'apply-prune';

  before(async () => {
    ctx = await openSuite('ap');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(bundle);
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('creates every object, labelled, and reports SYNCED', async () => {
    const digest = await ctx.hub.putBundle(bundle, 'rev1', [configMap('a', { v: '1' }, ns), configMap('b', { v: '1' }, ns), namespace(ns)]);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: 'rev1', generation: 1n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 1', (r) => r.generation === 1n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual(actions(report), { [`Namespace/${ns}`]: 'CREATED', 'ConfigMap/a': 'CREATED', 'ConfigMap/b': 'CREATED' });
    assert.deepEqual(report.resources.map((r) => r.kind), ['Namespace', 'ConfigMap', 'ConfigMap'], 'namespaces are applied first');
    assert.equal(report.digest, digest);
    assert.equal(report.revision, 'rev1');
    assert.ok(report.timings && report.timings.totalMs > 0);
    const a = await kubeGet(ctx.tb, 'configmap', 'a', ns);
    assert.deepEqual(a?.data, { v: '1' });
    assert.equal(a?.metadata.labels['app.kubernetes.io/managed-by'], 'gitfleet');
    assert.equal(a?.metadata.labels['gitfleet.io/bundle-id'], bundle);
    const inv = await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${bundle}`, ctx.agentNamespace);
    assert.equal(inv?.metadata.labels['gitfleet.io/inventory'], 'true');
    assert.equal(JSON.parse(inv?.data['inventory.json']).objects.length, 3);
  });

  it('reconfigures a changed object, keeps an unchanged one and prunes a removed one', async () => {
    const before = await kubeGet(ctx.tb, 'namespace', ns);
    const digest = await ctx.hub.putBundle(bundle, 'rev2', [namespace(ns), configMap('a', { v: '2' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: 'rev2', generation: 2n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 2', (r) => r.generation === 2n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual(actions(report), { [`Namespace/${ns}`]: 'UNCHANGED', 'ConfigMap/a': 'CONFIGURED', 'ConfigMap/b': 'PRUNED' });
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data, { v: '2' });
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'b', ns), null);
    const afterNs = await kubeGet(ctx.tb, 'namespace', ns);
    assert.equal(afterNs?.metadata.resourceVersion, before?.metadata.resourceVersion, 'an unchanged object is not rewritten');
  });

  it('prunes from the stored inventory after an agent restart', async () => {
    assert.equal(await ctx.agent?.stop(), 0, 'SIGTERM ends the agent cleanly');
    const digest = await ctx.hub.putBundle(bundle, 'rev3', [namespace(ns), configMap('c', { v: '3' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: 'rev3', generation: 3n });
    startAgent(ctx);
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 3', (r) => r.generation === 3n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual(actions(report), { [`Namespace/${ns}`]: 'UNCHANGED', 'ConfigMap/c': 'CREATED', 'ConfigMap/a': 'PRUNED' });
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'a', ns), null);
  });

  it('does not re-apply a fully applied desired state replayed after a restart', async () => {
    await ctx.agent?.stop();
    const before = (await ctx.hub.reports(ctx.cluster)).length;
    const agent = startAgent(ctx);
    await waitFor('the replay to be skipped', async () => agent.logs(/already applied; skipping replay/).length > 0);
    assert.equal((await ctx.hub.reports(ctx.cluster)).length, before, 'no reconcile, no report');
  });

  it('coalesces rapid updates: the latest desired state wins', async () => {
    for (let g = 4; g <= 8; g++) {
      const digest = await ctx.hub.putBundle(bundle, `rev${g}`, [namespace(ns), configMap('c', { v: String(g) }, ns)]);
      await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: `rev${g}`, generation: BigInt(g) });
    }
    const last = await ctx.hub.waitReport(ctx.cluster, 'report of generation 8', (r) => r.generation === 8n);
    assert.equal(last.state, SyncState.SYNCED, JSON.stringify(last.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'c', ns))?.data, { v: '8' });
    const gens = (await ctx.hub.reports(ctx.cluster)).map((r) => Number(r.generation)).filter((g) => g >= 4);
    assert.ok(gens.length <= 5, `at most one reconcile per update, got ${gens}`);
    assert.deepEqual(gens, [...gens].sort((a, b) => a - b), 'reconciled in order');
  });

  it('prunes everything on a tombstone and keeps the inventory as a withdrawn record', async () => {
    await ctx.hub.putTombstone(ctx.cluster, bundle, { generation: 9n, withdrawalReason: 'directory apply-prune left Git at rev9' });
    const report = await ctx.hub.waitReport(ctx.cluster, 'DELETED report', (r) => r.state === SyncState.DELETED);
    assert.deepEqual(actions(report), { 'ConfigMap/c': 'PRUNED', [`Namespace/${ns}`]: 'PRUNED' });
    assert.equal(report.generation, 9n);
    assert.equal(report.healthMessage, 'withdrawn: directory apply-prune left Git at rev9');
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'c', ns), null);
    assert.ok(goneOrDeleting(await kubeGet(ctx.tb, 'namespace', ns)), 'namespace deleted');
    const inv = JSON.parse((await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${bundle}`, ctx.agentNamespace))?.data['inventory.json']);
    assert.deepEqual([inv.withdrawn, inv.generation, inv.objects], [true, '9', []]);
  });
});
