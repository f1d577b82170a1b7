/**
 * Diff on demand: the agent answers DiffRequests (NATS request/reply on diffSubject) with what
 * applying the target's current desired state would change, from server-side dry runs on a real
 * kube-apiserver, without changing anything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CONTRACT_VERSION, create, type DiffResponse, type ObjectDrift, DiffRequestSchema, DiffResponseSchema, diffSubject, fromBinary, SyncStatus, toBinary,
} from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import { closeSuite, configMap, kubectl, kubeGet, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

describe('diff request', () => {
  let ctx: SuiteContext;
  let ns: string;
  const BUNDLE = 'diffed';

  const ask = async (bundleId: string, cluster = ctx.cluster): Promise<DiffResponse> => {
    const req = toBinary(DiffRequestSchema, create(DiffRequestSchema, { contractVersion: CONTRACT_VERSION, cluster, bundleId }));
    const msg = await ctx.hub.nc.request(diffSubject(ctx.cluster), req, { timeout: 10_000 });
    return fromBinary(DiffResponseSchema, msg.data);
  };

  before(async () => {
    ctx = await openSuite('diff', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke2');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    await kubectl(ctx.tb, 'create', 'namespace', ns);
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('answers an unknown bundle with an error', async () => {
    const r = await waitFor('an answer', () => ask('nope'), 15_000);
    assert.deepEqual(r.errors, ['no desired state for bundle nope']);
    assert.equal(r.cluster, ctx.cluster);
    assert.equal(r.bundleId, 'nope');
  });

  it('refuses a request for another cluster', async () => {
    const r = await ask(BUNDLE, 'someone-else');
    assert.match(r.errors[0] ?? '', /not this agent's cluster/);
  });

  it('reports nothing for a synced target, then a live edit, a would-be create and a would-be prune', async () => {
    const d1 = await ctx.hub.putBundle(BUNDLE, 'rev1', [configMap('a', { k: 'v1' }, ns), configMap('b', { k: 'v1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, d1, { revision: 'rev1', generation: 1n, selfHeal: false });
    await waitBundleReport(ctx, BUNDLE, 'applied', (x) => x.generation === 1n && x.syncStatus === SyncStatus.SYNCED);
    const clean = await ask(BUNDLE);
    assert.deepEqual([clean.objects, clean.prune, clean.errors, clean.revision], [[], [], [], 'rev1']);

    await kubectl(ctx.tb, 'patch', 'configmap', 'a', '-n', ns, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"k":"edited"}}');
    const d2 = await ctx.hub.putBundle(BUNDLE, 'rev2', [configMap('a', { k: 'v1' }, ns), configMap('c', { k: 'new' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, d2, { revision: 'rev2', generation: 2n, automated: false });
    await waitBundleReport(ctx, BUNDLE, 'rev2 planned', (x) => x.generation === 2n);
    const r = await ask(BUNDLE);
    assert.equal(r.revision, 'rev2');
    assert.deepEqual(r.errors, []);
    const byName: Record<string, ObjectDrift> = Object.fromEntries(r.objects.map((o) => [o.object?.name ?? '', o]));
    assert.deepEqual(byName.a?.diffs.map((f) => [f.path, JSON.parse(f.desired), JSON.parse(f.live), f.manager]), [['/data/k', 'v1', 'edited', 'kubectl-edit']]);
    assert.equal(byName.c?.missing, true);
    assert.deepEqual(r.prune.map((p) => `${p.kind}/${p.name}`), ['ConfigMap/b']);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.k, 'edited', 'a diff changes nothing');
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'c', ns), null);
  });
});
