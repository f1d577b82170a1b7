import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureClass, HealthStatus, ResourceAction, SyncState, SyncStatus } from '@gitfleet/proto';
import { nextStep, type ObjectResult, type ReconcileOutcome, reportedFailureClass, syncStateOf, toStatusReport } from './result.js';

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c' };
const r = (action: ObjectResult['action'], errorClass?: ObjectResult['errorClass']): ObjectResult =>
  ({ ref, action, message: action === 'failed' ? 'boom' : '', errorClass, owned: action !== 'failed', scopeKnown: true });

describe('syncStateOf', () => {
  const cases: Array<[string, ObjectResult[], string[], string]> = [
    ['nothing to do', [], [], 'SYNCED'],
    ['all applied', [r('created'), r('configured'), r('unchanged'), r('pruned')], [], 'SYNCED'],
    ['one failed', [r('created'), r('failed', 'failed')], [], 'FAILED'],
    ['bundle error', [], ['digest mismatch'], 'FAILED'],
  ];
  for (const [name, res, errors, want] of cases) it(name, () => assert.equal(syncStateOf(res, errors), want));
});

describe('nextStep', () => {
  const cases: Array<[string, ObjectResult[], string | undefined, string | undefined]> = [
    ['all good', [r('created')], undefined, undefined],
    ['refused object needs no retry', [r('failed', 'failed')], undefined, undefined],
    ['unreachable apiserver retries', [r('failed', 'failed'), r('failed', 'transient')], undefined, 'transient'],
    ['kind not served requeues', [r('failed', 'waiting')], undefined, 'waiting'],
    ['transient beats waiting', [r('failed', 'waiting'), r('failed', 'transient')], undefined, 'transient'],
    ['terminal bundle wins', [r('failed', 'transient')], 'terminal', 'terminal'],
    ['bundle transient', [], 'transient', 'transient'],
  ];
  for (const [name, res, bundleClass, want] of cases) {
    it(name, () => assert.equal(nextStep(res, bundleClass as never), want));
  }
});

describe('toStatusReport', () => {
  const outcome: ReconcileOutcome = {
    bundleId: 'demo', state: 'FAILED', revision: 'abc', digest: 'sha256-x', generation: 4n,
    resources: [r('created'), r('failed', 'failed')], errors: [], timings: { fetchMs: 1, applyMs: 2, pruneMs: 3, totalMs: 6 },
  };
  it('maps every field', () => {
    const rep = toStatusReport(outcome, { cluster: 'spoke1', agentVersion: '0.1.0', reportId: 'id-1', observedAt: new Date('2030-01-02T03:04:05Z') });
    assert.equal(rep.contractVersion, '1.0.0');
    assert.equal(rep.reportId, 'id-1');
    assert.equal(rep.cluster, 'spoke1');
    assert.equal(rep.state, SyncState.FAILED);
    assert.equal(rep.generation, 4n);
    assert.deepEqual(rep.resources.map((x) => [x.kind, x.action, x.message]), [['ConfigMap', ResourceAction.CREATED, ''], ['ConfigMap', ResourceAction.FAILED, 'boom']]);
    assert.equal(rep.timings?.totalMs, 6);
    assert.equal(rep.observedAt, '2030-01-02T03:04:05.000Z');
  });
  it('refuses a skipped outcome', () => {
    assert.throws(() => toStatusReport({ ...outcome, state: 'SKIPPED' }, { cluster: 'c', agentVersion: 'v', reportId: 'i', observedAt: new Date() }));
  });
});

describe('toStatusReport: sync, health, drift', () => {
  const base: ReconcileOutcome = {
    bundleId: 'demo', state: 'SYNCED', revision: 'abc', digest: 'sha256-x', generation: 4n,
    resources: [{ ...r('unchanged'), health: { status: HealthStatus.PROGRESSING, message: 'rolling out' } }], errors: [],
    timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
  };
  const meta = { cluster: 'spoke1', agentVersion: '0.1.0', reportId: 'id-2', observedAt: new Date() };
  it('defaults sync_status from the state', () => {
    assert.equal(toStatusReport(base, meta).syncStatus, SyncStatus.SYNCED);
    assert.equal(toStatusReport({ ...base, state: 'FAILED' }, meta).syncStatus, SyncStatus.FAILED);
    assert.equal(toStatusReport({ ...base, state: 'DELETED' }, meta).syncStatus, SyncStatus.UNSPECIFIED);
  });
  it('maps health, drift, orphans, trigger and sync_request', () => {
    const rep = toStatusReport({
      ...base, syncStatus: 'OUT_OF_SYNC', trigger: 'drift', syncRequest: 3n,
      health: { status: HealthStatus.PROGRESSING, message: 'ConfigMap app/c: rolling out' },
      drift: [{ ref, missing: false, healed: false, conflictManager: 'fighter', conflictMessage: 'm', diffs: [{ path: '/data/a', desired: '1', live: undefined, manager: '' }] }],
      orphaned: [ref],
    }, meta);
    assert.equal(rep.syncStatus, SyncStatus.OUT_OF_SYNC);
    assert.equal(rep.health, HealthStatus.PROGRESSING);
    assert.equal(rep.resources[0]?.health, HealthStatus.PROGRESSING);
    assert.equal(rep.resources[0]?.healthMessage, 'rolling out');
    assert.deepEqual(rep.drift[0]?.diffs.map((d) => [d.path, d.desired, d.live]), [['/data/a', '"1"', '']]);
    assert.equal(rep.drift[0]?.conflictManager, 'fighter');
    assert.equal(rep.orphaned[0]?.name, 'c');
    assert.equal(rep.trigger, 'drift');
    assert.equal(rep.syncRequest, 3n);
  });
});

describe('failure class of a report', () => {
  const cases: Array<[string, Pick<ReconcileOutcome, 'state' | 'errorClass'>, string | undefined]> = [
    ['a synced reconcile has none', { state: 'SYNCED' }, undefined],
    ['a deletion has none', { state: 'DELETED' }, undefined],
    ['a retried failure keeps its class', { state: 'FAILED', errorClass: 'transient' }, 'transient'],
    ['a requeued failure keeps its class', { state: 'FAILED', errorClass: 'waiting' }, 'waiting'],
    ['a refused desired state is terminal', { state: 'FAILED', errorClass: 'terminal' }, 'terminal'],
    ['objects the apiserver refused (no retry) are terminal', { state: 'FAILED' }, 'terminal'],
  ];
  for (const [name, o, want] of cases) it(name, () => assert.equal(reportedFailureClass(o), want));

  it('is carried by the status report (StatusReport.failure_class)', () => {
    const base: ReconcileOutcome = {
      bundleId: 'demo', state: 'FAILED', revision: 'abc', digest: 'sha256-x', generation: 4n,
      resources: [r('failed', 'transient')], errors: [], timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
    };
    const meta = { cluster: 'spoke1', agentVersion: '0.1.0', reportId: 'id-3', observedAt: new Date() };
    assert.equal(toStatusReport({ ...base, errorClass: nextStep(base.resources) }, meta).failureClass, FailureClass.TRANSIENT);
    assert.equal(toStatusReport({ ...base, resources: [r('failed', 'failed')], errorClass: undefined }, meta).failureClass, FailureClass.TERMINAL);
    assert.equal(toStatusReport({ ...base, errorClass: 'waiting' }, meta).failureClass, FailureClass.WAITING);
    assert.equal(toStatusReport({ ...base, state: 'SYNCED', resources: [r('created')] }, meta).failureClass, FailureClass.UNSPECIFIED);
  });
});
