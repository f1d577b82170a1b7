// Issue #9, test 7: with signatures on, deletes are signed. A bare KV delete and a KV purge of a
// target's key change nothing on the cluster (kubectl: same uids, also across resyncs) and are
// reported; a tombstone signed with the hub's key (withdrawn, empty digest, next generation)
// prunes; re-putting the bytes of an earlier signed KV entry (from the KV history) is refused and
// changes nothing. The raw KV writes are real NATS writes, as someone with NATS access makes them;
// one tombstone is signed here with proto's signing helpers and the hub's key, another is the
// hub's own, written when a bundle directory leaves Git.
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type DesiredState, signingKeyId, signingPayload } from '@gitfleet/proto';
import { eventually } from '@gitfleet/testing';
import { Fleet, NatsStore, type HistoryEntryView } from '../support/index.js';

const SPOKE = 'spoke3';
const NS = 'e2e-signed-withdrawals';
const SOURCE = 'signed-withdrawals';
const BUNDLE = `${SOURCE}-app`;
const OTHER = `${SOURCE}-other`;
const RESYNC_SECONDS = 2;

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${name}"
`;

describe('signed withdrawals: only a signed tombstone prunes', () => {
  let fleet: Fleet;
  let store: NatsStore;
  /** the signed KV entries of the target before anything was deleted */
  let earlier: Awaited<ReturnType<NatsStore['desiredHistory']>>;

  /** name → uid of the bundle's ConfigMaps on the spoke (undefined: absent) */
  async function uids(): Promise<Record<string, string | undefined>> {
    const out: Record<string, string | undefined> = {};
    for (const name of ['a', 'b']) out[name] = ((await fleet.kubectl(SPOKE).get('configmap', name, NS))?.metadata as { uid?: string } | undefined)?.uid;
    return out;
  }

  /** Waits for a history entry of the target observed after `since` that matches. */
  function reported(what: string, since: number, match: (h: HistoryEntryView) => boolean, bundle = BUNDLE): Promise<HistoryEntryView> {
    return eventually(what, async () => {
      const h = (await fleet.api.history(SPOKE, bundle)).find((x) => Date.parse(x.observedAt) >= since && match(x));
      if (!h) throw new Error('not reported yet');
      return h;
    }, 30_000);
  }

  before(async () => {
    fleet = await Fleet.start({ name: 'signed-withdrawals', clusters: { [SPOKE]: { env: 'test' } }, namespaces: [NS], agentArgs: ['--resync-interval', String(RESYNC_SECONDS)] });
    store = await NatsStore.open(fleet.nats.url);
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/a.yaml', configMap('a'));
    fleet.repo.write('app/b.yaml', configMap('b'));
    fleet.repo.write('other/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('other/c.yaml', configMap('c'));
    const first = await fleet.repo.commitAndPush('a and b');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, [SPOKE]);
    await fleet.waitForRevision(OTHER, first, [SPOKE]);
    // a second commit, so that the KV history holds an earlier signed generation to replay
    fleet.repo.write('app/b.yaml', configMap('b').replace('value: "b"', 'value: "b2"'));
    const second = await fleet.repo.commitAndPush('b2');
    await fleet.api.pushWebhook(SOURCE, second);
    await fleet.waitForRevision(BUNDLE, second, [SPOKE]);
    earlier = await store.desiredHistory(SPOKE, BUNDLE);
  });
  after(async () => {
    await store?.close();
    await fleet?.stop();
  });

  it('a bare KV delete changes nothing on the cluster and is reported', async () => {
    const before = await uids();
    assert.ok(before['a'] && before['b']);
    const since = Date.now();
    await store.deleteDesiredKey(SPOKE, BUNDLE);
    const h = await reported('the refusal of the KV delete', since, (x) => x.errors.some((e) => e.includes('deleted without a signed tombstone; nothing pruned')));
    assert.equal(h.state, 'Failed');
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    assert.deepEqual(await uids(), before, 'nothing deleted or re-created (kubectl), also across resyncs');
  });

  it('a KV purge changes nothing on the cluster and is reported', async () => {
    const before = await uids();
    const since = Date.now();
    await store.purgeDesiredKey(SPOKE, BUNDLE);
    await reported('the refusal of the KV purge', since, (x) => x.errors.some((e) => /deleted without a signed tombstone; nothing pruned \(KV PURGE/.test(e)));
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    assert.deepEqual(await uids(), before, 'nothing deleted or re-created (kubectl), also across resyncs');
  });

  it('a signed tombstone prunes; replaying an older signed generation is refused and changes nothing', async () => {
    const last = earlier.at(-1)!;
    const privateKey = createPrivateKey(readFileSync(fleet.keys.privateKeyFile, 'utf8'));
    const keyId = signingKeyId(readFileSync(fleet.keys.publicKeyFile, 'utf8'));
    const unsigned: DesiredState = {
      ...last.desired, withdrawn: true, withdrawalReason: 'e2e: bundle directory app left Git', digest: '',
      generation: last.desired.generation + 1n, publishedAt: new Date().toISOString(), signature: new Uint8Array(), signingKeyId: '',
    };
    const tombstone: DesiredState = { ...unsigned, signature: new Uint8Array(sign(null, signingPayload(unsigned), privateKey)), signingKeyId: keyId };
    await store.putDesiredState(SPOKE, BUNDLE, tombstone);
    await eventually('a and b pruned (kubectl)', async () => {
      const now = await uids();
      if (now['a'] !== undefined || now['b'] !== undefined) throw new Error(`still there: ${JSON.stringify(now)}`);
    }, 30_000);
    const deleted = await eventually('the hub to show the withdrawal', async () => {
      const h = (await fleet.api.history(SPOKE, BUNDLE)).find((x) => x.state === 'Deleted');
      if (!h) throw new Error('no Deleted report yet');
      return h;
    }, 30_000);
    assert.equal(deleted.generation, Number(tombstone.generation));
    assert.deepEqual(deleted.resources.map((r) => `${r.kind}/${r.name}:${r.action}`).sort(), ['ConfigMap/a:pruned', 'ConfigMap/b:pruned']);

    // the earlier signed generation, re-put from the KV history: refused, nothing re-created
    const older = earlier[0]!;
    assert.ok(older.desired.generation < last.desired.generation, 'an earlier generation is in the history');
    const since = Date.now();
    await store.putDesiredBytes(SPOKE, BUNDLE, older.value);
    const refused = await reported('the refusal of the replayed generation', since, (x) => x.state === 'Failed' && x.generation === Number(older.desired.generation));
    assert.deepEqual(refused.errors, [`desired state ${SPOKE}.${BUNDLE}: generation ${older.desired.generation} is older than the last verified generation ${tombstone.generation}; refused (replayed?)`]);
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    assert.deepEqual(await uids(), { a: undefined, b: undefined }, 'nothing of the replayed state applied (kubectl)');
  });

  it("the hub's own tombstone (a directory leaves Git) prunes; its older generation replayed is refused", async () => {
    const k = fleet.kubectl(SPOKE);
    const before = await store.desiredHistory(SPOKE, OTHER);
    assert.ok(await k.get('configmap', 'c', NS));
    fleet.repo.remove('other');
    const revision = await fleet.repo.commitAndPush('other leaves Git');
    await fleet.api.pushWebhook(SOURCE, revision);
    await eventually('c pruned by the hub tombstone (kubectl)', async () => {
      if (await k.get('configmap', 'c', NS)) throw new Error('still there');
    }, 30_000);
    const kv = await store.desiredHistory(SPOKE, OTHER);
    const tombstone = kv.at(-1)!.desired;
    assert.deepEqual([tombstone.withdrawn, tombstone.digest, tombstone.signature.length], [true, '', 64], 'the key holds a signed tombstone');
    assert.equal(tombstone.generation, before.at(-1)!.desired.generation + 1n, 'with the next generation');
    const inventory = JSON.parse(((await k.get('configmap', `gitfleet-inventory-${OTHER}`, 'gitfleet-system'))?.['data'] as Record<string, string>)['inventory.json']!) as { withdrawn?: boolean; generation: string; objects: unknown[] };
    assert.deepEqual([inventory.withdrawn, inventory.generation, inventory.objects], [true, String(tombstone.generation), []], 'the agent keeps a withdrawn record');

    await store.putDesiredBytes(SPOKE, OTHER, before.at(-1)!.value);
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    assert.equal(await k.get('configmap', 'c', NS), undefined, 'the replayed older generation applied nothing (kubectl)');
  });
});
