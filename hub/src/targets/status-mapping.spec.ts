import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, ObjectDriftSchema } from '@gitfleet/proto';
import { objectDriftJson, reportApplied, rollUpResourceHealth, sortResourcesWorstFirst } from './status-mapping.js';
import type { HealthName, ObjectDriftJson, ResourceResultJson, SyncStateName, SyncStatusName } from './status.types.js';

// healthName, syncStatusName and the health ranking (compareHealth, worstOf), with the cases
// this file had, are specified in proto/src/health.spec.ts: they are @gitfleet/proto's now.

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
