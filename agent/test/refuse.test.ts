/**
 * Terminal refusals: a tampered bundle (bytes that do not match the digest), an incompatible
 * contract version and a desired state for another cluster are reported FAILED with the reason,
 * nothing is applied, and the agent does not retry them until the desired state changes.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { bundleDigest, SyncState } from '@gitfleet/proto';
import { bundleBytes, closeSuite, configMap, kubeGet, namespace, openSuite, startAgent, type SuiteContext } from './testbed.js';

describe('refused desired states', () => {
  let ctx: SuiteContext;
  before(async () => {
    ctx = await openSuite('rf');
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  it('refuses a tampered bundle with nothing applied, and does not retry it', async () => {
    const ns = `${ctx.id}-tampered`;
    const bundle = 'tampered';
    ctx.namespaces.add(ns);
    ctx.bundles.add(bundle);
    const good = bundleBytes(bundle, [namespace(ns), configMap('x', { v: '1' }, ns)]);
    const evil = bundleBytes(bundle, [namespace(ns), configMap('x', { v: 'evil' }, ns)]);
    const digest = bundleDigest(good);
    await ctx.hub.putRaw(digest, evil); // stored under the good digest: the content does not match
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { generation: 1n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'FAILED report of the tampered bundle', (r) => r.bundleId === bundle);
    assert.equal(report.state, SyncState.FAILED);
    assert.deepEqual(report.errors, [`digest mismatch: want ${digest} got ${bundleDigest(evil)}`]);
    assert.deepEqual(report.resources, []);
    assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'nothing applied');
    await sleep(3000);
    const reports = (await ctx.hub.reports(ctx.cluster)).filter((r) => r.bundleId === bundle);
    assert.equal(reports.length, 1, 'a terminal failure is not retried');
  });

  it('applies once the desired state points at a good bundle', async () => {
    const ns = `${ctx.id}-tampered`;
    const digest = await ctx.hub.putBundle('tampered', 'rev2', [namespace(ns), configMap('x', { v: '2' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, 'tampered', digest, { revision: 'rev2', generation: 2n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'SYNCED report of generation 2', (r) => r.bundleId === 'tampered' && r.generation === 2n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'x', ns))?.data, { v: '2' });
  });

  const refusals: Array<{ name: string; bundle: string; opts: Record<string, unknown>; error: RegExp }> = [
    { name: 'an incompatible contract version', bundle: 'contract', opts: { contractVersion: '2.0.0' }, error: /incompatible contract_version "2.0.0"/ },
    { name: 'a desired state naming another cluster', bundle: 'other-cluster', opts: { messageCluster: 'someone-else' }, error: /cluster "someone-else" does not match/ },
    { name: 'an invalid digest', bundle: 'bad-digest', opts: { digest: 'md5-1234' }, error: /invalid digest "md5-1234"/ },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name}`, async () => {
      const ns = `${ctx.id}-${c.bundle}`;
      ctx.namespaces.add(ns);
      ctx.bundles.add(c.bundle);
      const digest = await ctx.hub.putBundle(c.bundle, 'rev1', [namespace(ns)]);
      await ctx.hub.putDesired(ctx.cluster, c.bundle, digest, c.opts);
      const report = await ctx.hub.waitReport(ctx.cluster, `FAILED report of ${c.bundle}`, (r) => r.bundleId === c.bundle);
      assert.equal(report.state, SyncState.FAILED);
      assert.equal(report.errors.length, 1);
      assert.match(report.errors[0]!, c.error);
      assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'nothing applied');
    });
  }
});
