// Status ingestion on a real nats-server (JetStream) and a real PostgreSQL.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import {
  CONTRACT_VERSION,
  create,
  FailureClass,
  HealthStatus,
  HeartbeatSchema,
  heartbeatSubject,
  STATUS_CONSUMER,
  STATUS_STREAM,
  StatusReportSchema,
  statusSubject,
  SyncState,
  toBinary,
} from '@gitfleet/proto';
import { ClustersRepository } from '../src/clusters/clusters.repository.js';
import { dataSourceOptions } from '../src/data-source.js';
import { StatusHandlers } from '../src/messaging/status.handlers.js';
import { connectAndEnsure, type NatsResources } from '../src/nats/nats.service.js';
import { NatsTransport } from '../src/nats/nats.transport.js';
import { DeadLettersRepository } from '../src/status/dead-letters.repository.js';
import { StatusIngestService } from '../src/status/status-ingest.service.js';
import { StatusRepository } from '../src/targets/status.repository.js';
import type { TargetEntity } from '../src/targets/target.entity.js';
import { toTargetView } from '../src/targets/targets.service.js';
import { createTempDatabase, waitFor, NatsServer, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

Logger.overrideLogger(false);

const PIPELINE_RESULT = { published: 0, stored: 0, deleted: 0, unchanged: 0, failedBundles: 0 };

function report(reportId: string, generation: number | bigint, cluster = 'c1', healthMessage = '') {
  return toBinary(
    StatusReportSchema,
    create(StatusReportSchema, {
      contractVersion: CONTRACT_VERSION,
      reportId,
      cluster,
      bundleId: 'src-web',
      revision: 'rev',
      digest: 'sha256-x',
      generation: BigInt(generation),
      healthMessage,
      health: healthMessage ? HealthStatus.DEGRADED : HealthStatus.UNSPECIFIED,
      state: SyncState.SYNCED,
      observedAt: new Date().toISOString(),
      agentVersion: '0.1.0',
    }),
  );
}

describe('status ingestion (real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let nats: NatsServer;
  let res: NatsResources;
  let transport: NatsTransport;
  let handlers: INestMicroservice;
  let ingest: StatusIngestService;
  let triggers = 0;

  const historyCount = async (reportId: string) =>
    Number((await ds.query('SELECT count(*) AS n FROM status_history WHERE report_id = $1', [reportId]))[0].n);

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    ds = new DataSource({ ...dataSourceOptions(db.url), logging: false });
    await ds.initialize();
    await new ClustersRepository(ds).create('c1', {});
    await new ClustersRepository(ds).create('c2', {});
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    res = await connectAndEnsure([nats.url], 'gitfleet-hub-test');
    ingest = new StatusIngestService(new StatusRepository(ds), new ClustersRepository(ds), { trigger: async () => (triggers++, PIPELINE_RESULT) }, new DeadLettersRepository(ds), {
      retry: { maxDeliveries: 4, baseDelayMs: 200, maxDelayMs: 1000 },
    });
    // the app's wiring: the status handler (messaging/) on the NATS transport, as a Nest microservice
    transport = new NatsTransport({ resources: res });
    handlers = await NestFactory.createMicroservice({ module: class StatusHandlersTestModule {}, controllers: [StatusHandlers], providers: [{ provide: StatusIngestService, useValue: ingest }] }, { strategy: transport, logger: false });
    await handlers.listen();
  });

  after(async () => {
    await handlers?.close();
    await res?.nc.close();
    await nats?.dispose();
    await ds?.destroy();
    await db?.drop();
  });

  it('creates the stream with the contract settings and the durable explicit-ack consumer', async () => {
    const si = await res.jsm.streams.info(STATUS_STREAM);
    assert.deepEqual(si.config.subjects, ['fleet.status.>', 'fleet.heartbeat.>']);
    assert.equal(si.config.storage, 'file');
    assert.equal(si.config.duplicate_window, 120_000_000_000);
    assert.equal(si.config.max_age, 7 * 24 * 3600 * 1_000_000_000);
    const ci = await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER);
    assert.equal(ci.config.ack_policy, 'explicit');
    assert.equal(ci.config.durable_name, STATUS_CONSUMER);
  });

  it('stores a report exactly once when it is published twice with the same report_id', async () => {
    const data = report('dup-1', 1);
    const a1 = await res.js.publish(statusSubject('c1'), data, { msgID: 'dup-1' });
    const a2 = await res.js.publish(statusSubject('c1'), data, { msgID: 'dup-1' });
    assert.equal(a2.duplicate, true); // JetStream de-duplication (Nats-Msg-Id)
    assert.equal(a1.duplicate, false);
    // a re-send outside the duplicate window (different Nats-Msg-Id) is caught by the database
    await res.js.publish(statusSubject('c1'), data, { msgID: 'dup-1-resend' });
    await waitFor('report stored', async () => (await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER)).num_ack_pending === 0 && (await historyCount('dup-1')) === 1, 5000);
    await waitFor('all consumed', async () => (await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER)).num_pending === 0, 5000);
    assert.equal(await historyCount('dup-1'), 1);
    const rows = await ds.query(`SELECT generation, state FROM target_status WHERE cluster = 'c1' AND bundle_id = 'src-web'`);
    assert.deepEqual(rows, [{ generation: '1', state: 'Synced' }]);
  });

  it('refuses a report whose cluster differs from its subject, and records heartbeats', async () => {
    await res.js.publish(statusSubject('c2'), report('spoofed', 5, 'c1'), { msgID: 'spoofed' });
    const hb = create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '9.9.9', sentAt: new Date().toISOString(), targets: 1 });
    await res.js.publish(heartbeatSubject('c1'), toBinary(HeartbeatSchema, hb));
    await waitFor('heartbeat stored', async () => (await ds.query(`SELECT agent_version FROM clusters WHERE name = 'c1'`))[0].agent_version === '9.9.9', 5000);
    await waitFor('refused message settled', async () => (await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER)).num_ack_pending === 0, 5000);
    assert.equal(await historyCount('spoofed'), 0);
  });

  it('stores the Kubernetes version a heartbeat reports and runs the pipeline once per change', async () => {
    const before = triggers;
    const send = (kubernetesVersion: string) =>
      res.js.publish(heartbeatSubject('c1'), toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '9.9.9', kubernetesVersion })));
    await send('v1.36.3');
    await waitFor('version stored', async () => (await ds.query(`SELECT kubernetes_version FROM clusters WHERE name = 'c1'`))[0].kubernetes_version === 'v1.36.3', 5000);
    await waitFor('pipeline triggered', async () => triggers === before + 1, 5000);
    await send('v1.36.3');
    await waitFor('heartbeat settled', async () => {
      const ci = await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    }, 5000);
    assert.equal(triggers, before + 1);
  });

  it('stores the failure class a report carries, shows it in the target view and history, and clears it with the next success', async () => {
    const send = (reportId: string, generation: number, state: SyncState, failureClass?: FailureClass) =>
      res.js.publish(statusSubject('c1'), toBinary(StatusReportSchema, create(StatusReportSchema, {
        contractVersion: CONTRACT_VERSION, reportId, cluster: 'c1', bundleId: 'src-fc', revision: 'rev', digest: 'sha256-fc', generation: BigInt(generation),
        state, errors: state === SyncState.FAILED ? ['bundle sha256-fc: cannot decode BundleManifest'] : [], observedAt: new Date().toISOString(), agentVersion: '0.1.0',
        ...(failureClass !== undefined ? { failureClass } : {}),
      })), { msgID: reportId });
    const statuses = new StatusRepository(ds);
    const target = { cluster: 'c1', bundleId: 'src-fc', revision: 'rev', digest: 'sha256-fc', generation: 1, publishedAt: new Date(), targetNamespace: '', defaultNamespace: '', syncPolicy: { automated: true, prune: true, selfHeal: true }, ignoreDifferences: [], syncRequest: 0 } as unknown as TargetEntity;
    const view = async () => toTargetView(target, (await statuses.getStatuses([{ cluster: 'c1', bundleId: 'src-fc' }])).get('c1.src-fc') ?? null, null);
    const stored = (id: string) => waitFor(`${id} stored`, async () => (await historyCount(id)) === 1, 5000);

    await send('fc-terminal', 1, SyncState.FAILED, FailureClass.TERMINAL);
    await stored('fc-terminal');
    assert.deepEqual(await ds.query(`SELECT failure_class FROM target_status WHERE cluster = 'c1' AND bundle_id = 'src-fc'`), [{ failure_class: 'terminal' }]);
    const failed = await view();
    assert.deepEqual([failed.status, failed.applied?.failureClass], ['Failed', 'terminal']);

    await send('fc-transient', 2, SyncState.FAILED, FailureClass.TRANSIENT);
    await stored('fc-transient');
    assert.equal((await view()).applied?.failureClass, 'transient');

    // an agent release that does not classify its failures: no class, not a guess
    await send('fc-unclassified', 3, SyncState.FAILED);
    await stored('fc-unclassified');
    assert.equal((await view()).applied?.failureClass, null);

    await send('fc-synced', 4, SyncState.SYNCED);
    await stored('fc-synced');
    const ok = await view();
    assert.deepEqual([ok.status, ok.applied?.failureClass], ['Synced', null]);
    const history = await statuses.history('c1', 'src-fc', 10);
    assert.deepEqual(history.map((h) => [h.reportId, h.failureClass]), [['fc-synced', null], ['fc-unclassified', null], ['fc-transient', 'transient'], ['fc-terminal', 'terminal']]);
  });

  it('keeps consuming after nats-server restarts', async () => {
    await nats.restart();
    await waitFor('reconnect', async () => !res.nc.isClosed() && (await res.jsm.streams.info(STATUS_STREAM).then(() => true, () => false)), 15_000);
    await res.js.publish(statusSubject('c1'), report('after-restart', 2), { msgID: 'after-restart' });
    await waitFor('report after restart stored', async () => (await historyCount('after-restart')) === 1, 20_000);
    const rows = await ds.query(`SELECT generation FROM target_status WHERE cluster = 'c1' AND bundle_id = 'src-web'`);
    assert.deepEqual(rows, [{ generation: '2' }]);
  });

  const deadLetters = async (): Promise<Array<{ subject: string; reason: string; size: number; delivery_count: number }>> =>
    ds.query('SELECT subject, reason, size, delivery_count FROM status_dead_letters ORDER BY id');
  const settled = () =>
    waitFor('every message settled', async () => {
      const ci = await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    }, 15_000);

  it('dead-letters poison reports with their reason; the reports behind them are stored within 1 s', async () => {
    await settled();
    await ds.query('DELETE FROM status_dead_letters');
    // generation 2^63-1 (int64 max) becomes 9223372036854776000 as a JS number, above PostgreSQL bigint (SQLSTATE 22003): the database refuses this report forever
    await res.js.publish(statusSubject('c1'), report('poison-bigint', 2n ** 63n - 1n), { msgID: 'poison-bigint' });
    await res.js.publish(statusSubject('c1'), new Uint8Array([0xff, 0xff, 0xff, 0x00]), { msgID: 'poison-garbage' });
    const sent = performance.now();
    await res.js.publish(statusSubject('c2'), report('behind-other-cluster', 1, 'c2'), { msgID: 'behind-other-cluster' });
    await res.js.publish(statusSubject('c1'), report('behind-same-cluster', 3), { msgID: 'behind-same-cluster' });
    await waitFor('reports behind the poison stored', async () => (await historyCount('behind-other-cluster')) === 1 && (await historyCount('behind-same-cluster')) === 1, 5000);
    const ms = performance.now() - sent;
    assert.ok(ms < 1000, `reports behind the poison took ${Math.round(ms)} ms`);

    await settled();
    const letters = await deadLetters();
    assert.deepEqual(letters.map((l) => [l.subject, l.delivery_count]), [['fleet.status.c1', 1], ['fleet.status.c1', 1]]);
    assert.ok(letters.some((l) => /^undecodable protobuf/.test(l.reason) && l.size === 4), JSON.stringify(letters));
    assert.ok(letters.some((l) => /SQLSTATE 22003/.test(l.reason)), JSON.stringify(letters));
    assert.equal(await historyCount('poison-bigint'), 0);
  });

  it('stores a report whose health_message holds \\u0000, without the NUL characters', async () => {
    await res.js.publish(statusSubject('c1'), report('nul-message', 4, 'c1', 'crash\u0000loop'), { msgID: 'nul-message' });
    await waitFor('NUL report stored', async () => (await historyCount('nul-message')) === 1, 5000);
    const rows = await ds.query(`SELECT health_message FROM status_history WHERE report_id = 'nul-message'`);
    assert.deepEqual(rows, [{ health_message: 'crashloop' }]);
  });

  it('retries a report the database fails to store with a backoff, and dead-letters it after maxDeliveries', async () => {
    await settled();
    await ds.query('DELETE FROM status_dead_letters');
    // a real PostgreSQL error outside the data classes (P0001, raise_exception): transient by our rules
    await ds.query(`CREATE FUNCTION refuse_stuck() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.report_id = 'stuck' THEN RAISE EXCEPTION 'stuck report'; END IF; RETURN NEW; END $$`);
    await ds.query(`CREATE TRIGGER refuse_stuck BEFORE INSERT ON status_history FOR EACH ROW EXECUTE FUNCTION refuse_stuck()`);
    try {
      const sent = performance.now();
      await res.js.publish(statusSubject('c1'), report('stuck', 5), { msgID: 'stuck' });
      const letter = await waitFor('stuck report dead-lettered', async () => (await deadLetters())[0], 10_000);
      const ms = performance.now() - sent;
      assert.match(letter.reason, /^not stored after 4 deliveries: .*stuck report/);
      assert.equal(letter.delivery_count, 4);
      // three naks with 200, 400 and 800 ms before the fourth delivery
      assert.ok(ms >= 1400, `dead-lettered after ${Math.round(ms)} ms, before the backoff`);
      await settled();
    } finally {
      await ds.query('DROP TRIGGER refuse_stuck ON status_history');
      await ds.query('DROP FUNCTION refuse_stuck()');
    }
  });

  it('loses nothing while the database is unreachable: redelivered until it is back, then stored', async () => {
    await settled();
    await ds.query('DELETE FROM status_dead_letters');
    const admin = new DataSource({ type: 'postgres', url: (await loadTestbed()).databaseUrl, logging: false });
    await admin.initialize();
    try {
      await admin.query(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db.name]);
      await res.js.publish(statusSubject('c1'), report('during-outage', 6), { msgID: 'during-outage' });
      // longer than maxDeliveries × the backoff: neither stored nor dead-lettered can happen, so it must keep coming back
      await new Promise((r) => setTimeout(r, 4000));
      const ci = await res.jsm.consumers.info(STATUS_STREAM, STATUS_CONSUMER);
      assert.ok(ci.num_ack_pending + ci.num_pending >= 1, 'the report is still pending');
      assert.ok(ci.num_redelivered >= 1, 'the report was redelivered');
    } finally {
      await admin.query(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
      await admin.destroy();
    }
    await waitFor('report stored after the outage', async () => (await historyCount('during-outage')) === 1, 10_000);
    assert.deepEqual(await deadLetters(), []);
  });

  it('stores 10,000 applied reports of 1,000 targets with their kept revisions (throughput)', async (t) => {
    await settled();
    const n = 10_000;
    const messages = Array.from({ length: n }, (_, i) => {
      const bundleId = `b${i % 1000}`;
      const gen = Math.floor(i / 1000) + 1;
      return toBinary(StatusReportSchema, create(StatusReportSchema, {
        contractVersion: CONTRACT_VERSION, reportId: `tp-${i}`, cluster: 'c1', bundleId, revision: `rev${gen}`, digest: `sha256-tp-${gen}`,
        generation: BigInt(gen), state: SyncState.SYNCED, trigger: 'update', observedAt: new Date(Date.now() + i).toISOString(), agentVersion: '0.1.0',
      }));
    });
    // publish first with the consumer paused by stopping the service, then measure the drain alone
    await transport.close();
    for (let i = 0; i < n; i += 500) await Promise.all(messages.slice(i, i + 500).map((m, j) => res.js.publish(statusSubject('c1'), m, { msgID: `tp-${i + j}` })));
    const started = performance.now();
    await new Promise<void>((resolve, reject) => transport.listen((err) => (err ? reject(err) : resolve())));
    await waitFor('all stored', async () => Number((await ds.query(`SELECT count(*) AS n FROM status_history WHERE report_id LIKE 'tp-%'`))[0].n) === n, 60_000);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`${n} reports stored in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} reports/s`);
    // 10 applied digests per target, the default N kept
    const kept = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT bundle_id)::int AS targets FROM target_revisions WHERE bundle_id LIKE 'b%'`);
    assert.deepEqual(kept, [{ n: 10_000, targets: 1000 }]);
    assert.ok(n / seconds > 1000, `${Math.round(n / seconds)} reports/s`);
  });
});
