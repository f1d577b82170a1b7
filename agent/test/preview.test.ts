/**
 * Previews on the agent (issue #11, "Preview before merge"), on the real test bed: a DiffRequest
 * carrying a signed would-be desired state (preview=true) is answered with a server-side dry run
 * of that state against the live cluster (creates, field changes, prunes from the inventory), a
 * preview tombstone with the prune of the whole inventory, and nothing changes on the cluster. A
 * preview desired state that is unsigned, signed by another key, or not marked preview is
 * refused; one written to the KV is never applied.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CONTRACT_VERSION, create, type DesiredState, DesiredStateSchema, desiredStateKey, type DiffResponse, DiffRequestSchema, DiffResponseSchema, diffSubject, fromBinary,
  signingKeyId, signingPayload, SyncState, SyncStatus, toBinary,
} from '@gitfleet/proto';
import { closeSuite, configMap, kubectl, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

type Pair = { privateKey: KeyObject; publicKey: KeyObject };

describe('preview requests', () => {
  let ctx: SuiteContext;
  let ns: string;
  const BUNDLE = 'previewed';
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-preview-'));
  const hubKey: Pair = generateKeyPairSync('ed25519');
  const stranger: Pair = generateKeyPairSync('ed25519');

  /** A preview desired state of BUNDLE for this cluster, signed with `key` (none: unsigned). */
  const previewState = (digest: string, o: { key?: Pair; preview?: boolean; withdrawn?: boolean; generation?: bigint } = {}): DesiredState => {
    const d = create(DesiredStateSchema, {
      contractVersion: CONTRACT_VERSION, cluster: ctx.cluster, bundleId: BUNDLE, revision: 'rev-preview', digest: o.withdrawn ? '' : digest,
      syncPolicy: { automated: true, prune: true, selfHeal: true }, generation: o.generation ?? 2n, source: 'test', path: BUNDLE,
      publishedAt: new Date().toISOString(), takeOwnership: true, preview: o.preview ?? true, withdrawn: o.withdrawn ?? false,
      withdrawalReason: o.withdrawn ? 'bundle directory left Git' : '',
    });
    if (o.key) {
      d.signature = sign(null, signingPayload(d), o.key.privateKey);
      d.signingKeyId = signingKeyId(o.key.publicKey);
    }
    return d;
  };
  const ask = async (desired: DesiredState): Promise<DiffResponse> => {
    const req = toBinary(DiffRequestSchema, create(DiffRequestSchema, { contractVersion: CONTRACT_VERSION, cluster: ctx.cluster, bundleId: BUNDLE, desiredState: desired }));
    return fromBinary(DiffResponseSchema, (await ctx.hub.nc.request(diffSubject(ctx.cluster), req, { timeout: 10_000 })).data);
  };
  /** resourceVersion of every ConfigMap in the namespace and of the agent's inventories. */
  const versions = async (): Promise<string> => {
    const inNs = await kubectl(ctx.tb, 'get', 'configmaps', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}');
    const inv = await kubectl(ctx.tb, 'get', 'configmaps', '--all-namespaces', '-l', 'gitfleet.io/inventory=true', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}');
    return `${inNs} | ${inv}`;
  };
  const lines = (r: DiffResponse) => [
    ...r.objects.map((o) => `${o.missing ? 'create' : 'change'} ${o.object?.kind}/${o.object?.name}${o.diffs.map((d) => ` ${d.path}=${d.desired}<-${d.live}`).join('')}`),
    ...r.prune.map((p) => `prune ${p.kind}/${p.name}`),
    ...r.orphaned.map((p) => `orphan ${p.kind}/${p.name}`),
  ].sort();

  before(async () => {
    ctx = await openSuite('pv', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke2');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    const keyFile = join(dir, 'hub.pub');
    writeFileSync(keyFile, hubKey.publicKey.export({ type: 'spki', format: 'pem' }));
    startAgent(ctx, { args: ['--bundle-public-keys', keyFile] });
    const d1 = await ctx.hub.putBundle(BUNDLE, 'rev1', [namespace(ns), configMap('a', { k: 'v1' }, ns), configMap('b', { k: 'v1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, d1, { revision: 'rev1', generation: 1n, signWith: hubKey });
    await waitBundleReport(ctx, BUNDLE, 'applied', (x) => x.generation === 1n && x.syncStatus === SyncStatus.SYNCED);
  });
  after(async () => {
    await closeSuite(ctx);
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry-runs a signed preview desired state: a change with its field diff, a create, a prune; nothing written', async () => {
    const before = await versions();
    const d2 = await ctx.hub.putBundle(BUNDLE, 'rev2', [namespace(ns), configMap('b', { k: 'v2' }, ns), configMap('c', { k: 'new' }, ns)]);
    const r = await ask(previewState(d2, { key: hubKey }));
    assert.deepEqual(r.errors, []);
    assert.equal(r.preview, true);
    assert.equal(r.revision, 'rev-preview');
    assert.deepEqual(lines(r), ['change ConfigMap/b /data/k="v2"<-"v1"', 'create ConfigMap/c', 'prune ConfigMap/a']);
    assert.equal(await versions(), before, 'nothing on the cluster was written');
  });

  it('answers a preview tombstone with the prune of the whole inventory', async () => {
    const before = await versions();
    const r = await ask(previewState('', { key: hubKey, withdrawn: true }));
    assert.deepEqual(r.errors, []);
    assert.equal(r.preview, true);
    assert.deepEqual(lines(r), [`prune ConfigMap/a`, 'prune ConfigMap/b', `prune Namespace/${ns}`]);
    assert.equal(await versions(), before, 'nothing on the cluster was written');
  });

  const refusals: Array<[string, () => DesiredState, RegExp]> = [
    ['unsigned', () => previewState(`sha256-${'0'.repeat(64)}`), /desired state not signed/],
    ['signed by another key', () => previewState(`sha256-${'0'.repeat(64)}`, { key: stranger }), /signed by unknown key/],
    ['not marked preview', () => previewState(`sha256-${'0'.repeat(64)}`, { key: hubKey, preview: false }), /preview is not set/],
  ];
  for (const [name, state, message] of refusals) {
    it(`refuses a preview desired state ${name}`, async () => {
      const r = await ask(state());
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0]!, message);
      assert.deepEqual([r.objects, r.prune], [[], []]);
    });
  }

  it('never applies a preview desired state written to the KV', async () => {
    const before = await versions();
    const d3 = await ctx.hub.putBundle(BUNDLE, 'rev3', [namespace(ns), configMap('a', { k: 'from-kv' }, ns)]);
    const state = previewState(d3, { key: hubKey, generation: 5n });
    await ctx.hub.kv.put(desiredStateKey(ctx.cluster, BUNDLE), toBinary(DesiredStateSchema, state));
    const report = await waitBundleReport(ctx, BUNDLE, 'refusal of the preview desired state', (x) => x.state === SyncState.FAILED);
    assert.match(report.errors.join(), /a preview desired state \(preview=true, generation 5\) is only ever dry-run, never applied; refused/);
    assert.equal(await kubectl(ctx.tb, 'get', 'configmap', 'a', '-n', ns, '-o', 'jsonpath={.data.k}'), 'v1', 'a keeps its applied value');
    assert.equal(await versions(), before, 'nothing on the cluster was written');
  });
});
