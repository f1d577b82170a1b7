import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictTracker, formatDuration } from './conflict.js';

const f = (manager: string, live = '5') => [{ path: '/spec/replicas', live, manager }];

describe('ConflictTracker', () => {
  it('lets the first three heals through and stops the fourth against the same writer', () => {
    const t = new ConflictTracker();
    for (const at of [0, 1000, 2000]) {
      assert.equal(t.check('web', f('fighter'), at), undefined);
      t.recordHeal('web', f('fighter'), at);
    }
    const c = t.check('web', f('fighter'), 3000);
    assert.ok(c);
    assert.equal(c.manager, 'fighter');
    assert.equal(c.message, 'field /spec/replicas keeps being set to 5 by manager fighter; self-heal paused 30s');
    assert.equal(c.until, 33_000);
    assert.equal(t.paused('web', 10_000), c, 'paused meanwhile');
  });

  it('does not count heals outside the window', () => {
    const t = new ConflictTracker();
    for (const at of [0, 20_000, 40_000]) t.recordHeal('web', f('fighter'), at);
    assert.equal(t.check('web', f('fighter'), 45_000), undefined, 'only two heals in the last 30 s');
  });

  it('needs the same writer each time', () => {
    const t = new ConflictTracker();
    t.recordHeal('web', f('kubectl'), 0);
    t.recordHeal('web', f('fighter'), 1000);
    t.recordHeal('web', f('fighter'), 2000);
    assert.equal(t.check('web', f('fighter'), 3000), undefined);
  });

  it('never fights the agent itself or an unknown writer', () => {
    const t = new ConflictTracker();
    for (const at of [0, 1, 2, 3]) t.recordHeal('web', f(''), at);
    assert.equal(t.check('web', f(''), 4), undefined);
    assert.equal(t.check('web', f('gitfleet-agent'), 4), undefined);
  });

  it('doubles the pause per consecutive fight, capped at 10 minutes', () => {
    const t = new ConflictTracker();
    let now = 0;
    const pauses: number[] = [];
    for (let round = 0; round < 7; round++) {
      for (let i = 0; i < 3; i++) {
        assert.equal(t.check('web', f('fighter'), now), undefined, `round ${round} heal ${i}`);
        t.recordHeal('web', f('fighter'), now);
        now += 300;
      }
      const c = t.check('web', f('fighter'), now);
      assert.ok(c);
      pauses.push(c.until - now);
      now = c.until;
    }
    assert.deepEqual(pauses, [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
  });

  it('starts over after a quiet time and on reset; sweep forgets quiet objects', () => {
    const t = new ConflictTracker();
    const fight = (start: number) => {
      for (let i = 0; i < 3; i++) t.recordHeal('web', f('fighter'), start + i);
      return t.check('web', f('fighter'), start + 3);
    };
    const first = fight(0)!;
    assert.equal(first.until - 3, 30_000);
    const later = fight(first.until + 700_000)!;
    assert.equal(later.until - (first.until + 700_003), 30_000, 'back to the first step');
    t.reset('web');
    assert.equal(t.paused('web', later.until - 1), undefined);
    t.recordHeal('db', f('x'), 0);
    t.sweep(2_000_000);
    assert.equal(t.size, 0);
  });

  const durations: Array<[number, string]> = [[30_000, '30s'], [60_000, '1m'], [90_000, '1m30s'], [600_000, '10m']];
  for (const [ms, s] of durations) it(`formats ${ms} ms as ${s}`, () => assert.equal(formatDuration(ms), s));
});
