import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from './status-publisher.js';

describe('BoundedQueue', () => {
  it('is FIFO', () => {
    const q = new BoundedQueue<number>(3);
    q.push(1); q.push(2);
    assert.equal(q.shift(), 1);
    assert.equal(q.peek(), 2);
    assert.equal(q.size, 1);
  });
  it('drops the oldest when full', () => {
    const q = new BoundedQueue<number>(2);
    assert.equal(q.push(1), undefined);
    assert.equal(q.push(2), undefined);
    assert.equal(q.push(3), 1);
    assert.deepEqual([q.shift(), q.shift(), q.shift()], [2, 3, undefined]);
  });
  it('stays correct over many operations', () => {
    const q = new BoundedQueue<number>(10_000);
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 4000; i++) assert.equal(q.shift(), i);
    for (let i = 5000; i < 15_000; i++) q.push(i);
    assert.equal(q.size, 10_000);
    assert.equal(q.peek(), 5000);
  });
});
