/**
 * Deletes are signed (issue #9) on the real test bed, with an agent that enforces signatures:
 * a bare KV delete and a KV purge of a target's key prune nothing (uids unchanged), are reported,
 * and the last verified desired state stays enforced (a hand-deleted object comes back); an
 * unsigned tombstone is refused; a signed tombstone prunes and leaves a withdrawn inventory
 * record; an older signed generation replayed from the KV history is refused, after a withdrawal
 * and while a newer state is applied, and changes nothing.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, SyncState } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import { closeSuite, configMap, kubectl, kubeGet, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

type Pair = { privateKey: KeyObject; publicKey: KeyObject };

/** The resync period the agent runs with, s; the tests wait longer than it where nothing must change. */
const RESYNC_S = 2;

describe('signed withdrawals and monotonic generations', () => {
  let ctx: SuiteContext;
  let ns: string;
  const B = 'withdraw';
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-withdraw-'));
  const key: Pair = generateKeyPairSync('ed25519');
  const uids = async () => Object.fromEntries(await Promise.all(['a', 'b'].map(async (n) => [n, (await kubeGet(ctx.tb, 'configmap', n, ns))?.metadata.uid as string | undefined])));
  /** the signed KV values written so far, by generation (re-put later to replay them) */
  const signed = new Map<bigint, Uint8Array>();
  const remember = async (generation: bigint, revision: number) => {
    const entry = (await ctx.hub.desiredHistory(ctx.cluster, B)).find((h) => h.revision === revision);
    assert.ok(entry, `KV revision ${revision} in the history`);
    signed.set(generation, entry.value);
  };
  const inventory = async () => JSON.parse((await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${B}`, ctx.agentNamespace))?.data['inventory.json']);

  before(async () => {
    ctx = await openSuite('wd');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(B);
    const pub = join(dir, 'hub.pub');
    writeFileSync(pub, key.publicKey.export({ type: 'spki', format: 'pem' }));
    // the namespace is not part of the bundle: a pruned Namespace stays Terminating on a bare
    // apiserver, and the target is published again after its withdrawal
    await kubectl(ctx.tb, 'create', 'namespace', ns);
    startAgent(ctx, { args: ['--bundle-public-keys', pub, '--resync-interval', String(RESYNC_S)] });
  });
  after(async () => {
    await closeSuite(ctx);
    rmSync(dir, { recursive: true, force: true });
  });

  async function publish(generation: bigint, v: string): Promise<void> {
    const digest = await ctx.hub.putBundle(B, `rev${generation}`, [configMap('a', { v }, ns), configMap('b', { v }, ns)]);
    await remember(generation, await ctx.hub.putDesired(ctx.cluster, B, digest, { revision: `rev${generation}`, generation, signWith: key }));
    const r = await waitBundleReport(ctx, B, `generation ${generation} applied`, (x) => x.generation === generation && x.state !== SyncState.FAILED);
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.errors));
  }

  it('a bare KV delete prunes nothing, is reported, and the last verified state stays enforced', async () => {
    await publish(1n, '1');
    const before = await uids();
    assert.ok(before.a && before.b);
    const since = Date.now();
    await ctx.hub.deleteDesired(ctx.cluster, B);
    const r = await waitBundleReport(ctx, B, 'refusal of the KV delete', (x) => x.errors.some((e) => /deleted without a signed tombstone; nothing pruned/.test(e)), { sinceMs: since });
    assert.equal(r.state, SyncState.FAILED);
    assert.match(r.errors[0]!, /KV DEL of /);
    assert.equal(r.resources.filter((x) => x.action === ResourceAction.PRUNED).length, 0);
    await sleep(RESYNC_S * 1000 * 2 + 500); // through at least two resyncs
    assert.deepEqual(await uids(), before, 'nothing deleted or re-created');
    assert.equal((await inventory()).objects.length, 2, 'the inventory still owns everything');

    // still enforced: a hand-deleted object of the last verified state comes back
    await kubectl(ctx.tb, 'delete', 'configmap', 'a', '-n', ns);
    await waitFor('ConfigMap a re-created by the agent', async () => (await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data?.v === '1', 15_000);
  });

  it('a KV purge prunes nothing and is reported', async () => {
    const before = await uids();
    const since = Date.now();
    await ctx.hub.purgeDesired(ctx.cluster, B);
    await waitBundleReport(ctx, B, 'refusal of the KV purge', (x) => x.errors.some((e) => /deleted without a signed tombstone; nothing pruned \(KV PURGE/.test(e)), { sinceMs: since });
    await sleep(RESYNC_S * 1000 * 2 + 500);
    assert.deepEqual(await uids(), before, 'nothing deleted or re-created');
  });

  it('an unsigned tombstone is refused and prunes nothing', async () => {
    await publish(2n, '2');
    const before = await uids();
    const since = Date.now();
    await ctx.hub.putTombstone(ctx.cluster, B, { generation: 3n });
    const r = await waitBundleReport(ctx, B, 'refusal of the unsigned tombstone', (x) => x.generation === 3n && x.state === SyncState.FAILED, { sinceMs: since });
    assert.match(r.errors.join(' '), /not signed/);
    await sleep(RESYNC_S * 1000 + 500);
    assert.deepEqual(await uids(), before);
  });

  it('a signed tombstone prunes and keeps a withdrawn record; an older signed generation replayed is refused', async () => {
    await remember(4n, await ctx.hub.putTombstone(ctx.cluster, B, { generation: 4n, signWith: key, withdrawalReason: 'directory withdraw left Git' }));
    const r = await waitBundleReport(ctx, B, 'DELETED', (x) => x.state === SyncState.DELETED);
    assert.equal(r.generation, 4n);
    assert.equal(r.healthMessage, 'withdrawn: directory withdraw left Git');
    assert.deepEqual(r.resources.map((x) => `${x.kind}/${x.name}:${ResourceAction[x.action]}`).sort(), ['ConfigMap/a:PRUNED', 'ConfigMap/b:PRUNED']);
    assert.deepEqual(await uids(), { a: undefined, b: undefined });
    const inv = await inventory();
    assert.deepEqual([inv.withdrawn, inv.generation, inv.objects, inv.withdrawalReason], [true, '4', [], 'directory withdraw left Git']);

    const since = Date.now();
    await ctx.hub.putRawDesired(ctx.cluster, B, signed.get(2n)!);
    const refused = await waitBundleReport(ctx, B, 'refusal of the replayed generation 2', (x) => x.generation === 2n && Date.parse(x.observedAt) >= since);
    assert.equal(refused.state, SyncState.FAILED);
    assert.match(refused.errors.join(' '), /generation 2 is older than the last verified generation 4; refused \(replayed\?\)/);
    await sleep(RESYNC_S * 1000 * 2 + 500);
    assert.deepEqual(await uids(), { a: undefined, b: undefined }, 'nothing of the replayed state applied');
  });

  it('a newer generation re-publishes the target; replaying an older one (or the old tombstone) changes nothing', async () => {
    await publish(5n, '5');
    const before = await uids();
    for (const [what, value] of [['generation 2', signed.get(2n)!], ['the tombstone of generation 4', signed.get(4n)!]] as const) {
      const since = Date.now();
      await ctx.hub.putRawDesired(ctx.cluster, B, value);
      const refused = await waitBundleReport(ctx, B, `refusal of ${what}`, (x) => x.state === SyncState.FAILED && Date.parse(x.observedAt) >= since);
      assert.match(refused.errors.join(' '), /is older than the last verified generation 5/);
    }
    await sleep(RESYNC_S * 1000 * 2 + 500);
    assert.deepEqual(await uids(), before, 'nothing pruned, nothing re-created');
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data?.v, '5');
    assert.equal((await inventory()).generation, '5');
  });

  it('a tombstone after a prune=false state keeps the objects and reports them orphaned (Fleet keepResources)', async () => {
    const K = 'keepres';
    ctx.bundles.add(K);
    const digest = await ctx.hub.putBundle(K, 'k1', [configMap('kept', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, K, digest, { revision: 'k1', generation: 1n, prune: false, signWith: key });
    await waitBundleReport(ctx, K, 'k1 applied', (x) => x.generation === 1n && x.state === SyncState.SYNCED);
    const uid = (await kubeGet(ctx.tb, 'configmap', 'kept', ns))?.metadata.uid;
    await ctx.hub.putTombstone(ctx.cluster, K, { generation: 2n, signWith: key });
    const r = await waitBundleReport(ctx, K, 'DELETED', (x) => x.state === SyncState.DELETED);
    assert.deepEqual(r.resources, [], 'nothing pruned');
    assert.deepEqual(r.orphaned.map((o) => o.name), ['kept']);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'kept', ns))?.metadata.uid, uid, 'the object stays');
    const inv = JSON.parse((await kubeGet(ctx.tb, 'configmap', `gitfleet-inventory-${K}`, ctx.agentNamespace))?.data['inventory.json']);
    assert.deepEqual([inv.withdrawn, inv.objects, inv.orphaned.map((o: { name: string }) => o.name)], [true, [], ['kept']]);
  });
});
