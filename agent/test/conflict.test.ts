/**
 * Self-heal conflict on a real kube-apiserver: another field manager ("fighter") keeps writing
 * spec.replicas back every 300 ms. The agent heals a few times, then reports the fight (manager,
 * field, pause) with sync status OUT_OF_SYNC and stops healing that object instead of looping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncStatus } from '@gitfleet/proto';
import { closeSuite, deployment, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

describe('self-heal conflict', () => {
  let ctx: SuiteContext;
  let ns: string;
  const BUNDLE = 'conflict';

  before(async () => {
    ctx = await openSuite('conflict', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke1');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    startAgent(ctx);
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', [namespace(ns), deployment('web', ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest);
    const r = await waitBundleReport(ctx, BUNDLE, 'first report', (x) => x.trigger === 'update');
    assert.equal(r.syncStatus, SyncStatus.SYNCED, JSON.stringify(r.errors));
  });
  after(() => closeSuite(ctx));

  it('reports a fight with another manager and stops healing', async () => {
    const heals = () => ctx.agent!.logs(/^drift healed$/).filter((l) => String(l.object).endsWith('/web')).length;
    let fighting = true;
    const fighter = (async () => {
      while (fighting) {
        await kubectl(ctx.tb, 'patch', 'deployment', 'web', '-n', ns, '--type=merge', '--field-manager=fighter', '-p', '{"spec":{"replicas":7}}').catch(() => undefined);
        await sleep(300);
      }
    })();
    try {
      const since = Date.now();
      const r = await waitBundleReport(ctx, BUNDLE, 'conflict report', (x) => x.drift.some((d) => d.conflictManager !== ''), { sinceMs: since, timeoutMs: 20_000 });
      const d = r.drift.find((x) => x.conflictManager !== '')!;
      assert.equal(d.object?.name, 'web');
      assert.equal(d.conflictManager, 'fighter');
      assert.match(d.conflictMessage, /^field \/spec\/replicas keeps being set to 7 by manager fighter; self-heal paused 30s$/);
      assert.equal(d.healed, false);
      assert.deepEqual(d.diffs.map((f) => [f.path, JSON.parse(f.live), f.manager]), [['/spec/replicas', 7, 'fighter']]);
      assert.equal(r.syncStatus, SyncStatus.OUT_OF_SYNC);
      const healedBefore = heals();
      assert.ok(healedBefore >= 3 && healedBefore <= 4, `healed ${healedBefore} times before backing off`);
      await sleep(3000);
      assert.equal(heals(), healedBefore, 'no heal while paused');
    } finally {
      fighting = false;
      await fighter;
    }
    await sleep(1500);
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', ns))?.spec.replicas, 7, 'self-heal backed off instead of looping');
  });
});
