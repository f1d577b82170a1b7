// Issue #4, test 4: a bundle whose bytes are altered in the object store, or a DesiredState
// signed with another key, is refused on the spoke and reported; nothing of it is applied. The
// tampering is done with real writes to the suite's NATS (object store and KV), as an attacker
// with write access to JetStream could; the hub signs, the agent verifies with the hub's public key.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { BundleManifestSchema, bundleDigest, canonicalJson, create, type DesiredState, fromBinary, ManifestObjectSchema, signingKeyId, signingPayload, toBinary } from '@gitfleet/proto';
import { eventually } from '@gitfleet/testing';
import { Fleet, NatsStore, type TargetView } from '../support/index.js';

const SPOKE = 'spoke2';
const NS = 'e2e-signed-bundles';
const SOURCE = 'signed-bundles';
const BUNDLE = `${SOURCE}-app`;
/** the agents resync every 2 s, so "nothing applied" is also checked across resyncs */
const RESYNC_SECONDS = 2;

const settings = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  value: "${value}"
`;

/**
 * The bytes of an altered copy of a stored BundleManifest: the `settings` ConfigMap says "evil"
 * and a `planted` ConfigMap is added. Neither may ever reach the cluster.
 */
function alteredManifest(bytes: Uint8Array): Uint8Array {
  const manifest = fromBinary(BundleManifestSchema, bytes);
  let found = false;
  for (const o of manifest.objects) {
    const obj = JSON.parse(o.json) as { kind: string; metadata: { name: string }; data?: Record<string, string> };
    if (obj.kind === 'ConfigMap' && obj.metadata.name === 'settings') {
      obj.data = { value: 'evil' };
      o.json = canonicalJson(obj);
      found = true;
    }
  }
  assert.ok(found, 'the stored bundle holds the settings ConfigMap');
  manifest.objects.push(create(ManifestObjectSchema, { file: 'app/planted.yaml', json: canonicalJson({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planted' }, data: { value: 'evil' } }) }));
  return toBinary(BundleManifestSchema, manifest);
}

/** `desired` signed with `key` the way the hub signs (proto signingPayload, ed25519), naming `keyId`. */
function signAs(desired: DesiredState, key: KeyObject, keyId: string): DesiredState {
  const unsigned: DesiredState = { ...desired, signature: new Uint8Array(), signingKeyId: '' };
  return { ...unsigned, signature: new Uint8Array(sign(null, signingPayload(unsigned), key)), signingKeyId: keyId };
}

describe('signed bundles: the spoke refuses what the hub did not sign', () => {
  let fleet: Fleet;
  let store: NatsStore;
  let hubKeyId: string;

  /** The `value` of the settings ConfigMap on the spoke, and whether the planted ConfigMap exists. */
  async function live(): Promise<{ value: string | undefined; resourceVersion: string | undefined; planted: boolean }> {
    const cm = await fleet.kubectl(SPOKE).get('configmap', 'settings', NS);
    const planted = await fleet.kubectl(SPOKE).get('configmap', 'planted', NS);
    return { value: (cm?.['data'] as Record<string, string> | undefined)?.['value'], resourceVersion: cm?.metadata.resourceVersion, planted: planted !== undefined };
  }

  /** Waits until the hub shows the target Failed for `generation` and returns it. */
  function waitRefused(generation: number): Promise<TargetView> {
    return eventually(`target ${SPOKE}/${BUNDLE} reported Failed at generation ${generation}`, async () => {
      const t = await fleet.api.target(SPOKE, BUNDLE);
      if (t.applied?.generation !== generation || t.status !== 'Failed') throw new Error(`status ${t.status}, applied generation ${t.applied?.generation}, errors ${JSON.stringify(t.applied?.errors)}`);
      return t;
    }, 30_000);
  }

  /** Pushes the settings value and waits until the spoke has it applied; returns the commit. */
  async function deploy(value: string): Promise<string> {
    fleet.repo.write('app/settings.yaml', settings(value));
    const revision = await fleet.repo.commitAndPush(`settings ${value}`);
    await fleet.api.pushWebhook(SOURCE, revision);
    await fleet.waitForRevision(BUNDLE, revision, [SPOKE]);
    assert.equal((await live()).value, value);
    return revision;
  }

  before(async () => {
    fleet = await Fleet.start({ name: 'signed-bundles', clusters: { [SPOKE]: { env: 'test' } }, namespaces: [NS], agentArgs: ['--resync-interval', String(RESYNC_SECONDS)] });
    store = await NatsStore.open(fleet.nats.url);
    hubKeyId = signingKeyId(readFileSync(fleet.keys.publicKeyFile, 'utf8'));
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/settings.yaml', settings('one'));
    const revision = await fleet.repo.commitAndPush('settings one');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, revision, [SPOKE]);
  });
  after(async () => {
    await store?.close();
    await fleet?.stop();
  });

  it('the hub signs what it publishes with the key the agents trust', async () => {
    const keys = await fleet.api.get<{ signed: boolean; keys: Array<{ keyId: string }> }>('/api/v1/signing-keys');
    assert.deepEqual({ signed: keys.signed, ids: keys.keys.map((k) => k.keyId) }, { signed: true, ids: [hubKeyId] });
    const current = await store.desiredState(SPOKE, BUNDLE);
    assert.equal(current?.desired.signingKeyId, hubKeyId);
    assert.equal(current?.desired.signature.length, 64, 'an ed25519 signature');
  });

  it('a bundle whose bytes were altered in the object store is refused, reported, and nothing of it is applied', async () => {
    const before = await live();
    assert.deepEqual({ value: before.value, planted: before.planted }, { value: 'one', planted: false });

    // The hub publishes a new commit while the agent is down; then its stored bytes are altered
    // under the digest the (genuinely signed) DesiredState names.
    await fleet.stopAgent(SPOKE);
    fleet.repo.write('app/settings.yaml', settings('two'));
    const revision = await fleet.repo.commitAndPush('settings two');
    await fleet.api.pushWebhook(SOURCE, revision);
    const published = await eventually('the hub publishes the new commit', async () => {
      const t = await fleet.api.target(SPOKE, BUNDLE);
      const kv = await store.desiredState(SPOKE, BUNDLE);
      if (t.desired.revision !== revision || kv?.desired.revision !== revision) throw new Error(`desired revision ${t.desired.revision}, KV ${kv?.desired.revision}`);
      return t.desired;
    });
    const genuine = await store.bundleObject(published.digest);
    assert.ok(genuine, 'the published bundle is in the object store');
    assert.equal(bundleDigest(genuine), published.digest, 'as published, the bytes match their name');
    const altered = alteredManifest(genuine);
    await store.putBundleObject(published.digest, altered);
    const served = await store.bundleObject(published.digest);
    assert.ok(served && Buffer.from(served).equals(Buffer.from(altered)), 'the object store now serves the altered bytes under the published digest');

    fleet.startAgent(SPOKE);
    const refused = await waitRefused(published.generation);
    assert.deepEqual(refused.applied?.errors, [`digest mismatch: want ${published.digest} got ${bundleDigest(altered)}`]);
    assert.equal(refused.applied?.digest, published.digest);
    assert.deepEqual(refused.applied?.resources, [], 'no object was touched');
    assert.equal(refused.syncStatus, 'Failed');
    assert.equal(refused.applied?.failureClass, 'terminal', 'bytes that do not match their digest wait for a new desired state');

    // Nothing of it reached the cluster, also across resyncs; no report ever said it was applied.
    for (const when of ['at once', 'after two resyncs']) {
      if (when !== 'at once') await sleep(2 * RESYNC_SECONDS * 1000 + 500);
      assert.deepEqual(await live(), before, `the spoke still has the previous objects, unchanged (${when})`);
    }
    const history = await fleet.api.history(SPOKE, BUNDLE);
    assert.ok(history.some((h) => h.digest === published.digest && h.state === 'Failed'), 'the refusal is in the target history');
    assert.deepEqual(history.filter((h) => h.digest === published.digest && h.state !== 'Failed'), [], 'the altered bundle was never reported applied');

    // A later commit (a new digest, stored intact) applies.
    await deploy('three');
  });

  it('a DesiredState signed with another key is refused, reported, and the previous objects stay', async () => {
    const current = await store.desiredState(SPOKE, BUNDLE);
    assert.ok(current);
    const before = await live();
    assert.deepEqual({ value: before.value, planted: before.planted }, { value: 'three', planted: false });

    // The attacker stores an altered bundle under its true digest (the digest check alone would
    // pass) and points the target's DesiredState at it, signed with a key of their own.
    const genuine = await store.bundleObject(current.desired.digest);
    assert.ok(genuine);
    const altered = alteredManifest(genuine);
    const alteredDigest = bundleDigest(altered);
    await store.putBundleObject(alteredDigest, altered);
    const stranger = generateKeyPairSync('ed25519');
    const strangerId = signingKeyId(stranger.publicKey);
    const generation = current.desired.generation + 1n;
    const forged = signAs({ ...current.desired, digest: alteredDigest, generation }, stranger.privateKey, strangerId);
    await store.putDesiredState(SPOKE, BUNDLE, forged);

    const byStranger = await waitRefused(Number(generation));
    assert.deepEqual(byStranger.applied?.errors, [`desired state ${SPOKE}.${BUNDLE}: signed by unknown key ${strangerId} (trusted: ${hubKeyId})`]);
    assert.deepEqual(byStranger.applied?.resources, []);
    assert.deepEqual(await live(), before, 'nothing of the forged state was applied');

    // The same forgery claiming the hub's key id: the signature does not verify with that key.
    const refusedAt = Date.now();
    await store.putDesiredState(SPOKE, BUNDLE, { ...forged, signingKeyId: hubKeyId });
    const underHubId = await eventually('the refusal of the forgery under the hub key id', async () => {
      const t = await waitRefused(Number(generation));
      if (!t.applied || Date.parse(t.applied.observedAt) < refusedAt - 1000 || !/signature does not verify/.test(t.applied.errors.join())) throw new Error(`errors ${JSON.stringify(t.applied?.errors)}`);
      return t;
    }, 30_000);
    assert.deepEqual(underHubId.applied?.errors, [`desired state ${SPOKE}.${BUNDLE}: signature does not verify for key ${hubKeyId}`]);
    assert.deepEqual(underHubId.applied?.resources, []);

    // Across resyncs the agent keeps enforcing the last verified state (it re-applies it) and
    // never applies the forged one.
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    assert.deepEqual(await live(), before, 'the previous objects stay, unchanged');
    const history = await fleet.api.history(SPOKE, BUNDLE);
    assert.deepEqual(history.filter((h) => h.digest === alteredDigest && h.state !== 'Failed'), [], 'the forged state was never reported applied');
    assert.ok(
      history.some((h) => h.trigger === 'resync' && h.state === 'Synced' && h.digest === current.desired.digest && Date.parse(h.observedAt) >= refusedAt),
      `a resync after the refusal re-applied the last verified state: ${JSON.stringify(history.slice(0, 5).map((h) => [h.trigger, h.state, h.generation, h.digest.slice(0, 15)]))}`,
    );

    // The hub's next genuine publication replaces the forgery and applies.
    await deploy('four');
    assert.equal((await live()).planted, false);
  });
});
