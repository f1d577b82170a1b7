import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineHolds, holdFromConfigMap, MAX_HOLD_REASON, type SpokeHold } from './hold.js';
import type { KubeObject } from './types.js';

const FALLBACK = new Date('2026-12-07T10:00:00Z');
const cm = (data: Record<string, string> | undefined, creationTimestamp?: string): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gitfleet-hold', namespace: 'gitfleet-system', ...(creationTimestamp ? { creationTimestamp } : {}) }, ...(data ? { data } : {}) }) as KubeObject;

describe('holdFromConfigMap', () => {
  const cases: Array<[string, KubeObject | null, SpokeHold | undefined]> = [
    ['no ConfigMap: not held', null, undefined],
    ['a reason, since creationTimestamp', cm({ reason: ' change freeze until Monday \n' }, '2026-12-01T08:00:00Z'),
      { reason: 'change freeze until Monday', since: new Date('2026-12-01T08:00:00Z'), source: 'configmap gitfleet-system/gitfleet-hold' }],
    ['no data: held, reason names the ConfigMap', cm(undefined, '2026-12-01T08:00:00Z'),
      { reason: 'held by configmap gitfleet-system/gitfleet-hold', since: new Date('2026-12-01T08:00:00Z'), source: 'configmap gitfleet-system/gitfleet-hold' }],
    ['an empty reason: held, reason names the ConfigMap', cm({ reason: '  ' }, '2026-12-01T08:00:00Z'),
      { reason: 'held by configmap gitfleet-system/gitfleet-hold', since: new Date('2026-12-01T08:00:00Z'), source: 'configmap gitfleet-system/gitfleet-hold' }],
    ['other keys only: held', cm({ note: 'x' }, 'not a time'),
      { reason: 'held by configmap gitfleet-system/gitfleet-hold', since: FALLBACK, source: 'configmap gitfleet-system/gitfleet-hold' }],
    ['no creationTimestamp: since falls back', cm({ reason: 'r' }),
      { reason: 'r', since: FALLBACK, source: 'configmap gitfleet-system/gitfleet-hold' }],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(holdFromConfigMap(input, FALLBACK), want));

  it(`cuts a reason to ${MAX_HOLD_REASON} characters`, () => {
    assert.equal(holdFromConfigMap(cm({ reason: 'y'.repeat(5000) }, '2026-12-01T08:00:00Z'), FALLBACK)?.reason.length, MAX_HOLD_REASON);
  });
});

describe('combineHolds', () => {
  const a: SpokeHold = { reason: 'setting says', since: new Date('2026-12-05T00:00:00Z'), source: 'setting' };
  const b: SpokeHold = { reason: 'configmap says', since: new Date('2026-12-01T00:00:00Z'), source: 'configmap ns/h' };
  it('either alone as it is', () => {
    assert.equal(combineHolds(a, undefined), a);
    assert.equal(combineHolds(undefined, b), b);
    assert.equal(combineHolds(undefined, undefined), undefined);
  });
  it('both: reasons and sources joined, the earlier since', () => {
    assert.deepEqual(combineHolds(a, b), { reason: 'setting says; configmap says', since: b.since, source: 'setting, configmap ns/h' });
  });
});
