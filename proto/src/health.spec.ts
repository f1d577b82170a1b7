import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthStatus, SyncState, SyncStatus } from './gen/fleet/v1/fleet_pb.js';
import {
  compareHealth,
  HEALTH_NAMES,
  healthName,
  healthRank,
  healthStatusOf,
  SYNC_STATUS_NAMES,
  syncStateName,
  syncStatusName,
  worstOf,
  type HealthName,
  type SyncStateName,
  type SyncStatusName,
} from './health.js';

const { UNSPECIFIED, HEALTHY, PROGRESSING, DEGRADED, SUSPENDED, MISSING, UNKNOWN } = HealthStatus;

describe('healthName', () => {
  const table: Array<[HealthStatus, HealthName]> = [
    [HEALTHY, 'Healthy'],
    [PROGRESSING, 'Progressing'],
    [DEGRADED, 'Degraded'],
    [SUSPENDED, 'Suspended'],
    [MISSING, 'Missing'],
    [UNKNOWN, 'Unknown'],
    // what the hub API has always shown for a health nobody reported
    [UNSPECIFIED, 'Unknown'],
    [42 as HealthStatus, 'Unknown'],
  ];
  for (const [h, want] of table) it(`${HealthStatus[h] ?? h} → ${want}`, () => assert.equal(healthName(h), want));

  it('healthStatusOf inverts it on every name', () => {
    for (const name of HEALTH_NAMES) assert.equal(healthName(healthStatusOf(name)), name);
  });
});

describe('healthRank', () => {
  it('orders worst first: Degraded > Missing > Unknown > Progressing > Suspended > Healthy > Unspecified', () => {
    const order = [DEGRADED, MISSING, UNKNOWN, PROGRESSING, SUSPENDED, HEALTHY, UNSPECIFIED];
    const sorted = [...order].reverse().sort((a, b) => healthRank(b) - healthRank(a));
    assert.deepEqual(sorted, order);
    assert.deepEqual(order.map(healthRank), [6, 5, 4, 3, 2, 1, 0]);
  });
  it('ranks a value outside the enum lowest', () => assert.equal(healthRank(99 as HealthStatus), 0));
  it('agrees with compareHealth on every pair of names', () => {
    for (const a of HEALTH_NAMES) {
      for (const b of HEALTH_NAMES) assert.equal(Math.sign(compareHealth(a, b)), Math.sign(healthRank(healthStatusOf(b)) - healthRank(healthStatusOf(a))), `${a} vs ${b}`);
    }
  });
});

describe('health ranking by name', () => {
  it('lists the names worst first', () => assert.deepEqual([...HEALTH_NAMES], ['Degraded', 'Missing', 'Unknown', 'Progressing', 'Suspended', 'Healthy']));

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

describe('syncStateName', () => {
  const table: Array<[SyncState, SyncStateName]> = [
    [SyncState.SYNCED, 'Synced'],
    [SyncState.FAILED, 'Failed'],
    [SyncState.DELETED, 'Deleted'],
    [SyncState.UNSPECIFIED, 'Unknown'],
    [9 as SyncState, 'Unknown'],
  ];
  for (const [s, want] of table) it(`${SyncState[s] ?? s} → ${want}`, () => assert.equal(syncStateName(s), want));
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
  it('lists the names worst first', () => assert.deepEqual([...SYNC_STATUS_NAMES], ['Failed', 'OutOfSync', 'Unknown', 'Synced']));
});
