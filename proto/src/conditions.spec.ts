import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureClass } from './gen/fleet/v1/fleet_pb.js';
import { ConditionType, FAILURE_CLASS_NAMES, failureClassName, failureClassOf, failureCondition, type FailureClassName } from './conditions.js';

describe('failure classes', () => {
  const table: Array<[FailureClass, FailureClassName | null]> = [
    [FailureClass.TERMINAL, 'terminal'],
    [FailureClass.WAITING, 'waiting'],
    [FailureClass.TRANSIENT, 'transient'],
    [FailureClass.UNSPECIFIED, null],
    [7 as FailureClass, null],
  ];
  for (const [c, want] of table) it(`${FailureClass[c] ?? c} → ${want}`, () => assert.equal(failureClassName(c), want));

  it('failureClassOf inverts failureClassName; undefined is no failure', () => {
    for (const name of FAILURE_CLASS_NAMES) assert.equal(failureClassName(failureClassOf(name)), name);
    assert.equal(failureClassOf(undefined), FailureClass.UNSPECIFIED);
  });

  it('terminal stalls, waiting and transient keep reconciling (Flux kustomize-controller)', () => {
    assert.deepEqual(FAILURE_CLASS_NAMES.map(failureCondition), [ConditionType.Stalled, ConditionType.Reconciling, ConditionType.Reconciling]);
    assert.deepEqual([ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled], ['Ready', 'Reconciling', 'Stalled']);
  });
});
