import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BundleError, type ScannedBundle } from '../rendering/index.js';
import { coveredByConfirmation, crossesGuard, DEFAULT_WITHDRAWAL_GUARD, goneBundles, identifyBundles } from './withdrawal.js';

const sb = (path: string, name?: string, broken = false): ScannedBundle => ({
  path,
  spec: { labels: {}, targetCustomizations: [], ...(name ? { name } : {}) },
  warnings: [],
  ...(broken ? { error: new BundleError(`${path}/fleet.yaml`, 'bad') } : {}),
});
const idOf = (s: string, b: ScannedBundle) => `${s}-${b.spec.name ?? b.path}`;

describe('identifyBundles / goneBundles', () => {
  const cases: Array<{ what: string; scan: ScannedBundle[]; known: Array<{ id: string; path: string }>; ids: string[]; dups: string[]; certain: boolean; gone: string[] }> = [
    { what: 'clean scan, one bundle removed', scan: [sb('a', 'web')], known: [{ id: 's-web', path: 'a' }, { id: 's-db', path: 'b' }], ids: ['s-web'], dups: [], certain: true, gone: ['s-db'] },
    { what: 'broken fleet.yaml keeps the id known at its path', scan: [sb('a', undefined, true)], known: [{ id: 's-web', path: 'a' }], ids: ['s-web'], dups: [], certain: false, gone: [] },
    { what: 'broken fleet.yaml at a new path: path id, nothing gone', scan: [sb('c', undefined, true)], known: [{ id: 's-web', path: 'a' }], ids: ['s-c'], dups: [], certain: false, gone: [] },
    { what: 'moved with the same name: same id, nothing gone', scan: [sb('new', 'web')], known: [{ id: 's-web', path: 'old' }], ids: ['s-web'], dups: [], certain: true, gone: [] },
    { what: 'duplicate ids: none reconciled, the id is not gone', scan: [sb('a', 'web'), sb('b', 'web')], known: [{ id: 's-web', path: 'a' }, { id: 's-x', path: 'x' }], ids: [], dups: ['s-web'], certain: true, gone: ['s-x'] },
    { what: 'empty scan of a clean commit: everything gone', scan: [], known: [{ id: 's-web', path: 'a' }], ids: [], dups: [], certain: true, gone: ['s-web'] },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const identity = identifyBundles('s', c.scan, c.known, idOf);
      assert.deepEqual(identity.bundles.map((b) => b.id), c.ids);
      assert.deepEqual(identity.duplicates.map((d) => d.id), c.dups);
      assert.equal(identity.certain, c.certain);
      assert.deepEqual(goneBundles(identity, c.known).map((b) => b.id), c.gone);
    });
  }

  it('an id that cannot be made leaves the bundle unidentified and the scan uncertain', () => {
    const identity = identifyBundles('s', [sb('a', 'web'), sb('b')], [{ id: 's-db', path: 'db' }], (s, b) => {
      if (b.path === 'b') throw new Error('no usable characters');
      return idOf(s, b);
    });
    assert.deepEqual(identity.unidentified, [{ path: 'b', reason: 'no usable characters' }]);
    assert.equal(identity.certain, false);
    assert.deepEqual(goneBundles(identity, [{ id: 's-db', path: 'db' }]), []);
  });
});

describe('mass-deletion guard', () => {
  const table: Array<[count: number, total: number, held: boolean]> = [
    [0, 0, false], [4, 4, false], [5, 10, false], [5, 9, true], [6, 10, true], [10, 10, true], [100, 1000, false], [501, 1000, true],
  ];
  for (const [count, total, held] of table) {
    it(`${count} of ${total} → ${held ? 'held' : 'goes through'}`, () => assert.equal(crossesGuard(count, total, DEFAULT_WITHDRAWAL_GUARD), held));
  }

  it('a confirmation covers only the withdrawals it names', () => {
    const plan = [{ cluster: 'c1', bundleId: 'b', reason: '' }, { cluster: 'c2', bundleId: 'b', reason: '' }];
    assert.equal(coveredByConfirmation(plan, ['c1/b', 'c2/b', 'c3/b']), true);
    assert.equal(coveredByConfirmation(plan, ['c1/b']), false);
    assert.equal(coveredByConfirmation(plan, undefined), false);
    assert.equal(coveredByConfirmation([], []), true);
  });
});
