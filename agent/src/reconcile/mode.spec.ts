import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, DesiredStateSchema } from '@gitfleet/proto';
import { workloadSelectorQuery } from './keeper.js';
import { keepsOnPrune } from './plan.js';
import { ignoreRulesOf, reconcileMode, type Trigger } from './reconcile.js';

describe('reconcileMode', () => {
  const cases: Array<[string, Trigger, boolean, boolean, boolean, boolean, string]> = [
    // name, trigger, automated, selfHeal, applied, syncRequested, want
    ['a new revision applies', 'update', true, true, false, false, 'apply'],
    ['a replay of what is applied is observed', 'replay', true, true, true, false, 'observe'],
    ['a replay of what is not applied applies', 'replay', true, true, false, false, 'apply'],
    ['automated=false plans', 'update', false, true, false, false, 'plan'],
    ['automated=false plans on resync too', 'resync', false, false, true, false, 'plan'],
    ['automated=false with a new sync_request applies', 'update', false, false, false, true, 'apply'],
    ['a resync without self-heal observes (drift stays)', 'resync', true, false, true, false, 'observe'],
    ['a resync with self-heal re-applies', 'resync', true, true, true, false, 'apply'],
    ['a resync of a failed apply retries it', 'resync', true, false, false, false, 'apply'],
    ['a replay of an applied manual target is observed', 'replay', false, false, true, false, 'observe'],
  ];
  for (const [name, trigger, automated, selfHeal, applied, syncRequested, want] of cases) {
    it(name, () => assert.equal(reconcileMode({ trigger, automated, selfHeal, applied, syncRequested }), want));
  }
});

describe('desired-state helpers', () => {
  it('reads ignore rules', () => {
    const d = create(DesiredStateSchema, { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], managers: ['hpa'] }] });
    assert.deepEqual(ignoreRulesOf(d), [{ group: 'apps', kind: 'Deployment', namespace: '', name: '', jsonPointers: ['/spec/replicas'], managers: ['hpa'] }]);
  });
  it('reads the prune annotation', () => {
    const obj = (annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...(annotations ? { annotations } : {}) } });
    assert.equal(keepsOnPrune(obj({ 'gitfleet.io/prune': 'false' })), true);
    assert.equal(keepsOnPrune(obj({ 'gitfleet.io/prune': 'true' })), false);
    assert.equal(keepsOnPrune(obj()), false);
  });
  it('writes label selectors', () => {
    assert.equal(workloadSelectorQuery({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }, { key: 'z', operator: 'NotIn', values: ['c'] }] }),
      'app=web,tier in (a,b),x,!y,z notin (c)');
    assert.equal(workloadSelectorQuery({}), undefined);
    assert.equal(workloadSelectorQuery(undefined), undefined);
  });
});
