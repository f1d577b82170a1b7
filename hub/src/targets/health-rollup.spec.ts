import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthName, SyncStatusName } from './status.types.js';
import { rollUpTargets, type TargetHealthInput } from './health-rollup.js';

const t = (cluster: string, status: HealthName, message = '', syncStatus: SyncStatusName = 'Synced'): TargetHealthInput => ({
  cluster,
  bundleId: `src-${cluster}`,
  health: { status, message },
  syncStatus,
});

describe('rollUpTargets', () => {
  it('no targets → Healthy, "no targets", zero counts', () => {
    const r = rollUpTargets([], (x) => x.cluster);
    assert.deepEqual([r.status, r.message, r.targets], ['Healthy', 'no targets', []]);
    assert.deepEqual(r.counts, { Degraded: 0, Missing: 0, Unknown: 0, Progressing: 0, Suspended: 0, Healthy: 0 });
    assert.deepEqual(r.sync, { Failed: 0, OutOfSync: 0, Unknown: 0, Synced: 0 });
  });

  const table: Array<[string, TargetHealthInput[], HealthName, string, string[]]> = [
    ['all healthy → no message', [t('b', 'Healthy'), t('a', 'Healthy')], 'Healthy', '', ['a', 'b']],
    ['worst wins; message = label: cause', [t('a', 'Healthy'), t('b', 'Degraded', 'Deployment web/web: 0 of 3 available'), t('c', 'Progressing')],
      'Degraded', 'b: Deployment web/web: 0 of 3 available', ['b', 'c', 'a']],
    ['a target without a cause shows its status', [t('a', 'Missing'), t('b', 'Suspended')], 'Missing', 'a: Missing', ['a', 'b']],
    ['equal health sorted by label', [t('z', 'Unknown', 'no status report yet'), t('m', 'Unknown', 'no status report yet'), t('a', 'Healthy')],
      'Unknown', 'm: no status report yet', ['m', 'z', 'a']],
  ];
  for (const [name, targets, status, message, order] of table) {
    it(name, () => {
      const r = rollUpTargets(targets, (x) => x.cluster);
      assert.equal(r.status, status);
      assert.equal(r.message, message);
      assert.deepEqual(r.targets.map((x) => x.cluster), order);
    });
  }

  it('counts health and sync status over every target', () => {
    const r = rollUpTargets([t('a', 'Healthy'), t('b', 'Healthy', '', 'OutOfSync'), t('c', 'Degraded', 'x', 'Failed'), t('d', 'Unknown', '', 'Unknown')], (x) => x.cluster);
    assert.deepEqual(r.counts, { Degraded: 1, Missing: 0, Unknown: 1, Progressing: 0, Suspended: 0, Healthy: 2 });
    assert.deepEqual(r.sync, { Failed: 1, OutOfSync: 1, Unknown: 1, Synced: 1 });
  });
});
