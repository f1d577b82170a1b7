import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { targetStatus } from './targets.service.js';

describe('targetStatus', () => {
  it('is Pending without a report or with an older generation', () => {
    assert.equal(targetStatus(2, null), 'Pending');
    assert.equal(targetStatus(2, { generation: 1, state: 'Synced' }), 'Pending');
  });

  it('follows the reported state at the desired generation or later', () => {
    assert.equal(targetStatus(2, { generation: 2, state: 'Synced' }), 'Synced');
    assert.equal(targetStatus(2, { generation: 3, state: 'Failed' }), 'Failed');
  });
});
