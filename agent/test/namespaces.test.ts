/**
 * Fleet's `defaultNamespace` and `namespaceLabels` / `namespaceAnnotations` on a real
 * kube-apiserver (issue #11): a default namespace that does not exist is created (before, every
 * object failed with `namespaces "…" not found`); the labels and annotations land on it by
 * server-side apply with the bundle's own field manager, so a key the bundle drops is removed,
 * a key another writer (kubectl) set is kept, and two bundles sharing the namespace keep each
 * other's keys; a Helm chart that renders its own namespace still applies it; a withdrawal never
 * deletes the namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SyncState } from '@gitfleet/proto';
import { closeSuite, configMap, goneOrDeleting, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

describe('bundle namespace: defaultNamespace created, namespaceLabels/Annotations applied', () => {
  let ctx: SuiteContext;
  let ns: string;
  const A = 'ns-meta-a';
  const B = 'ns-meta-b';

  before(async () => {
    ctx = await openSuite('nsmeta', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke1');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(A);
    ctx.bundles.add(B);
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  const synced = async (bundle: string, generation: bigint) => {
    const r = await waitBundleReport(ctx, bundle, `${bundle} report of generation ${generation}`, (x) => x.generation === generation && x.trigger === 'update');
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify([r.errors, r.resources.filter((x) => x.message)]));
    return r;
  };
  const live = async () => {
    const o = await kubeGet(ctx.tb, 'namespace', ns);
    assert.ok(o, `namespace ${ns} exists`);
    return { labels: (o.metadata.labels ?? {}) as Record<string, string>, annotations: (o.metadata.annotations ?? {}) as Record<string, string>, obj: o };
  };

  it('a missing default namespace is created with the labels and annotations; objects land in it', async () => {
    assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'the namespace does not exist beforehand');
    const digest = await ctx.hub.putBundle(A, 'rev1', [configMap('settings', { v: '1' })]);
    await ctx.hub.putDesired(ctx.cluster, A, digest, {
      generation: 1n, defaultNamespace: ns,
      namespaceLabels: { team: 'payments', 'pod-security.kubernetes.io/enforce': 'baseline' },
      namespaceAnnotations: { 'example.com/owner': 'payments team <pay@example.com>' },
    });
    await synced(A, 1n);
    const { labels, annotations } = await live();
    assert.equal(labels['app.kubernetes.io/managed-by'], 'gitfleet', 'created by the agent');
    assert.equal(labels.team, 'payments');
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'baseline');
    assert.equal(annotations['example.com/owner'], 'payments team <pay@example.com>');
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'settings', ns))?.data, { v: '1' });
  });

  it('a dropped key is removed, a changed one updated; keys of kubectl and of another bundle are kept', async () => {
    await kubectl(ctx.tb, 'label', 'namespace', ns, 'by-hand=yes');
    // bundle B shares the namespace and sets its own key
    const digestB = await ctx.hub.putBundle(B, 'rev1', [configMap('other', { v: '1' })]);
    await ctx.hub.putDesired(ctx.cluster, B, digestB, { generation: 1n, defaultNamespace: ns, namespaceLabels: { 'b-owned': 'yes' } });
    await synced(B, 1n);
    assert.equal((await live()).labels['b-owned'], 'yes');

    const digestA = await ctx.hub.putBundle(A, 'rev2', [configMap('settings', { v: '2' })]);
    await ctx.hub.putDesired(ctx.cluster, A, digestA, {
      revision: 'rev2', generation: 2n, defaultNamespace: ns,
      namespaceLabels: { team: 'billing' },
      namespaceAnnotations: { 'example.com/cost-center': '42' },
    });
    await synced(A, 2n);
    const { labels, annotations } = await live();
    assert.equal(labels.team, 'billing', 'changed');
    assert.equal(labels['pod-security.kubernetes.io/enforce'], undefined, 'dropped from the bundle: removed');
    assert.equal(annotations['example.com/owner'], undefined, 'dropped annotation removed');
    assert.equal(annotations['example.com/cost-center'], '42');
    assert.equal(labels['by-hand'], 'yes', 'kubectl\'s label kept');
    assert.equal(labels['b-owned'], 'yes', 'bundle B\'s label kept');
    assert.equal(labels['app.kubernetes.io/managed-by'], 'gitfleet', 'the creation label kept');
    const withFields = JSON.parse(await kubectl(ctx.tb, 'get', 'namespace', ns, '-o', 'json', '--show-managed-fields'));
    const managers = (withFields.metadata.managedFields ?? []).map((m: { manager?: string }) => m.manager);
    assert.ok(managers.includes(`gitfleet-namespace-${A}`) && managers.includes(`gitfleet-namespace-${B}`), `one field manager per bundle: ${managers.join(', ')}`);
  });

  it('a Helm bundle (take_ownership false) whose chart renders its own default namespace applies it', async () => {
    const H = 'ns-meta-helm';
    const own = `${ctx.id}-chart`;
    ctx.namespaces.add(own);
    ctx.bundles.add(H);
    const digest = await ctx.hub.putBundle(H, 'rev1', [namespace(own), configMap('chart-cm', { v: '1' })]);
    await ctx.hub.putDesired(ctx.cluster, H, digest, { generation: 1n, defaultNamespace: own, takeOwnership: false });
    await synced(H, 1n);
    const live = await kubeGet(ctx.tb, 'namespace', own);
    assert.equal(live?.metadata.labels?.['gitfleet.io/bundle-id'], H);
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'chart-cm', own));
  });

  it('withdrawing both bundles never deletes the namespace', async () => {
    await ctx.hub.putTombstone(ctx.cluster, A, { generation: 3n, defaultNamespace: ns });
    await ctx.hub.putTombstone(ctx.cluster, B, { generation: 2n, defaultNamespace: ns });
    await waitBundleReport(ctx, A, 'A withdrawn', (x) => x.generation === 3n);
    await waitBundleReport(ctx, B, 'B withdrawn', (x) => x.generation === 2n);
    assert.ok(goneOrDeleting(await kubeGet(ctx.tb, 'configmap', 'settings', ns)), 'the bundle object was pruned');
    const { obj } = await live();
    assert.equal(obj.metadata.deletionTimestamp, undefined, 'the namespace is not being deleted');
  });
});
