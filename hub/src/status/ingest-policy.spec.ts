import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_POLICY, isDataError, retryDelayMs, sanitizeRecord } from './ingest-policy.js';
import type { StatusRecord } from '../targets/status.repository.js';

describe('retryDelayMs', () => {
  const table: Array<[number, number]> = [[0, 1000], [1, 1000], [2, 2000], [3, 4000], [6, 32_000], [7, 60_000], [100, 60_000]];
  for (const [n, want] of table) it(`delivery ${n} → ${want} ms`, () => assert.equal(retryDelayMs(n, DEFAULT_RETRY_POLICY), want));
});

describe('isDataError', () => {
  const table: Array<[string, unknown, boolean]> = [
    ['22P05 unsupported Unicode escape', { code: '22P05' }, true],
    ['22001 value too long', { code: '22001' }, true],
    ['23505 unique violation', { code: '23505' }, true],
    ['54000 program limit exceeded', { code: '54000' }, true],
    ['wrapped by TypeORM (driverError)', { driverError: { code: '22021' } }, true],
    ['57P01 admin shutdown', { code: '57P01' }, false],
    ['08006 connection failure', { code: '08006' }, false],
    ['40001 serialization failure', { code: '40001' }, false],
    ['ECONNREFUSED (no SQLSTATE)', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    ['plain error', new Error('x'), false],
    ['null', null, false],
  ];
  for (const [name, err, want] of table) it(`${name} → ${want}`, () => assert.equal(isDataError(err), want));
});

describe('sanitizeRecord', () => {
  const base = (): StatusRecord => ({
    reportId: 'r', cluster: 'c', bundleId: 'b', revision: 'rev', digest: 'd', generation: 1, state: 'Synced',
    resources: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'x', action: 'created', message: 'ok', health: { status: 'Healthy', message: '' } }],
    errors: [], timings: null, observedAt: new Date(0), receivedAt: new Date(0), syncStatus: 'Synced', health: 'Healthy', healthMessage: '',
    drift: [], orphaned: [], trigger: '', syncRequest: 0, applied: true,
  });
  const table: Array<[string, (r: StatusRecord) => void, string[], (r: StatusRecord) => unknown, unknown]> = [
    ['clean record: unchanged', () => undefined, [], (r) => r.healthMessage, ''],
    ['NUL in health_message', (r) => (r.healthMessage = 'a\u0000b'), ['healthMessage'], (r) => r.healthMessage, 'ab'],
    ['NUL in a resource message', (r) => (r.resources[0]!.message = '\u0000\u0000'), ['resources/0/message'], (r) => r.resources[0]!.message, ''],
    ['lone surrogate in an error', (r) => (r.errors = ['x\ud800']), ['errors/0'], (r) => r.errors[0], 'x\ufffd'],
  ];
  for (const [name, mutate, paths, pick, want] of table) {
    it(name, () => {
      const r = base();
      mutate(r);
      assert.deepEqual(sanitizeRecord(r), paths);
      assert.deepEqual(pick(r), want);
      assert.ok(r.observedAt instanceof Date);
    });
  }
});
