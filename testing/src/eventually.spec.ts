import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, waitFor } from './eventually.js';

describe('eventually', () => {
  it('returns the value of the first try that does not throw, undefined included', async () => {
    let n = 0;
    assert.equal(await eventually('third try', () => { if (++n < 3) throw new Error(`try ${n}`); return undefined; }, 1000, 1), undefined);
    assert.equal(n, 3);
  });
  it('fails after the timeout naming what and the last error', async () => {
    await assert.rejects(eventually('never', () => { throw new Error('nope'); }, 30, 5), /timed out after 30 ms waiting for never: nope/);
  });
});

describe('waitFor', () => {
  const table: Array<{ name: string; values: unknown[]; want: unknown }> = [
    { name: 'first truthy value', values: [undefined, null, false, 0, '', 'x'], want: 'x' },
    { name: 'an object', values: [null, { a: 1 }], want: { a: 1 } },
  ];
  for (const t of table) {
    it(`returns the ${t.name}`, async () => {
      let i = 0;
      assert.deepEqual(await waitFor(t.name, () => t.values[i++], 1000, 1), t.want);
    });
  }
  it('treats a throw as not yet, and fails after the timeout', async () => {
    await assert.rejects(waitFor('falsy forever', async () => false, 30, 5), /timed out after 30 ms waiting for falsy forever: still false/);
  });
});
