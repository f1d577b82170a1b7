import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { create, CONTRACT_VERSION, FailureClass, HealthStatus, HeartbeatSchema, ResourceAction, SpokeHoldSchema, StatusReportSchema, SyncState, SyncStatus, toBinary, type StatusReport } from '@gitfleet/proto';
import type { ClustersRepository } from '../clusters/clusters.repository.js';
import type { Pipeline } from '../pipeline.js';
import { strictMock } from '../testing/strict-mock.js';
import { decodeStatusMessage, MAX_HOLD_TEXT, StatusIngestService, toHold } from './status-ingest.service.js';
import type { DeadLetterInput, DeadLettersRepository } from './dead-letters.repository.js';
import type { StatusRecord, StatusRepository } from '../targets/status.repository.js';

Logger.overrideLogger(false);

const NOW = new Date('2026-01-01T00:00:00Z');

function report(over: Partial<Omit<StatusReport, '$typeName' | 'timings' | 'resources' | 'drift' | 'orphaned'>> & { resources?: unknown[]; drift?: unknown[]; orphaned?: unknown[] } = {}) {
  return toBinary(
    StatusReportSchema,
    create(StatusReportSchema, {
      contractVersion: CONTRACT_VERSION,
      reportId: 'r1',
      cluster: 'c1',
      bundleId: 'src-web',
      revision: 'abc',
      digest: 'sha256-x',
      generation: 3n,
      state: SyncState.SYNCED,
      resources: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: ResourceAction.CREATED, message: '' }],
      timings: { fetchMs: 1, applyMs: 2, pruneMs: 0, totalMs: 3 },
      observedAt: '2025-12-31T23:59:59Z',
      agentVersion: '0.1.0',
      ...(over as object),
    }),
  );
}

function msg(subject: string, data: Uint8Array, deliveryCount = 1, seq = 1) {
  const calls: string[] = [];
  const m = {
    subject,
    data,
    seq,
    info: { deliveryCount },
    ack: () => calls.push('ack'),
    term: () => calls.push('term'),
    nak: (delay?: number) => calls.push(delay === undefined ? 'nak' : `nak ${delay}`),
  } as unknown as JsMsg;
  return { m, calls };
}

describe('decodeStatusMessage', () => {
  it('decodes a status report into a record', () => {
    const d = decodeStatusMessage('fleet.status.c1', report(), NOW);
    assert.equal(d.kind, 'report');
    if (d.kind !== 'report') return;
    assert.equal(d.record.generation, 3);
    assert.equal(d.record.state, 'Synced');
    assert.deepEqual(d.record.resources[0], { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: 'created', message: '', health: { status: 'Unknown', message: '' } });
    assert.equal(d.record.observedAt.toISOString(), '2025-12-31T23:59:59.000Z');
    assert.deepEqual(d.record.timings, { fetchMs: 1, applyMs: 2, pruneMs: 0, totalMs: 3 });
    // an agent that sends no sync status / health: derived from the state and the objects
    assert.deepEqual([d.record.syncStatus, d.record.health, d.record.trigger, d.record.applied], ['Synced', 'Unknown', '', true]);
  });

  it('maps sync status, health, drift, orphans, trigger and sync_request', () => {
    const d = decodeStatusMessage('fleet.status.c1', report({
      syncStatus: SyncStatus.OUT_OF_SYNC,
      health: HealthStatus.DEGRADED,
      healthMessage: 'Deployment web/web: 0 of 3 available',
      trigger: 'drift',
      syncRequest: 4n,
      resources: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web', action: ResourceAction.UNCHANGED, health: HealthStatus.DEGRADED, healthMessage: '0 of 3 available' }],
      drift: [{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' }, diffs: [{ path: '/spec/replicas', desired: '3', live: '0', manager: 'kubectl-edit' }], conflictManager: 'kubectl-edit', conflictMessage: 'keeps writing /spec/replicas' }],
      orphaned: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old' }],
    }), NOW);
    assert.equal(d.kind, 'report');
    if (d.kind !== 'report') return;
    const r = d.record;
    assert.deepEqual([r.syncStatus, r.health, r.healthMessage, r.trigger, r.syncRequest, r.applied], ['OutOfSync', 'Degraded', 'Deployment web/web: 0 of 3 available', 'drift', 4, false]);
    assert.deepEqual(r.resources[0]!.health, { status: 'Degraded', message: '0 of 3 available' });
    assert.deepEqual(r.drift, [{
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
      missing: false,
      diffs: [{ path: '/spec/replicas', desired: '3', live: '0', manager: 'kubectl-edit' }],
      healed: false,
      conflict: { manager: 'kubectl-edit', message: 'keeps writing /spec/replicas' },
    }]);
    assert.deepEqual(r.orphaned, [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old' }]);
  });

  it('rolls target health up from the objects when the agent sent none', () => {
    const d = decodeStatusMessage('fleet.status.c1', report({
      resources: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'a', action: ResourceAction.UNCHANGED, health: HealthStatus.HEALTHY },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'b', action: ResourceAction.CONFIGURED, health: HealthStatus.PROGRESSING, healthMessage: 'rolling out' },
      ],
    }), NOW);
    assert.equal(d.kind, 'report');
    if (d.kind === 'report') assert.deepEqual([d.record.health, d.record.healthMessage], ['Progressing', 'Deployment web/b: rolling out']);
  });

  it('refuses a report whose cluster differs from the subject token', () => {
    assert.equal(decodeStatusMessage('fleet.status.c2', report(), NOW).kind, 'refused');
  });

  it('refuses an incompatible contract version', () => {
    const d = decodeStatusMessage('fleet.status.c1', report({ contractVersion: '2.0.0' }), NOW);
    assert.deepEqual(d.kind, 'refused');
  });

  it('names the refusal: incompatible contract, or undecodable protobuf with the decoder\'s reason', () => {
    assert.deepEqual(decodeStatusMessage('fleet.status.c1', report({ contractVersion: '2.0.0' }), NOW), { kind: 'refused', reason: 'incompatible contract_version "2.0.0" (reads 1.x)' });
    const garbage = decodeStatusMessage('fleet.heartbeat.c1', new Uint8Array([0xff, 0xff, 0xff]), NOW);
    assert.ok(garbage.kind === 'refused' && /^undecodable protobuf: \S/.test(garbage.reason), JSON.stringify(garbage));
  });

  it('maps the failure class; none when the agent did not say', () => {
    const table: Array<[FailureClass, string | null]> = [
      [FailureClass.TERMINAL, 'terminal'],
      [FailureClass.WAITING, 'waiting'],
      [FailureClass.TRANSIENT, 'transient'],
      [FailureClass.UNSPECIFIED, null],
    ];
    for (const [failureClass, want] of table) {
      const d = decodeStatusMessage('fleet.status.c1', report({ state: SyncState.FAILED, failureClass }), NOW);
      assert.ok(d.kind === 'report');
      assert.equal(d.record.failureClass, want);
    }
  });

  it('refuses garbage and unknown subjects', () => {
    assert.equal(decodeStatusMessage('fleet.status.c1', new Uint8Array([0xff, 0xff, 0xff]), NOW).kind, 'refused');
    assert.equal(decodeStatusMessage('fleet.other.c1', report(), NOW).kind, 'refused');
  });

  it('decodes a heartbeat', () => {
    const hb = toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '0.2.0', sentAt: '', targets: 2 }));
    assert.deepEqual(decodeStatusMessage('fleet.heartbeat.c1', hb, NOW), { kind: 'heartbeat', update: { cluster: 'c1', agentVersion: '0.2.0', kubernetesVersion: '', seenAt: NOW, hold: null } });
  });

  it('decodes the spoke-side hold of a heartbeat: present → set, absent → null (lifted)', () => {
    const held = toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', hold: { reason: 'freeze', since: '2026-12-01T08:00:00Z', source: 'configmap gitfleet-system/gitfleet-hold' } }));
    const d = decodeStatusMessage('fleet.heartbeat.c1', held, NOW);
    assert.deepEqual(d.kind === 'heartbeat' && d.update.hold, { reason: 'freeze', since: new Date('2026-12-01T08:00:00Z'), source: 'configmap gitfleet-system/gitfleet-hold' });
    const free = decodeStatusMessage('fleet.heartbeat.c1', toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1' })), NOW);
    assert.equal(free.kind === 'heartbeat' && free.update.hold, null);
  });

  const holds: Array<[string, Parameters<typeof toHold>[0], ReturnType<typeof toHold>]> = [
    ['absent: null', undefined, null],
    ['trimmed reason and source', create(SpokeHoldSchema, { reason: ' r ', since: '2026-12-01T08:00:00Z', source: ' setting ' }), { reason: 'r', since: new Date('2026-12-01T08:00:00Z'), source: 'setting' }],
    ['an empty reason says so', create(SpokeHoldSchema, { reason: '', since: '2026-12-01T08:00:00Z', source: 'setting' }), { reason: 'held (no reason given)', since: new Date('2026-12-01T08:00:00Z'), source: 'setting' }],
    ['an unparsable since: the receive time', create(SpokeHoldSchema, { reason: 'r', since: 'yesterday', source: 's' }), { reason: 'r', since: NOW, source: 's' }],
    ['an empty since: the receive time', create(SpokeHoldSchema, { reason: 'r', since: '', source: 's' }), { reason: 'r', since: NOW, source: 's' }],
    ['a long reason is cut', create(SpokeHoldSchema, { reason: 'x'.repeat(5000), since: '2026-12-01T08:00:00Z', source: 's' }), { reason: 'x'.repeat(MAX_HOLD_TEXT), since: new Date('2026-12-01T08:00:00Z'), source: 's' }],
  ];
  for (const [name, input, want] of holds) it(`toHold: ${name}`, () => assert.deepEqual(toHold(input, NOW), want));

  it('decodes the Kubernetes version of a heartbeat', () => {
    const hb = toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '0.2.0', kubernetesVersion: 'v1.36.3' }));
    const d = decodeStatusMessage('fleet.heartbeat.c1', hb, NOW);
    assert.equal(d.kind === 'heartbeat' && d.update.kubernetesVersion, 'v1.36.3');
  });
});

describe('StatusIngestService.handleBatch', () => {
  function build(store: (records: StatusRecord[]) => Promise<number>, changed: string[] = [], addDeadLetters: (l: DeadLetterInput[]) => Promise<void> = async () => undefined) {
    const statuses = strictMock<StatusRepository>('statuses', { storeReports: store });
    const clusters = strictMock<ClustersRepository>('clusters', { recordHeartbeats: async () => ({ updated: 1, kubernetesVersionChanged: changed, holdChanged: [] }) });
    const deployments = strictMock<Pick<Pipeline, 'trigger'>>('deployments', { trigger: async () => ({ published: 0, stored: 0, deleted: 0, unchanged: 0, failedBundles: 0 }) });
    const deadLetters = strictMock<DeadLettersRepository>('deadLetters', { add: addDeadLetters });
    const retry = { maxDeliveries: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    return { service: new StatusIngestService(statuses, clusters, deployments, deadLetters, { retry }), statuses, clusters, deployments, deadLetters };
  }

  function heartbeat(kubernetesVersion: string) {
    return toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '0.2.0', kubernetesVersion }));
  }

  it('runs the deployment pipeline when a heartbeat changed a cluster\'s Kubernetes version, not otherwise', async () => {
    const same = build(async () => 0);
    await same.service.handleBatch([msg('fleet.heartbeat.c1', heartbeat('v1.36.3')).m]);
    assert.equal(same.deployments.trigger.mock.callCount(), 0);

    const changed = build(async () => 0, ['c1']);
    await changed.service.handleBatch([msg('fleet.heartbeat.c1', heartbeat('v1.36.3')).m]);
    assert.equal(changed.deployments.trigger.mock.callCount(), 1);
  });

  it('keeps a heartbeat\'s Kubernetes version when a later report of the same batch proves the agent alive', async () => {
    const t = build(async () => 1);
    await t.service.handleBatch([msg('fleet.heartbeat.c1', heartbeat('v1.36.3')).m, msg('fleet.status.c1', report()).m]);
    const updates = t.clusters.recordHeartbeats.mock.calls[0]!.arguments[0];
    assert.deepEqual(updates.map((u) => [u.cluster, u.agentVersion, u.kubernetesVersion]), [['c1', '0.1.0', 'v1.36.3']]);
  });

  it('keeps a heartbeat\'s hold when a later report of the same batch proves the agent alive; a report alone leaves the hold as it is', async () => {
    const t = build(async () => 1);
    const held = toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '0.2.0', hold: { reason: 'freeze', since: '2026-12-01T08:00:00Z', source: 'setting' } }));
    await t.service.handleBatch([msg('fleet.heartbeat.c1', held).m, msg('fleet.status.c1', report()).m]);
    assert.deepEqual(t.clusters.recordHeartbeats.mock.calls[0]!.arguments[0].map((u) => [u.cluster, u.hold?.reason]), [['c1', 'freeze']]);
    const alone = build(async () => 1);
    await alone.service.handleBatch([msg('fleet.status.c1', report()).m]);
    assert.equal(alone.clusters.recordHeartbeats.mock.calls[0]!.arguments[0][0]!.hold, undefined);
  });

  it('stores good messages, acks them after the commit and dead-letters refused ones (acked)', async () => {
    const t = build(async () => 1);
    const good = msg('fleet.status.c1', report());
    const bad = msg('fleet.status.c9', report(), 1, 7);
    await t.service.handleBatch([good.m, bad.m]);

    assert.deepEqual(good.calls, ['ack']);
    assert.deepEqual(bad.calls, ['ack']);
    assert.equal(t.statuses.storeReports.mock.calls[0]!.arguments[0].length, 1);
    assert.equal(t.clusters.recordHeartbeats.mock.calls[0]!.arguments[0][0]!.cluster, 'c1');
    const [letter] = t.deadLetters.add.mock.calls[0]!.arguments[0];
    assert.deepEqual([letter!.cluster, letter!.subject, letter!.streamSequence, letter!.deliveryCount], ['c9', 'fleet.status.c9', 7, 1]);
    assert.match(letter!.reason, /differs from subject token "c9"/);
  });

  it('dead-letters undecodable and oversized messages with their reason', async () => {
    const t = build(async () => 1);
    const garbage = msg('fleet.status.c1', new Uint8Array([0xff, 0xff, 0xff]));
    const huge = msg('fleet.status.c1', new Uint8Array(1024 * 1024 + 1));
    await t.service.handleBatch([garbage.m, huge.m]);
    assert.deepEqual([garbage.calls, huge.calls], [['ack'], ['ack']]);
    const reasons = t.deadLetters.add.mock.calls[0]!.arguments[0].map((l) => l.reason);
    assert.match(reasons[0]!, /^undecodable protobuf/);
    assert.match(reasons[1]!, /^oversized: 1048577 bytes/);
  });

  it('stores a report whose strings hold NUL characters without them', async () => {
    const t = build(async () => 1);
    const m = msg('fleet.status.c1', report({ healthMessage: 'bad\u0000news', health: HealthStatus.DEGRADED, errors: ['e\u0000'] }));
    await t.service.handleBatch([m.m]);
    assert.deepEqual(m.calls, ['ack']);
    const [r] = t.statuses.storeReports.mock.calls[0]!.arguments[0];
    assert.deepEqual([r!.healthMessage, r!.errors], ['badnews', ['e']]);
  });

  it('stores a heartbeat whose versions hold NUL characters without them', async () => {
    const t = build(async () => 0);
    const hb = toBinary(HeartbeatSchema, create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'c1', agentVersion: '0.2\u0000.0', kubernetesVersion: 'v1\u0000.36' }));
    const m = msg('fleet.heartbeat.c1', hb);
    await t.service.handleBatch([m.m]);
    assert.deepEqual(m.calls, ['ack']);
    const [u] = t.clusters.recordHeartbeats.mock.calls[0]!.arguments[0];
    assert.deepEqual([u!.agentVersion, u!.kubernetesVersion], ['0.2.0', 'v1.36']);
  });

  it('naks with a growing delay when the database is down, and dead-letters after maxDeliveries', async () => {
    const t = build(async () => {
      throw new Error('db down');
    });
    const first = msg('fleet.status.c1', report(), 1);
    const second = msg('fleet.status.c1', report(), 2);
    const last = msg('fleet.status.c1', report(), 3);
    await t.service.handleBatch([first.m, second.m, last.m]);

    assert.deepEqual([first.calls, second.calls, last.calls], [['nak 100'], ['nak 200'], ['ack']]);
    assert.match(t.deadLetters.add.mock.calls[0]!.arguments[0][0]!.reason, /^not stored after 3 deliveries: db down/);
  });

  it('keeps redelivering when the dead letter cannot be written either (nothing is lost)', async () => {
    const t = build(async () => {
      throw new Error('db down');
    }, [], async () => {
      throw new Error('db down');
    });
    const last = msg('fleet.status.c1', report(), 9);
    await t.service.handleBatch([last.m]);
    assert.deepEqual(last.calls, ['nak 1000']);
  });

  it('splits a batch the database refuses for its data: the good reports are stored, the bad one dead-lettered', async () => {
    const refused = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    const stored: string[] = [];
    const t = build(async (records) => {
      if (records.some((r) => r.reportId === 'poison')) throw refused;
      stored.push(...records.map((r) => r.reportId));
      return records.length;
    });
    const ms = ['a', 'b', 'poison', 'c', 'd'].map((id) => msg('fleet.status.c1', report({ reportId: id })));
    await t.service.handleBatch(ms.map((x) => x.m));

    assert.deepEqual(ms.map((x) => x.calls), [['ack'], ['ack'], ['ack'], ['ack'], ['ack']]);
    assert.deepEqual(stored.sort(), ['a', 'b', 'c', 'd']);
    const letters = t.deadLetters.add.mock.calls[0]!.arguments[0];
    assert.deepEqual(letters.map((l) => l.reason), ['refused by the database (SQLSTATE 22P05): unsupported Unicode escape sequence']);
  });
});
