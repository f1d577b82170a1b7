/**
 * Drift on a real kube-apiserver: live edits made with kubectl are reported within a second
 * with path, desired and live values and the field manager that wrote them; with selfHeal they
 * are reverted (deleted objects re-created), without it they stay and the target is OUT_OF_SYNC.
 * Server defaults, status, foreign annotations and fields owned by an autoscaler are never drift.
 * Two targets of one agent: `heal` (selfHeal=true) and `report` (selfHeal=false).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HealthStatus, type ObjectDrift, type StatusReport, SyncStatus } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import {
  bundleReports, closeSuite, configMap, deployment, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport,
} from './testbed.js';

const driftOf = (r: StatusReport, name: string): ObjectDrift | undefined => r.drift.find((d) => d.object?.name === name);

describe('drift', () => {
  let ctx: SuiteContext;
  let healNs: string;
  let reportNs: string;
  const HEAL = 'drift-heal';
  const REPORT = 'drift-report';
  const latencies: number[] = [];

  before(async () => {
    ctx = await openSuite('drift', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke1');
    healNs = `${ctx.id}-heal`;
    reportNs = `${ctx.id}-report`;
    for (const ns of [healNs, reportNs]) ctx.namespaces.add(ns);
    ctx.bundles.add(HEAL).add(REPORT);
    startAgent(ctx);
    for (const [bundle, ns, selfHeal] of [[HEAL, healNs, true], [REPORT, reportNs, false]] as const) {
      const digest = await ctx.hub.putBundle(bundle, 'rev1', [namespace(ns), deployment('web', ns), configMap('settings', { mode: 'fast' }, ns)]);
      await ctx.hub.putDesired(ctx.cluster, bundle, digest, { selfHeal });
    }
    for (const bundle of [HEAL, REPORT]) {
      const r = await waitBundleReport(ctx, bundle, `first report of ${bundle}`, (x) => x.trigger === 'update');
      assert.equal(r.syncStatus, SyncStatus.SYNCED, JSON.stringify(r.errors));
    }
  });
  after(async () => {
    if (latencies.length > 0) process.stderr.write(`drift report latency (ms, kubectl return → report observedAt): ${latencies.join(', ')}\n`);
    await closeSuite(ctx);
  });

  it('server defaults, status and foreign metadata are never drift', async () => {
    const since = Date.now();
    await kubectl(ctx.tb, 'patch', 'deployment', 'web', '-n', reportNs, '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":7,"observedGeneration":1}}');
    await kubectl(ctx.tb, 'annotate', 'deployment', 'web', '-n', reportNs, 'example.com/note=hello');
    await kubectl(ctx.tb, 'label', 'configmap', 'settings', '-n', reportNs, 'team=blue');
    await sleep(1500);
    for (const r of await bundleReports(ctx, REPORT)) {
      assert.deepEqual(r.drift, [], `no drift in any report: ${JSON.stringify(r.drift)}`);
      assert.notEqual(r.syncStatus, SyncStatus.OUT_OF_SYNC);
    }
    const web = await kubeGet(ctx.tb, 'deployment', 'web', reportNs);
    assert.equal(web?.metadata.annotations['example.com/note'], 'hello', 'a foreign annotation is left alone');
    assert.ok(Date.now() - since >= 1500);
  });

  it('kubectl scale: reported within 1 s with path, values and manager; healed with selfHeal, left without', async () => {
    for (const ns of [healNs, reportNs]) await kubectl(ctx.tb, 'scale', 'deployment', 'web', '-n', ns, '--replicas=5');
    const edited = Date.now();
    const healed = await waitBundleReport(ctx, HEAL, 'healed drift report', (r) => driftOf(r, 'web')?.healed === true, { sinceMs: edited - 2000, timeoutMs: 10_000 });
    const reported = await waitBundleReport(ctx, REPORT, 'drift report', (r) => driftOf(r, 'web') !== undefined, { sinceMs: edited - 2000, timeoutMs: 10_000 });
    for (const r of [healed, reported]) {
      const diff = driftOf(r, 'web')?.diffs.find((d) => d.path === '/spec/replicas');
      assert.ok(diff, JSON.stringify(r.drift));
      assert.deepEqual([JSON.parse(diff.desired), JSON.parse(diff.live), diff.manager], [2, 5, 'kubectl']);
      assert.equal(r.trigger, 'drift');
      latencies.push(Date.parse(r.observedAt) - edited);
    }
    assert.ok(Date.parse(reported.observedAt) - edited < 1000, `reported ${Date.parse(reported.observedAt) - edited} ms after the edit`);
    assert.equal(reported.syncStatus, SyncStatus.OUT_OF_SYNC);
    assert.equal(driftOf(reported, 'web')?.healed, false);
    assert.equal(healed.syncStatus, SyncStatus.SYNCED, 'healed drift leaves the target in sync');
    await waitFor('replicas reverted to 2', async () => (await kubeGet(ctx.tb, 'deployment', 'web', healNs))?.spec.replicas === 2, 2000);
    await sleep(1500);
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', reportNs))?.spec.replicas, 5, 'without selfHeal the edit stays');
    const last = (await bundleReports(ctx, REPORT)).at(-1)!;
    assert.equal(last.syncStatus, SyncStatus.OUT_OF_SYNC, 'still out of sync');
  });

  it('kubectl set image is drift, named by container index and manager', async () => {
    const since = Date.now();
    await kubectl(ctx.tb, 'set', 'image', 'deployment/web', '-n', reportNs, 'web=registry.invalid/web:drifted');
    const edited = Date.now();
    const r = await waitBundleReport(ctx, REPORT, 'image drift', (x) => driftOf(x, 'web')?.diffs.some((d) => d.path === '/spec/template/spec/containers/0/image') === true, { sinceMs: since, timeoutMs: 10_000 });
    latencies.push(Date.parse(r.observedAt) - edited);
    const image = driftOf(r, 'web')!.diffs.find((d) => d.path === '/spec/template/spec/containers/0/image')!;
    assert.deepEqual([JSON.parse(image.desired), JSON.parse(image.live), image.manager], ['registry.invalid/web:1', 'registry.invalid/web:drifted', 'kubectl-set']);
    assert.ok(driftOf(r, 'web')!.diffs.some((d) => d.path === '/spec/replicas'), 'the earlier drift is still there');
    assert.ok(!driftOf(r, 'web')!.diffs.some((d) => d.path.includes('resources')), 'normalised quantities ("0.5" = "500m") are not drift');
  });

  it('a field written by horizontal-pod-autoscaler is not drift', async () => {
    const since = Date.now();
    await kubectl(ctx.tb, 'patch', 'deployment', 'web', '-n', healNs, '--type=merge', '--field-manager=horizontal-pod-autoscaler', '-p', '{"spec":{"replicas":4}}');
    await sleep(1500);
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', healNs))?.spec.replicas, 4, 'the autoscaler\'s value stays');
    const after = (await bundleReports(ctx, HEAL)).filter((r) => Date.parse(r.observedAt) >= since);
    assert.ok(after.every((r) => r.drift.length === 0), `no drift reported: ${JSON.stringify(after.map((r) => r.drift))}`);
  });

  it('kubectl edit of a ConfigMap is drift, healed', async () => {
    const since = Date.now();
    await kubectl(ctx.tb, 'patch', 'configmap', 'settings', '-n', healNs, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"mode":"slow"}}');
    const r = await waitBundleReport(ctx, HEAL, 'configmap drift healed', (x) => driftOf(x, 'settings')?.healed === true, { sinceMs: since, timeoutMs: 10_000 });
    assert.deepEqual(driftOf(r, 'settings')?.diffs.map((d) => [d.path, d.manager]), [['/data/mode', 'kubectl-edit']]);
    await waitFor('data reverted', async () => (await kubeGet(ctx.tb, 'configmap', 'settings', healNs))?.data.mode === 'fast', 2000);
  });

  it('kubectl delete: re-created with selfHeal, reported missing without', async () => {
    const since = Date.now();
    await kubectl(ctx.tb, 'delete', 'configmap', 'settings', '-n', healNs);
    await kubectl(ctx.tb, 'delete', 'configmap', 'settings', '-n', reportNs);
    await waitFor('settings re-created', async () => (await kubeGet(ctx.tb, 'configmap', 'settings', healNs))?.data.mode === 'fast', 2000);
    const healed = await waitBundleReport(ctx, HEAL, 'missing object healed', (x) => driftOf(x, 'settings')?.missing === true && driftOf(x, 'settings')?.healed === true, { sinceMs: since, timeoutMs: 10_000 });
    assert.equal(healed.syncStatus, SyncStatus.SYNCED);
    const missing = await waitBundleReport(ctx, REPORT, 'missing object reported', (x) => driftOf(x, 'settings')?.missing === true, { sinceMs: since, timeoutMs: 10_000 });
    assert.equal(missing.syncStatus, SyncStatus.OUT_OF_SYNC);
    assert.equal(missing.health, HealthStatus.MISSING, missing.healthMessage);
    assert.match(missing.healthMessage, /ConfigMap/);
    assert.equal(missing.resources.find((x) => x.name === 'settings')?.health, HealthStatus.MISSING);
    await sleep(1000);
    assert.equal(await kubeGet(ctx.tb, 'configmap', 'settings', reportNs), null, 'not re-created without selfHeal');
  });

  it('identical states are not re-sent; a new revision clears the drift', async () => {
    const before = (await bundleReports(ctx, REPORT)).length;
    await sleep(1000);
    assert.equal((await bundleReports(ctx, REPORT)).length, before, 'no report without a change');
    const digest = await ctx.hub.putBundle(REPORT, 'rev2', [namespace(reportNs), deployment('web', reportNs, { replicas: 3 }), configMap('settings', { mode: 'fast' }, reportNs)]);
    await ctx.hub.putDesired(ctx.cluster, REPORT, digest, { selfHeal: false, revision: 'rev2', generation: 2n });
    const r = await waitBundleReport(ctx, REPORT, 'report of rev2', (x) => x.generation === 2n && x.trigger === 'update');
    assert.equal(r.syncStatus, SyncStatus.SYNCED);
    assert.deepEqual(r.drift, []);
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', reportNs))?.spec.template.spec.containers[0].image, 'registry.invalid/web:1');
  });
});
