import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit, Semaphore } from './pool.js';

describe('mapLimit', () => {
  it('keeps order and respects the limit', async () => {
    let inFlight = 0;
    let max = 0;
    const got = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(n);
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(got, [50, 10, 40, 20, 30]);
    assert.equal(max, 2);
  });
  it('handles no items', async () => assert.deepEqual(await mapLimit([], 3, async () => 1), []));
});

describe('Semaphore', () => {
  it('admits at most limit holders, in order', async () => {
    const s = new Semaphore(1);
    const order: number[] = [];
    const r1 = await s.acquire();
    const p2 = s.acquire().then((r) => { order.push(2); return r; });
    const p3 = s.acquire().then((r) => { order.push(3); return r; });
    await sleep(1);
    assert.deepEqual(order, []);
    r1();
    (await p2)();
    (await p3)();
    assert.deepEqual(order, [2, 3]);
  });
});
