/** CRDs and their custom resources in one bundle: CRD first, wait Established, then the CR. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState } from '@gitfleet/proto';
import { closeSuite, goneOrDeleting, kubeGet, kubectl, namespace, openSuite, startAgent, type SuiteContext } from './testbed.js';

describe('custom resource definitions', () => {
  let ctx: SuiteContext;
  let group: string;
  before(async () => {
    ctx = await openSuite('crd');
    group = `${ctx.id}.gitfleet.test`;
    startAgent(ctx);
  });
  after(async () => {
    await kubectl(ctx.tb, 'delete', 'crd', `widgets.${group}`, '--ignore-not-found', '--wait=false');
    await closeSuite(ctx);
  });

  it('applies a CR after its CRD (listed after it in the bundle) is established', async () => {
    const ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add('widgets');
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } };
    const digest = await ctx.hub.putBundle('widgets', 'rev1', [{ obj: widget }, { obj: crd }, namespace(ns)]);
    await ctx.hub.putDesired(ctx.cluster, 'widgets', digest);
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of widgets', (r) => r.bundleId === 'widgets', 60_000);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.resources.map((r) => r.message)));
    assert.deepEqual(report.resources.map((r) => [r.kind, ResourceAction[r.action]]), [['Namespace', 'CREATED'], ['CustomResourceDefinition', 'CREATED'], ['Widget', 'CREATED']]);
    const w = await kubeGet(ctx.tb, `widgets.${group}`, 'w1', ns);
    assert.equal(w?.spec.size, 3);
  });

  it('a kind whose CRD is not installed is reported with its group, version and kind', async () => {
    const ns = `${ctx.id}-nocrd`;
    ctx.namespaces.add(ns);
    ctx.bundles.add('gadgets');
    const gadget = { apiVersion: `gadgets.${group}/v1`, kind: 'Gadget', metadata: { name: 'g1', namespace: ns }, spec: {} };
    const digest = await ctx.hub.putBundle('gadgets', 'rev1', [namespace(ns), { obj: gadget }]);
    await ctx.hub.putDesired(ctx.cluster, 'gadgets', digest);
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of gadgets naming the missing kind', (r) => r.bundleId === 'gadgets' && r.resources.some((x) => x.kind === 'Gadget' && x.message !== ''), 60_000);
    const g = report.resources.find((x) => x.kind === 'Gadget')!;
    assert.match(g.message, new RegExp(`^kind Gadget of group gadgets\\.${group.replaceAll('.', '\\.')}, version v1 is not served by the apiserver: its CustomResourceDefinition is not installed`), g.message);
    await ctx.hub.putTombstone(ctx.cluster, 'gadgets', { generation: 2n });
  });

  it('prunes the CR before its CRD', async () => {
    await ctx.hub.putTombstone(ctx.cluster, 'widgets', { generation: 2n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'DELETED report of widgets', (r) => r.bundleId === 'widgets' && r.state === SyncState.DELETED);
    assert.deepEqual(report.resources.map((r) => [r.kind, ResourceAction[r.action]]), [['Widget', 'PRUNED'], ['CustomResourceDefinition', 'PRUNED'], ['Namespace', 'PRUNED']]);
    assert.ok(goneOrDeleting(await kubeGet(ctx.tb, 'crd', `widgets.${group}`)));
  });
});
