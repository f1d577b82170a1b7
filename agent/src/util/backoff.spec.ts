import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { baseMs: 1000, maxMs: 60_000 };
  const cases: Array<[number, number, number]> = [
    // attempt, random, want
    [0, 0, 500], [0, 1, 1000], [1, 0, 1000], [3, 1, 8000], [6, 1, 60_000], [6, 0, 30_000], [1000, 1, 60_000], [-1, 1, 1000],
  ];
  for (const [attempt, r, want] of cases) {
    it(`attempt ${attempt} with random ${r} waits ${want} ms`, () => assert.equal(backoffDelay(attempt, opts, () => r), want));
  }
});
