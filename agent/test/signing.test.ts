/**
 * Signed desired states (trust boundary hub → spoke) on the real test bed: an agent installed with
 * two trusted hub keys (rotation) applies what either signed; an unsigned desired state, one
 * signed with another key, one whose signature was tampered with, and a bundle whose bytes were
 * altered in the object store are refused (FAILED with the reason), and nothing of them is
 * applied. A refused update does not replace the last verified desired state: the agent keeps
 * healing it and its resync keeps re-applying it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { bundleDigest, signingKeyId, SyncState } from '@gitfleet/proto';
import { waitFor } from '@gitfleet/testing';
import {
  AgentProcess, bundleBytes, bundleReports, closeSuite, configMap, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, waitBundleReport,
} from './testbed.js';

type Pair = { privateKey: KeyObject; publicKey: KeyObject };

describe('signed desired states', () => {
  let ctx: SuiteContext;
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-signing-'));
  const current: Pair = generateKeyPairSync('ed25519');
  const rotated: Pair = generateKeyPairSync('ed25519');
  const stranger: Pair = generateKeyPairSync('ed25519');
  const id = (p: Pair) => signingKeyId(p.publicKey);
  const writeKey = (name: string, p: Pair) => {
    const file = join(dir, name);
    writeFileSync(file, p.publicKey.export({ type: 'spki', format: 'pem' }));
    return file;
  };

  before(async () => {
    ctx = await openSuite('sg');
    startAgent(ctx, { args: ['--bundle-public-keys', `${writeKey('current.pub', current)},${writeKey('rotated.pub', rotated)}`, '--resync-interval', '2'] });
  });
  after(async () => {
    await closeSuite(ctx);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Publishes a bundle of one namespace + ConfigMap and a desired state for it; returns the FAILED/SYNCED report. */
  async function publish(bundle: string, o: { signWith?: Pair; corruptSignature?: boolean; generation?: bigint; value?: string } = {}) {
    const ns = `${ctx.id}-${bundle}`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(bundle);
    const digest = await ctx.hub.putBundle(bundle, 'rev1', [namespace(ns), configMap('app', { v: o.value ?? '1' }, ns)]);
    const generation = o.generation ?? 1n;
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { generation, revision: `rev${generation}`, signWith: o.signWith, corruptSignature: o.corruptSignature });
    const report = await waitBundleReport(ctx, bundle, `report of ${bundle} generation ${generation}`, (r) => r.generation === generation && r.trigger === 'update');
    return { ns, digest, report };
  }

  it('logs the trusted key ids at start', async () => {
    await waitFor('agent start log', async () => ctx.agent!.logs(/verifying desired-state signatures/)[0]);
    const [line] = ctx.agent!.logs(/verifying desired-state signatures/);
    assert.deepEqual(line!.keyIds, [id(current), id(rotated)]);
  });

  it('applies a desired state signed with the trusted key', async () => {
    const { ns, report } = await publish('trusted', { signWith: current });
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'app', ns))?.data, { v: '1' });
  });

  it('applies a desired state signed with the second trusted key (rotation)', async () => {
    const { ns, report } = await publish('rotated', { signWith: rotated });
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'app', ns))?.data, { v: '1' });
  });

  const refusals: Array<{ name: string; bundle: string; o: { signWith?: Pair; corruptSignature?: boolean }; error: () => RegExp }> = [
    { name: 'signed with another key', bundle: 'stranger', o: { signWith: stranger }, error: () => new RegExp(`: signed by unknown key ${id(stranger)} \\(trusted: ${id(current)}, ${id(rotated)}\\)$`) },
    { name: 'with a tampered signature', bundle: 'bad-sig', o: { signWith: current, corruptSignature: true }, error: () => new RegExp(`: signature does not verify for key ${id(current)}$`) },
    { name: 'unsigned', bundle: 'unsigned', o: {}, error: () => /: desired state not signed$/ },
  ];
  for (const c of refusals) {
    it(`refuses a desired state ${c.name}: FAILED, nothing applied, not retried`, async () => {
      const { ns, report } = await publish(c.bundle, c.o);
      assert.equal(report.state, SyncState.FAILED);
      assert.equal(report.errors.length, 1);
      assert.match(report.errors[0]!, c.error());
      assert.match(report.errors[0]!, new RegExp(`^desired state ${ctx.cluster}\\.${c.bundle}: `));
      assert.equal(report.generation, 1n, 'the refusal names the generation it refuses');
      assert.deepEqual(report.resources, []);
      assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'nothing applied');
      await sleep(4500); // two resync periods: a refused state without a good one is not retried
      assert.equal((await bundleReports(ctx, c.bundle)).length, 1);
      assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'still nothing applied');
    });
  }

  it('refuses a signed desired state whose bundle bytes were altered in the object store', async () => {
    const bundle = 'altered';
    const ns = `${ctx.id}-${bundle}`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(bundle);
    const good = bundleBytes(bundle, [namespace(ns), configMap('app', { v: '1' }, ns)]);
    const evil = bundleBytes(bundle, [namespace(ns), configMap('app', { v: 'evil' }, ns)]);
    const digest = bundleDigest(good);
    await ctx.hub.putRaw(digest, evil);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { signWith: current });
    const report = await waitBundleReport(ctx, bundle, 'FAILED report of the altered bundle', () => true);
    assert.equal(report.state, SyncState.FAILED);
    assert.deepEqual(report.errors, [`digest mismatch: want ${digest} got ${bundleDigest(evil)}`]);
    assert.equal(await kubeGet(ctx.tb, 'namespace', ns), null, 'nothing applied');
  });

  it('keeps the last verified state enforced when an update is refused, and applies the next good one', async () => {
    const bundle = 'keep';
    const first = await publish(bundle, { signWith: current, generation: 1n, value: '1' });
    assert.equal(first.report.state, SyncState.SYNCED, JSON.stringify(first.report.errors));
    const ns = first.ns;

    // generation 2, signed by a stranger, would set v=evil: refused, v stays 1
    const refusedAt = Date.now();
    const refused = await publish(bundle, { signWith: stranger, generation: 2n, value: 'evil' });
    assert.equal(refused.report.state, SyncState.FAILED);
    assert.match(refused.report.errors[0]!, /signed by unknown key/);
    assert.deepEqual(refused.report.resources, [], 'nothing of the refused state applied');
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'app', ns))?.data, { v: '1' });

    // the resync re-applies generation 1 (the last verified), not the refused generation 2
    const resync = await waitBundleReport(ctx, bundle, 'resync of the last verified generation', (r) => r.trigger === 'resync', { sinceMs: refusedAt });
    assert.equal(resync.generation, 1n);
    assert.equal(resync.state, SyncState.SYNCED, JSON.stringify(resync.errors));
    assert.ok(ctx.agent!.logs(/re-applying the last verified desired state/).length > 0);

    // drift of the last good state is still healed
    await kubectl(ctx.tb, 'patch', 'configmap', 'app', '-n', ns, '--type', 'merge', '-p', '{"data":{"v":"drifted"}}');
    await waitFor('drift healed back to the last verified state', async () => (await kubeGet(ctx.tb, 'configmap', 'app', ns))?.data?.v === '1');
    for (const r of await bundleReports(ctx, bundle)) assert.ok(r.generation !== 2n || r.state === SyncState.FAILED, 'generation 2 is never reported applied');

    // generation 3, signed with the trusted key, applies
    const next = await publish(bundle, { signWith: current, generation: 3n, value: '3' });
    assert.equal(next.report.state, SyncState.SYNCED, JSON.stringify(next.report.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'app', ns))?.data, { v: '3' });
  });

  it('an agent with an unreadable key file does not start; one without keys warns that it does not verify', async () => {
    const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
    const badFile = join(dir, 'bad.pub');
    writeFileSync(badFile, 'not a key');
    const child = spawn(process.execPath, [main, '--cluster', `${ctx.cluster}-bad`, '--nats-url', ctx.tb.natsUrl, '--kubeconfig', ctx.tb.kubeconfig, '--bundle-public-keys', badFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`bundle public key file ${badFile}: `));

    const plain = AgentProcess.start(ctx.tb, { cluster: `${ctx.cluster}-plain`, namespace: `${ctx.agentNamespace}-plain` });
    ctx.namespaces.add(`${ctx.agentNamespace}-plain`);
    try {
      const warn = await waitFor('the no-keys warning', async () => plain.logs(/bundle signatures are not verified: no --bundle-public-keys/)[0]);
      assert.equal(warn.level, 40);
    } finally {
      await plain.stop();
    }
  });
});
