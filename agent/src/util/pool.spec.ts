import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from './pool.js';

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
