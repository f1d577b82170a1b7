/**
 * Cold start while NATS is down, on real servers (a private nats-server the test stops, the real
 * kube-apiserver, kubectl): an agent that applied a target keeps its last verified desired state
 * and bundle in a Secret of its namespace; restarted while NATS is stopped, it heals a manual edit
 * within seconds (from the cached state, verified again), and its reports reach the hub once
 * NATS is back. A cached bundle that does not match its digest is refused (nothing applied from it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SyncState } from '@gitfleet/proto';
import { NatsServer, waitFor } from '@gitfleet/testing';
import {
  closeSuite, configMap, type KubeJson, kubectl, kubeGet, namespace, openSuite, startAgent, type SuiteContext, testbed,
} from './testbed.js';

describe('cold start while NATS is down', () => {
  let ctx: SuiteContext;
  let nats: NatsServer;
  let ns: string;
  const BUNDLE = 'cold';
  const stateSecrets = async (): Promise<KubeJson[]> =>
    (JSON.parse(await kubectl(ctx.tb, 'get', 'secrets', '-n', ctx.agentNamespace, '-l', 'gitfleet.io/state-cache=v1', '-o', 'json')) as KubeJson).items as KubeJson[];

  before(async () => {
    nats = await NatsServer.start((await testbed()).bin, { name: 'agent-test' });
    ctx = await openSuite('cold', nats.url);
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    startAgent(ctx, { natsUrl: nats.url, args: ['--resync-interval', '30'] });
  });
  after(async () => {
    await closeSuite(ctx);
    await nats?.dispose();
  });

  it('keeps the last verified desired state and bundle in a Secret', async () => {
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', [namespace(ns), configMap('a', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 1', (r) => r.generation === 1n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    const [secret] = await waitFor('state Secret written', async () => ((await stateSecrets()).length === 1 ? stateSecrets() : undefined), 10_000);
    assert.equal(secret?.metadata.annotations['gitfleet.io/bundle-id'], BUNDLE);
    assert.equal(secret?.metadata.annotations['gitfleet.io/digest'], digest);
    assert.equal(secret?.metadata.labels['app.kubernetes.io/managed-by'], 'gitfleet');
  });

  let restartedAt = 0;
  it('restarted while NATS is stopped, heals a manual edit within seconds', async () => {
    await ctx.agent!.stop();
    await nats.stop();
    await kubectl(ctx.tb, 'patch', 'configmap', 'a', '-n', ns, '--type', 'merge', '-p', '{"data":{"v":"edited-while-down"}}');
    restartedAt = Date.now();
    startAgent(ctx, { natsUrl: nats.url, args: ['--resync-interval', '30'] });
    await waitFor('edit made before the start healed', async () => (await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.v === '1', 15_000);
    const healedMs = Date.now() - restartedAt;
    assert.ok(ctx.agent!.logs(/enforcing the cached desired states/).length === 1, 'enforced from the cache');
    assert.equal(ctx.agent!.logs(/connected to NATS/).length, 0, 'NATS was not there');
    // an edit while the agent runs without NATS: healed by the keeper from the cached state
    const t1 = Date.now();
    await kubectl(ctx.tb, 'patch', 'configmap', 'a', '-n', ns, '--type', 'merge', '-p', '{"data":{"v":"edited-again"}}');
    await waitFor('edit while running without NATS healed', async () => (await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.v === '1', 5_000);
    process.stderr.write(`cold start without NATS: start → edit healed ${healedMs} ms; live edit → healed ${Date.now() - t1} ms\n`);
  });

  it('reports reach the hub once NATS is back', async () => {
    await nats.start();
    const upAt = Date.now();
    const r = await ctx.hub.waitReport(ctx.cluster, 'a report made before NATS was back', (x) => Date.parse(x.observedAt) >= restartedAt && Date.parse(x.observedAt) < upAt, 30_000);
    assert.equal(r.bundleId, BUNDLE);
    assert.equal(r.generation, 1n);
  });

  it('refuses a cached bundle whose bytes do not match its digest', async () => {
    await ctx.agent!.stop();
    await nats.stop();
    const [secret] = await stateSecrets();
    assert.ok(secret);
    // a different, valid gzip stream: decodes, but its sha256 is not the digest
    const { gzipSync } = await import('node:zlib');
    const forged = gzipSync(Buffer.from('not the bundle')).toString('base64');
    await kubectl(ctx.tb, 'patch', 'secret', secret.metadata.name, '-n', ctx.agentNamespace, '--type', 'merge', '-p', JSON.stringify({ data: { 'bundle.gz': forged } }));
    await kubectl(ctx.tb, 'patch', 'configmap', 'a', '-n', ns, '--type', 'merge', '-p', '{"data":{"v":"edited-3"}}');
    startAgent(ctx, { natsUrl: nats.url, args: ['--resync-interval', '30'] });
    await waitFor('the refusal logged', async () => ctx.agent!.logs(/^reconciled$/).some((l) => JSON.stringify(l.errors).includes('digest mismatch')), 15_000);
    assert.equal((await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.v, 'edited-3', 'nothing applied from a forged cache');
    await nats.start();
    await waitFor('the real desired state from NATS takes over and heals', async () => (await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.v === '1', 30_000);
  });
});
