import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, HealthStatus, ObjectDriftSchema, SyncStatus } from '@gitfleet/proto';
import {
  compareHealth,
  healthName,
  objectDriftJson,
  reportApplied,
  rollUpResourceHealth,
  sortResourcesWorstFirst,
  syncStatusName,
  worstOf,
} from './status-mapping.js';
import type { HealthName, ObjectDriftJson, ResourceResultJson, SyncStateName, SyncStatusName } from './status.types.js';

describe('healthName', () => {
  const table: Array<[HealthStatus, HealthName]> = [
    [HealthStatus.HEALTHY, 'Healthy'],
    [HealthStatus.PROGRESSING, 'Progressing'],
    [HealthStatus.DEGRADED, 'Degraded'],
    [HealthStatus.SUSPENDED, 'Suspended'],
    [HealthStatus.MISSING, 'Missing'],
    [HealthStatus.UNKNOWN, 'Unknown'],
    [HealthStatus.UNSPECIFIED, 'Unknown'],
    [42 as HealthStatus, 'Unknown'],
  ];
  for (const [h, want] of table) it(`${HealthStatus[h] ?? h} → ${want}`, () => assert.equal(healthName(h), want));
});

describe('syncStatusName', () => {
  const table: Array<[SyncStatus, SyncStateName, SyncStatusName]> = [
    [SyncStatus.SYNCED, 'Failed', 'Synced'],
    [SyncStatus.OUT_OF_SYNC, 'Synced', 'OutOfSync'],
    [SyncStatus.FAILED, 'Synced', 'Failed'],
    // an agent that does not send sync_status: derived from the reconcile state
    [SyncStatus.UNSPECIFIED, 'Synced', 'Synced'],
    [SyncStatus.UNSPECIFIED, 'Failed', 'Failed'],
    [SyncStatus.UNSPECIFIED, 'Deleted', 'Unknown'],
    [SyncStatus.UNSPECIFIED, 'Unknown', 'Unknown'],
  ];
  for (const [s, state, want] of table) it(`${SyncStatus[s]} + ${state} → ${want}`, () => assert.equal(syncStatusName(s, state), want));
});

describe('objectDriftJson', () => {
  it('maps every field; conflict only when the agent named one', () => {
    const d = create(ObjectDriftSchema, {
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
      missing: false,
      diffs: [{ path: '/spec/replicas', desired: '3', live: '5', manager: 'kubectl-edit' }],
      healed: true,
    });
    assert.deepEqual(objectDriftJson(d), {
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' },
      missing: false,
      diffs: [{ path: '/spec/replicas', desired: '3', live: '5', manager: 'kubectl-edit' }],
      healed: true,
      conflict: null,
    });
    const c = create(ObjectDriftSchema, { missing: true, conflictManager: 'hpa', conflictMessage: 'writes /spec/replicas back' });
    assert.deepEqual(objectDriftJson(c), {
      object: { apiVersion: '', kind: '', namespace: '', name: '' },
      missing: true,
      diffs: [],
      healed: false,
      conflict: { manager: 'hpa', message: 'writes /spec/replicas back' },
    });
  });
});

describe('health ranking', () => {
  it('orders Degraded > Missing > Unknown > Progressing > Suspended > Healthy', () => {
    const all: HealthName[] = ['Healthy', 'Suspended', 'Progressing', 'Unknown', 'Missing', 'Degraded'];
    assert.deepEqual([...all].sort(compareHealth), ['Degraded', 'Missing', 'Unknown', 'Progressing', 'Suspended', 'Healthy']);
  });

  it('worstOf keeps the first of equals and is undefined for nothing', () => {
    const items = [{ id: 'a', h: 'Progressing' as HealthName }, { id: 'b', h: 'Missing' as HealthName }, { id: 'c', h: 'Missing' as HealthName }];
    assert.equal(worstOf(items, (x) => x.h)?.id, 'b');
    assert.equal(worstOf([], () => 'Healthy'), undefined);
  });
});

const res = (name: string, health?: HealthName, message = '', action: ResourceResultJson['action'] = 'configured'): ResourceResultJson => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'web',
  name,
  action,
  message: '',
  ...(health ? { health: { status: health, message } } : {}),
});

describe('sortResourcesWorstFirst', () => {
  it('sorts stably worst first and fills in Unknown for rows stored before health existed', () => {
    const sorted = sortResourcesWorstFirst([res('a', 'Healthy'), res('b'), res('c', 'Degraded', 'crash'), res('d', 'Healthy'), res('e', 'Progressing')]);
    assert.deepEqual(sorted.map((r) => [r.name, r.health.status]), [['c', 'Degraded'], ['b', 'Unknown'], ['e', 'Progressing'], ['a', 'Healthy'], ['d', 'Healthy']]);
  });
});

describe('rollUpResourceHealth', () => {
  const table: Array<[string, ResourceResultJson[], { status: HealthName; message: string }]> = [
    ['no objects → Unknown', [], { status: 'Unknown', message: '' }],
    ['all healthy → Healthy, no message', [res('a', 'Healthy'), res('b', 'Healthy')], { status: 'Healthy', message: '' }],
    ['worst object wins, message names it', [res('a', 'Healthy'), res('b', 'Progressing', 'rolling out'), res('c', 'Degraded', 'crash loop')],
      { status: 'Degraded', message: 'ConfigMap web/c: crash loop' }],
    ['pruned objects do not count', [res('a', 'Healthy'), res('gone', 'Missing', 'deleted', 'pruned')], { status: 'Healthy', message: '' }],
  ];
  for (const [name, resources, want] of table) it(name, () => assert.deepEqual(rollUpResourceHealth(resources), want));
});

describe('reportApplied', () => {
  const healed: ObjectDriftJson = { object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'b' }, missing: false, diffs: [], healed: true, conflict: null };
  const seen: ObjectDriftJson = { ...healed, healed: false };
  const table: Array<[string, SyncStateName, SyncStatusName, string, ObjectDriftJson[], boolean]> = [
    ['a successful update', 'Synced', 'Synced', 'update', [], true],
    ['a resync', 'Synced', 'Synced', 'resync', [], true],
    ['a manual sync', 'Synced', 'Synced', 'sync-request', [], true],
    ['an older agent (no trigger)', 'Synced', 'Synced', '', [], true],
    ['a failed apply', 'Failed', 'Failed', 'update', [], false],
    ['an update waiting for a manual sync (automated=false)', 'Synced', 'OutOfSync', 'update', [], false],
    ['drift seen, not healed', 'Synced', 'OutOfSync', 'drift', [seen], false],
    ['drift healed', 'Synced', 'Synced', 'drift', [healed], true],
    ['a health change', 'Synced', 'Synced', 'health', [], false],
    ['a deletion', 'Deleted', 'Unknown', 'delete', [], false],
  ];
  for (const [name, state, syncStatus, trigger, drift, want] of table) {
    it(`${name} → ${want}`, () => assert.equal(reportApplied({ state, syncStatus, trigger, drift }), want));
  }
});
