// Issue #9, test 11: a poison status report published on a real cluster's status subject is
// dead-lettered with its reason, and the reports behind it (other clusters' and the same
// cluster's) keep arriving without delay. Also: no credential in any agent log line — the agents
// get a NATS URL with a user and password, and every line of every agent log is scanned for them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CONTRACT_VERSION, create, HealthStatus, StatusReportSchema, statusSubject, SyncState, toBinary } from '@gitfleet/proto';
import { eventually } from '@gitfleet/testing';
import { describeHits, Fleet, scanFiles } from '../support/index.js';

const NS = 'e2e-dead-letters';
const BUNDLE = 'dead-letters-app';
const SPOKES = ['spoke1', 'spoke2'];
/** NATS user info the agents get in their URL: secrets that must never reach a log line. */
const NATS_USER = 'e2e-dead-letters-natsuser';
const NATS_PASSWORD = 'e2e-dl-nats-password-9f3c1a7b';

interface DeadLetterView { id: number; cluster: string; subject: string; streamSequence: number; deliveryCount: number; reason: string; receivedAt: string; size: number; truncated: boolean; data: string }

function configMap(value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dl-config\ndata:\n  value: "${value}"\n`;
}

/** A well-formed StatusReport of `cluster` for a bundle no target has (it only shows in history). */
function probeReport(cluster: string, reportId: string, over: { generation?: bigint; healthMessage?: string } = {}): Uint8Array {
  return toBinary(StatusReportSchema, create(StatusReportSchema, {
    contractVersion: CONTRACT_VERSION,
    reportId,
    cluster,
    bundleId: 'dl-probe',
    revision: 'probe',
    digest: 'sha256-probe',
    generation: over.generation ?? 1n,
    state: SyncState.SYNCED,
    observedAt: new Date().toISOString(),
    agentVersion: 'e2e',
    ...(over.healthMessage !== undefined ? { health: HealthStatus.DEGRADED, healthMessage: over.healthMessage } : {}),
  }));
}

describe('status dead letters: a poison report never blocks the ones behind it (test 11)', () => {
  let fleet: Fleet;
  let nc: NatsConnection;

  before(async () => {
    fleet = await Fleet.start({
      name: 'dead-letters',
      clusters: { spoke1: { env: 'dl' }, spoke2: { env: 'dl' } },
      namespaces: [NS],
      agentNatsUserInfo: { user: NATS_USER, password: NATS_PASSWORD },
    });
    nc = await connect({ servers: fleet.nats.url });
  });
  after(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  it('dead-letters poison reports with their reason; the reports behind them arrive at once', async () => {
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/configmap.yaml', configMap('one'));
    const first = await fleet.repo.commitAndPush('dead letters app');
    await fleet.api.createSource({ name: 'dead-letters', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, SPOKES);

    const js = jetstream(nc);
    // 1. bytes that are no StatusReport; 2. a report whose generation PostgreSQL's bigint cannot hold
    await js.publish(statusSubject('spoke1'), new Uint8Array([0xff, 0xfe, 0x00, 0x01]), { msgID: 'dl-garbage' });
    await js.publish(statusSubject('spoke1'), probeReport('spoke1', 'dl-bigint', { generation: 2n ** 63n - 1n }), { msgID: 'dl-bigint' });
    // 3. a report with NUL characters in health_message: repaired and stored
    await js.publish(statusSubject('spoke1'), probeReport('spoke1', 'dl-nul', { healthMessage: 'crash\u0000loop' }), { msgID: 'dl-nul' });
    // right behind them: another cluster's report and the same cluster's
    const sent = performance.now();
    await js.publish(statusSubject('spoke2'), probeReport('spoke2', 'dl-behind-spoke2'), { msgID: 'dl-behind-spoke2' });
    await js.publish(statusSubject('spoke1'), probeReport('spoke1', 'dl-behind-spoke1'), { msgID: 'dl-behind-spoke1' });
    await eventually('reports behind the poison stored', async () => {
      const ids = [...(await fleet.api.history('spoke1', 'dl-probe')), ...(await fleet.api.history('spoke2', 'dl-probe'))].map((h) => h.reportId);
      for (const id of ['dl-behind-spoke1', 'dl-behind-spoke2', 'dl-nul']) assert.ok(ids.includes(id), `${id} not stored yet`);
    }, 5_000, 20);
    const ms = performance.now() - sent;
    console.log(`reports behind the poison stored ${Math.round(ms)} ms after they were published`);
    assert.ok(ms < 1000, `reports behind the poison took ${Math.round(ms)} ms`);

    const stored = (await fleet.api.get<Array<{ reportId: string; health: { message: string } }>>('/api/v1/targets/spoke1/dl-probe/history')).find((h) => h.reportId === 'dl-nul');
    assert.equal(stored?.health.message, 'crashloop');

    const letters = await eventually('dead letters listed', async () => {
      const l = await fleet.api.get<DeadLetterView[]>('/api/v1/status/dead-letters?cluster=spoke1');
      assert.equal(l.length, 2);
      return l;
    }, 5_000);
    const garbage = letters.find((l) => /^undecodable protobuf/.test(l.reason));
    const bigint = letters.find((l) => /refused by the database \(SQLSTATE 22003\)/.test(l.reason));
    assert.ok(garbage, JSON.stringify(letters));
    assert.ok(bigint, JSON.stringify(letters));
    assert.deepEqual([garbage.subject, garbage.size, Buffer.from(garbage.data, 'base64').toString('hex'), garbage.deliveryCount], ['fleet.status.spoke1', 4, 'fffe0001', 1]);
    assert.equal(bigint.deliveryCount, 1, 'dead-lettered at the first delivery, not after retries');
    assert.deepEqual(await fleet.api.get<DeadLetterView[]>('/api/v1/status/dead-letters?cluster=spoke2'), []);

    // the agents' own reports keep arriving: a new commit reaches both clusters, spoke1 included
    fleet.repo.write('app/configmap.yaml', configMap('two'));
    const second = await fleet.repo.commitAndPush('second revision');
    await fleet.api.pushWebhook('dead-letters', second);
    await fleet.waitForRevision(BUNDLE, second, SPOKES, { timeoutMs: 30_000 });
    for (const spoke of SPOKES) {
      const cm = await fleet.kubectl(spoke).get('configmap', 'dl-config', NS) as { data?: Record<string, string> } | undefined;
      assert.equal(cm?.data?.value, 'two', `${spoke} has the second revision`);
    }
  });

  it('no agent log line holds the NATS user or password of the agents\' URL', async () => {
    const files = fleet.agentLogFiles();
    assert.ok(files.length >= SPOKES.length);
    const hits = scanFiles(files, [{ label: 'NATS user', value: NATS_USER }, { label: 'NATS password', value: NATS_PASSWORD }]);
    assert.deepEqual(hits, [], describeHits(hits));
  });
});
