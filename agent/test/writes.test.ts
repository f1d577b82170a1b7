/**
 * What every write of the agent respects, on a real kube-apiserver (checked with kubectl):
 *   - ignore rules: a field a rule's manager took over (server-side apply, force) keeps the
 *     autoscaler's value through resyncs (period 1 s, watched for longer than 3 periods), a heal of
 *     another field and a manual sync; a pointer-only field that only the agent owns is never
 *     deleted by leaving it out, and once someone else writes it, it is theirs;
 *   - client-side-apply takeover: an object made by `kubectl apply` (client-side) with an extra
 *     key, adopted by a bundle without it: the key and the last-applied annotation are gone;
 *   - self-protection: a bundle object that is the agent's own ServiceAccount fails with a clear
 *     message (the rest applies), and is applied once --allow-self-management is set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import {
  closeSuite, configMap, deployment, type KubeJson, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport,
} from './testbed.js';

const RESYNC_S = 1;
const managersOf = (obj: KubeJson | null): Array<{ manager: string; operation: string; fieldsV1: unknown }> =>
  (obj?.metadata?.managedFields ?? []) as Array<{ manager: string; operation: string; fieldsV1: unknown }>;
const agentOwns = (obj: KubeJson | null, ...path: string[]): boolean => {
  const e = managersOf(obj).find((m) => m.manager === 'gitfleet-agent' && m.operation === 'Apply');
  let cur: unknown = e?.fieldsV1;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[`f:${p}`];
  return cur !== undefined;
};

/** The object with its managedFields (kubectl hides them unless asked). */
async function withManagers(ctx: SuiteContext, kind: string, name: string, namespace: string): Promise<KubeJson> {
  return JSON.parse(await kubectl(ctx.tb, 'get', kind, name, '-n', namespace, '--show-managed-fields', '-o', 'json')) as KubeJson;
}

describe('writes', () => {
  let ctx: SuiteContext;
  let ns: string;
  let dir: string;
  const BUNDLE = 'writes';
  const rules = [
    { kind: 'Deployment', jsonPointers: ['/spec/replicas'], managers: ['my-autoscaler'] },
    { kind: 'ConfigMap', name: 'settings', jsonPointers: ['/data/mode'] },
  ];
  // a real HorizontalPodAutoscaler (kube-controller-manager runs on every spoke): minReplicas 4 above
  // Git's 2 makes it scale without metrics
  const hpa = () => ({
    obj: {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'scaled', namespace: ns },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' }, minReplicas: 4, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
    },
  });
  const objects = () => [namespace(ns), deployment('web', ns, { replicas: 2 }), configMap('settings', { mode: 'fast', other: 'x' }, ns), deployment('scaled', ns, { replicas: 2 }), hpa()];
  const file = (name: string, obj: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(obj));
    return f;
  };
  const resyncsSince = (t: number) => ctx.agent!.logs(/^reconciled$/).filter((l) => l.trigger === 'resync' && l.mode === 'apply' && Number(l.time) > t).length;

  before(async () => {
    ctx = await openSuite('writes');
    ns = `${ctx.id}-app`;
    dir = mkdtempSync(join(tmpdir(), 'gf-writes-'));
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    startAgent(ctx, { args: ['--resync-interval', String(RESYNC_S)] });
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', objects());
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n, ignoreDifferences: rules });
    const r = await waitBundleReport(ctx, BUNDLE, 'first apply', (x) => x.trigger === 'update' && x.generation === 1n);
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.errors));
  });
  after(async () => {
    await closeSuite(ctx);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a new object from the full desired object (replicas 2)', async () => {
    const web = await kubeGet(ctx.tb, 'deployment', 'web', ns);
    assert.equal(web?.spec.replicas, 2);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'settings', ns))?.data.mode, 'fast');
  });

  it('a pointer-only field only the agent owns survives resyncs (left out, it would be deleted)', async () => {
    const t0 = Date.now();
    await waitFor('3 resyncs', async () => resyncsSince(t0) >= 3, 20_000);
    const cm = await kubeGet(ctx.tb, 'configmap', 'settings', ns);
    assert.deepEqual(cm?.data, { mode: 'fast', other: 'x' });
  });

  it('keeps replicas where a manager named in an ignore rule put them, through 3+ resyncs', async () => {
    await kubectl(ctx.tb, 'apply', '--server-side', '--force-conflicts', '--field-manager', 'my-autoscaler', '-f',
      file('scale.json', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 5 } }));
    const t0 = Date.now();
    await sleep((3 * RESYNC_S + 1.5) * 1000);
    await waitFor('3 resyncs after the scale', async () => resyncsSince(t0) >= 3, 20_000);
    const web = await withManagers(ctx, 'deployment', 'web', ns);
    assert.equal(web.spec.replicas, 5, 'the resyncs left the autoscaler\'s replicas alone');
    assert.ok(!agentOwns(web, 'spec', 'replicas'), 'the agent does not own spec.replicas');
    assert.ok(agentOwns(web, 'spec', 'template'), 'the agent still owns the rest');
  });

  it('keeps replicas where a real HorizontalPodAutoscaler put them, through 3+ resyncs', async (t) => {
    if (!ctx.tb.workloadSpokes.includes(ctx.tb.spoke)) return t.skip(`${ctx.tb.spoke} runs no kube-controller-manager (GITFLEET_WORKLOAD_SPOKES=${ctx.tb.workloadSpokes.join(',')})`);
    await waitFor('the HPA scaled to minReplicas 4', async () => (await kubeGet(ctx.tb, 'deployment', 'scaled', ns))?.spec.replicas === 4, 60_000);
    const t0 = Date.now();
    await sleep((3 * RESYNC_S + 1.5) * 1000);
    await waitFor('3 resyncs after the HPA scaled', async () => resyncsSince(t0) >= 3, 20_000);
    const scaled = await withManagers(ctx, 'deployment', 'scaled', ns);
    assert.equal(scaled.spec.replicas, 4);
    const writer = managersOf(scaled).find((m) => (m as { subresource?: string }).subresource === 'scale');
    assert.equal(writer?.manager, 'kube-controller-manager', 'the HPA writes through the scale subresource as kube-controller-manager (a default --ignore-managers)');
    assert.ok(!agentOwns(scaled, 'spec', 'replicas'));
  });

  it('a heal of another field leaves replicas alone', async () => {
    const t0 = Date.now();
    await kubectl(ctx.tb, 'set', 'image', 'deployment/web', '-n', ns, 'web=registry.invalid/web:drifted');
    await waitFor('image healed', async () => (await kubeGet(ctx.tb, 'deployment', 'web', ns))?.spec.template.spec.containers[0].image === 'registry.invalid/web:1', 10_000);
    // healed by the keeper's self-heal, or by a resync's re-apply when one held the target's lock
    // at that moment (resync every second here): both are writes that must leave replicas alone
    assert.ok(ctx.agent!.logs(/^drift healed$/).some((l) => Number(l.time) > t0) || resyncsSince(t0) > 0, 'healed by the agent');
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', ns))?.spec.replicas, 5);
  });

  it('a manual sync (sync_request) leaves replicas alone', async () => {
    const t0 = Date.now();
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', objects());
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n, ignoreDifferences: rules, syncRequest: 1n });
    const r = await waitBundleReport(ctx, BUNDLE, 'report of the sync request', (x) => x.syncRequest === 1n, { sinceMs: t0 });
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.errors));
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', ns))?.spec.replicas, 5);
  });

  it('a pointer-only field someone else wrote is theirs: not healed, not reset by resyncs', async () => {
    await kubectl(ctx.tb, 'patch', 'configmap', 'settings', '-n', ns, '--type', 'merge', '-p', '{"data":{"mode":"slow"}}');
    const t0 = Date.now();
    await sleep((3 * RESYNC_S + 1.5) * 1000);
    await waitFor('3 resyncs after the patch', async () => resyncsSince(t0) >= 3, 20_000);
    const cm = await withManagers(ctx, 'configmap', 'settings', ns);
    assert.deepEqual(cm.data, { mode: 'slow', other: 'x' });
    assert.ok(agentOwns(cm, 'data', 'other'), 'the agent still owns data.other');
    assert.ok(!agentOwns(cm, 'data', 'mode'), 'the agent let go of data.mode');
  });

  it('takes over an object made by client-side kubectl apply: a key Git no longer has is removed', async () => {
    const BUNDLE2 = 'csa';
    ctx.bundles.add(BUNDLE2);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'legacy', namespace: ns }, data: { a: '1', b: '2' } };
    await kubectl(ctx.tb, 'apply', '-f', file('legacy.json', cm));
    const before = await withManagers(ctx, 'configmap', 'legacy', ns);
    assert.ok(managersOf(before).some((m) => m.manager === 'kubectl-client-side-apply'), 'made client-side');
    assert.ok(before?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    const digest = await ctx.hub.putBundle(BUNDLE2, 'rev1', [configMap('legacy', { a: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE2, digest, { generation: 1n });
    const r = await waitBundleReport(ctx, BUNDLE2, 'adoption', (x) => x.generation === 1n);
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.errors));
    const live = await withManagers(ctx, 'configmap', 'legacy', ns);
    assert.deepEqual(live.data, { a: '1' }, 'key b removed by the agent\'s apply');
    assert.equal(live?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined, 'last-applied annotation removed');
    assert.ok(!managersOf(live).some((m) => m.manager === 'kubectl-client-side-apply'), 'no client-side manager left');
  });

  it('refuses a bundle object that is the agent\'s own ServiceAccount, applies the rest; allowed by the flag', async () => {
    const BUNDLE3 = 'self';
    ctx.bundles.add(BUNDLE3);
    const sa = { obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gitfleet-agent', namespace: ctx.agentNamespace } } };
    const digest = await ctx.hub.putBundle(BUNDLE3, 'rev1', [configMap('innocent', { k: 'v' }, ns), sa]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE3, digest, { generation: 1n });
    const r = await waitBundleReport(ctx, BUNDLE3, 'self-protection report', (x) => x.generation === 1n);
    assert.equal(r.state, SyncState.FAILED);
    const refused = r.resources.find((x) => x.kind === 'ServiceAccount');
    assert.equal(refused?.action, ResourceAction.FAILED);
    assert.match(refused?.message ?? '', /ServiceAccount .*\/gitfleet-agent is one of the gitfleet agent's own objects.*--allow-self-management/);
    assert.equal(await kubeGet(ctx.tb, 'serviceaccount', 'gitfleet-agent', ctx.agentNamespace), null, 'not created');
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'innocent', ns), 'the rest of the bundle applied');

    await ctx.agent!.stop();
    const t0 = Date.now();
    startAgent(ctx, { args: ['--resync-interval', String(RESYNC_S), '--allow-self-management'] });
    await waitBundleReport(ctx, BUNDLE3, 'applied with --allow-self-management', (x) => x.state === SyncState.SYNCED, { sinceMs: t0 });
    assert.ok(await kubeGet(ctx.tb, 'serviceaccount', 'gitfleet-agent', ctx.agentNamespace), 'created once allowed');
  });
});
