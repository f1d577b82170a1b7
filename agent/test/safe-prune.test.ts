/**
 * Prune only what is provably ours (issue #9) on the real kube-apiserver:
 *   - ownership: an object of the bundle deleted by hand and re-created by someone else (without
 *     the agent's marks, or with them but a new uid) is not pruned when it leaves the bundle, and
 *     is reported orphaned; an inventory entry without a recorded uid (older documents) neither;
 *   - an API version that is no longer served does not mean the object is gone: it stays in the
 *     inventory, the failure is reported, the object stays;
 *   - crash safety: an agent SIGKILLed in the middle of applying a large bundle, restarted,
 *     converges with an inventory that matches the cluster exactly; killed again mid-apply and
 *     then withdrawn by a tombstone, it leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import { closeSuite, configMap, kubectl, kubeGet, openSuite, startAgent, type SuiteContext, type TestObject, waitBundleReport } from './testbed.js';

describe('safe prune', () => {
  let ctx: SuiteContext;
  let ns: string;
  let group: string;
  const inventory = async (bundle: string) => JSON.parse((await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${bundle}`, ctx.agentNamespace))?.data['inventory.json']);
  const marks = (bundle: string) => [`app.kubernetes.io/managed-by=gitfleet`, `gitfleet.io/bundle-id=${bundle}`];

  before(async () => {
    ctx = await openSuite('sp');
    ns = `${ctx.id}-app`;
    group = `${ctx.id}.gitfleet.test`;
    ctx.namespaces.add(ns);
    await kubectl(ctx.tb, 'create', 'namespace', ns);
    startAgent(ctx, { args: ['--resync-interval', '2'] });
  });
  after(async () => {
    await kubectl(ctx.tb, 'delete', 'crd', `gadgets.${group}`, '--ignore-not-found', '--wait=false');
    await closeSuite(ctx);
  });

  it('leaves a re-created object (no marks, or another uid) and an entry without a uid alone, reported orphaned', async () => {
    const B = 'owners';
    ctx.bundles.add(B);
    const d1 = await ctx.hub.putBundle(B, 'o1', [configMap('stays', { v: '1' }, ns), configMap('foreign', { v: '1' }, ns), configMap('relabelled', { v: '1' }, ns), configMap('legacy', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, B, d1, { revision: 'o1', generation: 1n, selfHeal: false });
    const r1 = await waitBundleReport(ctx, B, 'o1 applied', (x) => x.generation === 1n);
    assert.equal(r1.state, SyncState.SYNCED, JSON.stringify(r1.errors));
    const inv1 = await inventory(B);
    for (const o of inv1.objects) {
      assert.equal(o.uid, (await kubeGet(ctx.tb, 'configmap', o.name, ns))?.metadata.uid, `${o.name}: the inventory records the live uid`);
    }

    // someone deletes two objects by hand and re-creates them: one without the marks, one with
    // them (a new uid either way); and an older agent's inventory entry has no uid
    for (const name of ['foreign', 'relabelled']) await kubectl(ctx.tb, 'delete', 'configmap', name, '-n', ns);
    await kubectl(ctx.tb, 'create', 'configmap', 'foreign', '-n', ns, '--from-literal=owner=someone-else');
    await kubectl(ctx.tb, 'create', 'configmap', 'relabelled', '-n', ns, '--from-literal=owner=someone-else');
    await kubectl(ctx.tb, 'label', 'configmap', 'relabelled', '-n', ns, ...marks(B));
    const legacyEntries = inv1.objects.map((o: { name: string; uid?: string }) => (o.name === 'legacy' ? { ...o, uid: undefined } : o));
    await kubectl(ctx.tb, 'patch', 'configmap', `gitfleet-inventory-${B}`, '-n', ctx.agentNamespace, '--type=merge', '-p', JSON.stringify({ data: { 'inventory.json': JSON.stringify({ ...inv1, objects: legacyEntries }) } }));
    const uids = Object.fromEntries(await Promise.all(['foreign', 'relabelled', 'legacy'].map(async (n) => [n, (await kubeGet(ctx.tb, 'configmap', n, ns))?.metadata.uid])));

    // a commit drops them from the bundle: none is deleted, all are reported orphaned
    const d2 = await ctx.hub.putBundle(B, 'o2', [configMap('stays', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, B, d2, { revision: 'o2', generation: 2n, selfHeal: false });
    const r2 = await waitBundleReport(ctx, B, 'o2 applied', (x) => x.generation === 2n && x.trigger !== 'drift');
    assert.equal(r2.state, SyncState.SYNCED, JSON.stringify(r2.errors));
    assert.deepEqual(r2.resources.filter((x) => x.action === ResourceAction.PRUNED).map((x) => x.name), [], 'nothing pruned');
    assert.deepEqual(r2.orphaned.map((o) => o.name).sort(), ['foreign', 'legacy', 'relabelled']);
    for (const [name, uid] of Object.entries(uids)) {
      assert.equal((await kubeGet(ctx.tb, 'configmap', name, ns))?.metadata.uid, uid, `${name} is still there, the same object`);
    }
    assert.deepEqual((await inventory(B)).objects.map((o: { name: string }) => o.name), ['stays'], 'they left the owned list');
  });

  it('keeps an object whose API version is no longer served in the inventory and reports it', async () => {
    const B = 'gadgets';
    ctx.bundles.add(B);
    const crd = (v2Served: boolean): TestObject => ({
      obj: {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gadgets.${group}` },
        spec: {
          group, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
          versions: ['v1', 'v2'].map((name) => ({
            name, served: name === 'v1' || v2Served, storage: name === 'v1',
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
          })),
        },
      },
    });
    const gadget: TestObject = { obj: { apiVersion: `${group}/v2`, kind: 'Gadget', metadata: { name: 'g1', namespace: ns }, spec: { size: 1 } } };
    const d1 = await ctx.hub.putBundle(B, 'c1', [crd(true), gadget]);
    // selfHeal off: the hand edit of the CRD below must not be healed back
    await ctx.hub.putDesired(ctx.cluster, B, d1, { revision: 'c1', generation: 1n, selfHeal: false });
    const r1 = await waitBundleReport(ctx, B, 'c1 applied', (x) => x.generation === 1n, { timeoutMs: 60_000 });
    assert.equal(r1.state, SyncState.SYNCED, JSON.stringify(r1.resources.map((x) => x.message)));
    const uid = (await kubeGet(ctx.tb, `gadgets.v1.${group}`, 'g1', ns))?.metadata.uid;
    assert.ok(uid);

    // v2 stops being served; then a commit drops the Gadget (and keeps v2 unserved)
    await kubectl(ctx.tb, 'patch', 'crd', `gadgets.${group}`, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/versions/1/served', value: false }]));
    await waitFor('v2 no longer served', async () => {
      try {
        await kubectl(ctx.tb, 'get', '--raw', `/apis/${group}/v2`);
      } catch {
        return true;
      }
      const served = (await kubeGet(ctx.tb, 'crd', `gadgets.${group}`))?.spec.versions.map((v: { name: string; served: boolean }) => `${v.name}=${v.served}`);
      throw new Error(`/apis/${group}/v2 still answers; CRD versions served: ${served}`);
    }, 60_000);
    const d2 = await ctx.hub.putBundle(B, 'c2', [crd(false)]);
    await ctx.hub.putDesired(ctx.cluster, B, d2, { revision: 'c2', generation: 2n, selfHeal: false });
    const r2 = await waitBundleReport(ctx, B, 'c2 reconciled', (x) => x.generation === 2n, { timeoutMs: 60_000 });
    const g = r2.resources.find((x) => x.kind === 'Gadget');
    assert.equal(g?.action, ResourceAction.FAILED, 'not reported pruned');
    assert.match(g?.message ?? '', /not served by the apiserver; kept in the inventory, not taken for gone/);
    assert.equal((await kubeGet(ctx.tb, `gadgets.v1.${group}`, 'g1', ns))?.metadata.uid, uid, 'the object is still there');
    assert.ok((await inventory(B)).objects.some((o: { kind: string; uid?: string }) => o.kind === 'Gadget' && o.uid === uid), 'still in the inventory, with its uid');
  });

  it('selfHeal=false: drift found after an observed resync is reported and the agent keeps running', async () => {
    // regression: the observed resync left the keeper with a SKIPPED outcome, and the next
    // debounced drift report threw in a timer and ended the agent
    const B = 'observed';
    ctx.bundles.add(B);
    const d = await ctx.hub.putBundle(B, 'v1', [configMap('watched', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, B, d, { revision: 'v1', generation: 1n, selfHeal: false });
    await waitBundleReport(ctx, B, 'v1 applied', (x) => x.generation === 1n && x.state === SyncState.SYNCED);
    const agent = ctx.agent!;
    await waitFor('an observed resync', async () => agent.logs(/^reconciled$/).some((l) => l.bundleId === B && l.mode === 'observe' && l.trigger === 'resync'), 15_000);
    const since = Date.now();
    await kubectl(ctx.tb, 'patch', 'configmap', 'watched', '-n', ns, '--type=merge', '-p', '{"data":{"v":"edited"}}');
    const r = await waitBundleReport(ctx, B, 'the drift report', (x) => x.drift.some((f) => f.object?.name === 'watched'), { sinceMs: since - 1000 });
    assert.equal(r.state, SyncState.SYNCED);
    await sleep(2500); // past the next resync
    assert.equal(agent.child.exitCode, null, 'the agent still runs');
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'watched', ns))?.data?.v, 'edited', 'not healed (selfHeal=false)');
  });

  describe('crash safety', () => {
    const N = 300;
    const objects = (bundle: string) => Array.from({ length: N }, (_, i) => configMap(`${bundle}-${String(i).padStart(3, '0')}`, { i: String(i) }, ns));
    const labelled = async (bundle: string) =>
      (await kubectl(ctx.tb, 'get', 'configmaps', '-n', ns, '-l', `gitfleet.io/bundle-id=${bundle}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.uid}{"\\n"}{end}'))
        .split('\n').filter(Boolean).map((l) => l.split('=') as [string, string]);

    /** Starts a slow agent (one object at a time), publishes the bundle and SIGKILLs it mid-apply. */
    async function killMidApply(bundle: string): Promise<number> {
      await ctx.agent?.stop();
      const agent = startAgent(ctx, { args: ['--apply-concurrency', '1', '--resync-interval', '2'] });
      const digest = await ctx.hub.putBundle(bundle, 'k1', objects(bundle));
      await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: 'k1', generation: 1n });
      const seen = await waitFor('the apply to be under way', async () => {
        const n = (await labelled(bundle)).length;
        return n >= 10 && n < N ? n : undefined;
      }, 60_000);
      agent.child.kill('SIGKILL');
      await agent.stop();
      const after = (await labelled(bundle)).length;
      assert.ok(after > 0 && after < N, `killed mid-apply (${seen} seen, ${after} applied of ${N})`);
      const inv = await inventory(bundle);
      assert.ok((inv.pending ?? []).length >= after, 'what was about to be applied was recorded first');
      return after;
    }

    it('converges after a SIGKILL mid-apply: the inventory matches the cluster exactly', async () => {
      const B = 'crash';
      ctx.bundles.add(B);
      await killMidApply(B);
      startAgent(ctx, { args: ['--resync-interval', '2'] });
      const r = await waitBundleReport(ctx, B, 'converged', (x) => x.generation === 1n && x.state === SyncState.SYNCED, { timeoutMs: 120_000 });
      assert.equal(r.resources.filter((x) => x.action === ResourceAction.FAILED).length, 0);
      const live = await labelled(B);
      const inv = await inventory(B);
      assert.equal(live.length, N, 'every object applied once');
      assert.deepEqual(inv.objects.map((o: { name: string; uid: string }) => `${o.name}=${o.uid}`).sort(), live.map(([n, u]) => `${n}=${u}`).sort(), 'inventory = cluster (names and uids)');
      assert.equal(inv.pending, undefined, 'pending cleared');
    });

    it('prunes everything a killed apply created when the target is then withdrawn', async () => {
      const B = 'crash2';
      ctx.bundles.add(B);
      await killMidApply(B);
      await ctx.hub.putTombstone(ctx.cluster, B, { generation: 2n });
      startAgent(ctx, { args: ['--resync-interval', '2'] });
      const r = await waitBundleReport(ctx, B, 'withdrawn', (x) => x.state === SyncState.DELETED, { timeoutMs: 120_000 });
      assert.ok(r.resources.every((x) => x.action === ResourceAction.PRUNED));
      await sleep(500);
      assert.deepEqual(await labelled(B), [], 'nothing leaked');
      const inv = await inventory(B);
      assert.deepEqual([inv.withdrawn, inv.objects, inv.pending], [true, [], undefined]);
    });
  });
});
