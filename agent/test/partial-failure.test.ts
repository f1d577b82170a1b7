/**
 * Per-object failures: an object the apiserver rejects is FAILED with the apiserver's message
 * while the others apply; an owned object whose new version fails is kept (not pruned); Fleet's
 * target namespace moves namespaced objects and fails cluster-scoped ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState } from '@gitfleet/proto';
import { closeSuite, configMap, kubeGet, namespace, openSuite, startAgent, type SuiteContext } from './testbed.js';

describe('partial failures', () => {
  let ctx: SuiteContext;
  before(async () => {
    ctx = await openSuite('pf');
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('reports a rejected object FAILED with the apiserver message and applies the others', async () => {
    const ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add('rejected');
    const digest = await ctx.hub.putBundle('rejected', 'rev1', [
      namespace(ns),
      configMap('good', { v: '1' }, ns),
      configMap('Bad_Name', { v: '1' }, ns),
      configMap('keep', { v: '1' }, ns),
    ]);
    await ctx.hub.putDesired(ctx.cluster, 'rejected', digest, { generation: 1n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of rejected', (r) => r.bundleId === 'rejected' && r.generation === 1n);
    assert.equal(report.state, SyncState.FAILED);
    const bad = report.resources.find((r) => r.name === 'Bad_Name');
    assert.equal(bad?.action, ResourceAction.FAILED);
    assert.match(bad?.message ?? '', /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value/);
    assert.equal(report.resources.filter((r) => r.action === ResourceAction.CREATED).length, 3);
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'good', ns));
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'keep', ns));
  });

  it('keeps an owned object whose new version is rejected', async () => {
    const ns = `${ctx.id}-app`;
    const digest = await ctx.hub.putBundle('rejected', 'rev2', [
      namespace(ns),
      configMap('good', { v: '2' }, ns),
      configMap('keep', { 'not a valid key!': 'x' }, ns),
    ]);
    await ctx.hub.putDesired(ctx.cluster, 'rejected', digest, { revision: 'rev2', generation: 2n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 2', (r) => r.bundleId === 'rejected' && r.generation === 2n);
    assert.equal(report.state, SyncState.FAILED);
    const keep = report.resources.find((r) => r.name === 'keep');
    assert.equal(keep?.action, ResourceAction.FAILED);
    assert.match(keep?.message ?? '', /is invalid/);
    assert.equal(report.resources.some((r) => r.name === 'keep' && r.action === ResourceAction.PRUNED), false);
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'keep', ns))?.data, { v: '1' }, 'old version still there');
    const inv = JSON.parse((await kubeGet(ctx.tb, 'configmap', 'gitfleet-inventory-rejected', ctx.agentNamespace))?.data['inventory.json']);
    assert.ok(inv.objects.some((o: { name: string }) => o.name === 'keep'), 'still in the inventory');
    assert.equal(inv.synced, false);
  });

  it('puts namespaced objects in the target namespace (created) and fails cluster-scoped ones', async () => {
    const target = `${ctx.id}-target`;
    ctx.namespaces.add(target);
    ctx.bundles.add('targeted');
    const digest = await ctx.hub.putBundle('targeted', 'rev1', [
      configMap('one', { v: '1' }, 'elsewhere'),
      configMap('two', { v: '1' }),
      { obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${ctx.id}-role` }, rules: [] } },
    ]);
    await ctx.hub.putDesired(ctx.cluster, 'targeted', digest, { targetNamespace: target, defaultNamespace: 'ignored' });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of targeted', (r) => r.bundleId === 'targeted');
    assert.equal(report.state, SyncState.FAILED);
    const role = report.resources.find((r) => r.kind === 'ClusterRole');
    assert.equal(role?.action, ResourceAction.FAILED);
    assert.equal(role?.message, `cluster-scoped ClusterRole ${ctx.id}-role in a bundle with namespace ${target}`);
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'one', target));
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'two', target));
    assert.equal(await kubeGet(ctx.tb, 'clusterrole', `${ctx.id}-role`), null);
  });

  it('puts objects without a namespace in default_namespace', async () => {
    const dflt = `${ctx.id}-dflt`;
    ctx.namespaces.add(dflt);
    ctx.bundles.add('defaulted');
    const digest = await ctx.hub.putBundle('defaulted', 'rev1', [namespace(dflt), configMap('three', { v: '1' })]);
    await ctx.hub.putDesired(ctx.cluster, 'defaulted', digest, { defaultNamespace: dflt });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of defaulted', (r) => r.bundleId === 'defaulted');
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.resources));
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'three', dflt));
  });
});
