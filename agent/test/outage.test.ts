/**
 * Outages of the parts the agent depends on, on real servers:
 *   - NATS restart: the desired-state watch resumes, the agent keeps enforcing (resync heals
 *     drift) while NATS is down, buffered status reports are delivered in order afterwards, and
 *     heartbeats resume. Uses a private nats-server (the test bed's binary) so it can restart it.
 *   - apiserver unreachable: FAILED with the reason, retried with backoff, recovers by itself.
 *     The network path is cut with a TCP relay in front of the real kube-apiserver.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SyncState } from '@gitfleet/proto';
import { freePort, NatsServer, waitFor } from '@gitfleet/testing';
import {
  closeSuite, configMap, kubeconfigVia, kubeGet, kubectl, namespace, openSuite, startAgent, type SuiteContext, TcpRelay, testbed,
} from './testbed.js';

describe('NATS restart', () => {
  let ctx: SuiteContext;
  let nats: NatsServer;
  let ns: string;
  const bundle = 'outage';

  before(async () => {
    nats = await NatsServer.start((await testbed()).bin, { name: 'agent-test' });
    ctx = await openSuite('nr', nats.url);
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    startAgent(ctx, { natsUrl: nats.url, args: ['--resync-interval', '1'] });
  });
  after(async () => {
    await closeSuite(ctx);
    await nats?.dispose();
  });

  it('applies the first desired state', async () => {
    const digest = await ctx.hub.putBundle(bundle, 'rev1', [namespace(ns), configMap('a', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { generation: 1n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 1', (r) => r.generation === 1n);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
  });

  let downAt: Date;
  let upAt: Date;
  it('keeps enforcing while NATS is down (resync heals drift)', async () => {
    await nats.stop();
    downAt = new Date();
    await kubectl(ctx.tb, 'patch', 'configmap', 'a', '-n', ns, '--type', 'merge', '-p', '{"data":{"v":"drifted"}}');
    await waitFor('drift healed by the resync while NATS is down', async () => (await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data.v === '1', 15_000);
    await sleep(2000);
    assert.ok(ctx.agent!.logs(/NATS disconnected/).length > 0, 'the agent saw the outage');
    await nats.start();
    upAt = new Date();
    await waitFor('the agent to reconnect', async () => ctx.agent!.logs(/NATS reconnected/).length > 0, 15_000);
  });

  it('delivers the status reports buffered during the outage, in order, once', async () => {
    const reports = await waitFor('buffered reports delivered', async () => {
      const all = await ctx.hub.reports(ctx.cluster);
      const during = all.filter((r) => new Date(r.observedAt) > downAt && new Date(r.observedAt) < upAt);
      return during.length >= 2 ? all : undefined;
    }, 30_000);
    const times = reports.map((r) => Date.parse(r.observedAt));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'delivered in order');
    assert.equal(new Set(reports.map((r) => r.reportId)).size, reports.length, 'no report twice');
  });

  it('resumes the desired-state watch after the restart', async () => {
    const digest = await ctx.hub.putBundle(bundle, 'rev2', [namespace(ns), configMap('a', { v: '2' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, bundle, digest, { revision: 'rev2', generation: 2n });
    const report = await ctx.hub.waitReport(ctx.cluster, 'report of generation 2 after the restart', (r) => r.generation === 2n, 30_000);
    assert.equal(report.state, SyncState.SYNCED, JSON.stringify(report.errors));
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'a', ns))?.data, { v: '2' });
  });

  it('resumes heartbeats', async () => {
    await waitFor('a heartbeat after the restart', async () =>
      (await ctx.hub.heartbeats(ctx.cluster)).some((h) => new Date(h.sentAt) > upAt && h.targets === 1), 15_000);
  });
});

describe('apiserver unreachable', () => {
  let ctx: SuiteContext;
  let relay: TcpRelay;
  let ns: string;
  let kcPath: string;

  before(async () => {
    ctx = await openSuite('au');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add('unreachable');
    const port = await freePort();
    const kc = kubeconfigVia(ctx.tb, port);
    kcPath = kc.path;
    relay = new TcpRelay(port, kc.target.host, kc.target.port); // not opened: the apiserver is unreachable
    startAgent(ctx, { kubeconfig: kc.path });
  });
  after(async () => {
    await relay.close();
    await closeSuite(ctx);
    rmSync(dirname(kcPath), { recursive: true, force: true });
  });

  it('reports FAILED with the reason and retries with backoff', async () => {
    const digest = await ctx.hub.putBundle('unreachable', 'rev1', [namespace(ns), configMap('a', { v: '1' }, ns)]);
    await ctx.hub.putDesired(ctx.cluster, 'unreachable', digest);
    const first = await ctx.hub.waitReport(ctx.cluster, 'a FAILED report', (r) => r.bundleId === 'unreachable');
    assert.equal(first.state, SyncState.FAILED);
    assert.match(first.errors.join('\n'), /ECONNREFUSED|fetch failed/);
    await waitFor('a retry', async () => (await ctx.hub.reports(ctx.cluster)).length >= 2, 10_000);
  });

  it('recovers when the apiserver is reachable again', async () => {
    await relay.open();
    const report = await ctx.hub.waitReport(ctx.cluster, 'SYNCED after recovery', (r) => r.state === SyncState.SYNCED, 60_000);
    assert.equal(report.bundleId, 'unreachable');
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'a', ns));
  });
});

