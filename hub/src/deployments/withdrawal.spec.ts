import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BundleError, type ScannedBundle } from '../rendering/index.js';
import { coveredByConfirmation, crossesGuard, DEFAULT_WITHDRAWAL_GUARD, goneBundles, goneWithdrawals, guardVerdict, identifyBundles, untargetedWithdrawals } from './withdrawal.js';

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

describe('withdrawal plan', () => {
  const REV = '0123456789abcdef'.repeat(2) + '01234567';

  it('plans the targets on clusters the bundle no longer resolves, in their order, naming the commit', () => {
    const existing = [{ cluster: 'c1' }, { cluster: 'c2' }, { cluster: 'c3' }];
    assert.deepEqual(untargetedWithdrawals('s-web', REV, existing, new Set(['c2'])), [
      { cluster: 'c1', bundleId: 's-web', reason: 'cluster c1 is no longer targeted by bundle s-web at 0123456' },
      { cluster: 'c3', bundleId: 's-web', reason: 'cluster c3 is no longer targeted by bundle s-web at 0123456' },
    ]);
    assert.deepEqual(untargetedWithdrawals('s-web', REV, existing, new Set(['c1', 'c2', 'c3'])), []);
  });

  it('plans every live target of each gone bundle, and nothing of the others', () => {
    const live = [{ cluster: 'c1', bundleId: 's-db' }, { cluster: 'c1', bundleId: 's-web' }, { cluster: 'c2', bundleId: 's-db' }];
    assert.deepEqual(goneWithdrawals([{ id: 's-db', path: '' }], live, REV), [
      { cluster: 'c1', bundleId: 's-db', reason: 'bundle directory . left Git at 0123456' },
      { cluster: 'c2', bundleId: 's-db', reason: 'bundle directory . left Git at 0123456' },
    ]);
    assert.deepEqual(goneWithdrawals([], live, REV), []);
  });
});

describe('guardVerdict', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');
  const plan = (n: number) => Array.from({ length: n }, (_, i) => ({ cluster: `c${i}`, bundleId: 'b', reason: 'gone' }));
  const base = { source: 'src', revision: 'r2', total: 10, hold: null, confirmation: null, guard: DEFAULT_WITHDRAWAL_GUARD, now };
  const held = (n: number, revision = 'r2') => ({ revision, heldAt: 'then', total: 10, reason: 'x', targets: plan(n) });

  it('lets a plan under the guard through, clearing only a hold or confirmation that exists', () => {
    assert.deepEqual(guardVerdict({ ...base, planned: plan(5) }), { withdraw: true, clearHold: false, confirmed: false });
    assert.deepEqual(guardVerdict({ ...base, planned: [], hold: held(6) }), { withdraw: true, clearHold: true, confirmed: false });
    assert.deepEqual(guardVerdict({ ...base, planned: [], confirmation: { revision: 'r1', targets: [], confirmedAt: 'then' } }), { withdraw: true, clearHold: true, confirmed: false });
  });

  it('holds a plan over the guard, naming the counts, the guard and the confirm endpoint', () => {
    assert.deepEqual(guardVerdict({ ...base, planned: plan(6) }), {
      withdraw: false,
      hold: {
        revision: 'r2',
        heldAt: '2026-01-02T03:04:05.000Z',
        total: 10,
        reason: 'would withdraw 6 of 10 targets (the guard holds more than 50 % and at least 5); confirm with POST /api/v1/sources/src/confirm-withdrawal',
        targets: plan(6),
      },
    });
  });

  it('records no new hold when the same targets are held at the same revision, and a new one at another revision', () => {
    assert.deepEqual(guardVerdict({ ...base, planned: [...plan(6)].reverse(), hold: held(6) }), { withdraw: false, hold: null });
    const moved = guardVerdict({ ...base, planned: plan(6), hold: held(6, 'r1') });
    assert.ok(!moved.withdraw && moved.hold?.revision === 'r2');
  });

  it('lets a confirmed plan through, and holds a larger one anew', () => {
    const confirmation = { revision: 'r2', targets: plan(6).map((w) => `${w.cluster}/${w.bundleId}`), confirmedAt: 'then' };
    assert.deepEqual(guardVerdict({ ...base, planned: plan(6), hold: held(6), confirmation }), { withdraw: true, clearHold: true, confirmed: true });
    const larger = guardVerdict({ ...base, planned: plan(7), hold: held(6), confirmation });
    assert.ok(!larger.withdraw && larger.hold?.targets.length === 7);
  });
});
