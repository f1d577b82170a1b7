/**
 * Health on a spoke with real workload controllers (kube-controller-manager, kube-scheduler and
 * KWOK fake nodes, as every spoke of the test bed has: GITFLEET_AGENT_WORKLOAD_SPOKE, default spoke3): a Deployment that rolls out is
 * reported Progressing, then Healthy by a "health" report without any reconcile; one whose pods
 * cannot be scheduled is reported Degraded with the pods' cause.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthStatus, SyncStatus } from '@gitfleet/proto';
import { closeSuite, deployment, namespace, openSuite, startAgent, type SuiteContext, type TestObject, waitBundleReport } from './testbed.js';

const withNodeSelector = (o: TestObject, nodeSelector: Record<string, string>): TestObject => {
  const d = structuredClone(o.obj) as { spec: { template: { spec: Record<string, unknown> } } };
  d.spec.template.spec.nodeSelector = nodeSelector;
  return { obj: d as unknown as Record<string, unknown> };
};

describe('health', () => {
  let ctx: SuiteContext;
  let ns: string;
  const BUNDLE = 'health';

  before(async () => {
    ctx = await openSuite('health', undefined, process.env.GITFLEET_AGENT_WORKLOAD_SPOKE ?? 'spoke3');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('a rollout goes Progressing → Healthy, reported by trigger "health"', async () => {
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', [namespace(ns), deployment('web', ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n });
    const first = await waitBundleReport(ctx, BUNDLE, 'apply report', (r) => r.trigger === 'update');
    assert.equal(first.syncStatus, SyncStatus.SYNCED);
    assert.notEqual(first.resources.find((r) => r.kind === 'Deployment')?.health, HealthStatus.UNSPECIFIED, 'every applied object has a health');
    const healthy = await waitBundleReport(ctx, BUNDLE, 'Healthy', (r) => r.trigger === 'health' && r.health === HealthStatus.HEALTHY, { timeoutMs: 60_000 });
    assert.equal(healthy.resources.find((r) => r.kind === 'Deployment')?.health, HealthStatus.HEALTHY);
    assert.equal(healthy.generation, 1n);
  });

  it('unschedulable pods make the Deployment Degraded, with the cause', async () => {
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev2', [namespace(ns), withNodeSelector(deployment('web', ns), { type: 'no-such-node' })]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 2n, revision: 'rev2' });
    const r = await waitBundleReport(ctx, BUNDLE, 'Degraded with the pod cause', (x) => x.generation === 2n && x.health === HealthStatus.DEGRADED, { timeoutMs: 60_000 });
    assert.match(r.healthMessage, /^Deployment\/web: .*Unschedulable/);
  });
});
