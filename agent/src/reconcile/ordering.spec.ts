import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyOrder, applyWaves, phaseOf, pruneOrder } from './ordering.js';

const kind = (s: string) => s.split(':')[0]!;

describe('ordering', () => {
  const cases: Array<{ name: string; input: string[]; apply: string[] }> = [
    { name: 'empty', input: [], apply: [] },
    {
      name: 'namespaces, then CRDs, then the rest',
      input: ['Widget:w', 'Deployment:d', 'CustomResourceDefinition:c', 'Namespace:n'],
      apply: ['Namespace:n', 'CustomResourceDefinition:c', 'Deployment:d', 'Widget:w'],
    },
    {
      name: 'Helm kind order inside the rest',
      input: ['Deployment:d', 'Service:s', 'ConfigMap:c', 'ServiceAccount:sa'],
      apply: ['ServiceAccount:sa', 'ConfigMap:c', 'Service:s', 'Deployment:d'],
    },
    {
      name: 'stable for equal kinds',
      input: ['ConfigMap:b', 'ConfigMap:a', 'Namespace:z', 'ConfigMap:c', 'Namespace:y'],
      apply: ['Namespace:z', 'Namespace:y', 'ConfigMap:b', 'ConfigMap:a', 'ConfigMap:c'],
    },
    {
      name: 'unknown kinds after every known kind, in bundle order',
      input: ['Zeta:1', 'Alpha:2', 'ValidatingWebhookConfiguration:v'],
      apply: ['ValidatingWebhookConfiguration:v', 'Zeta:1', 'Alpha:2'],
    },
  ];
  for (const c of cases) {
    it(`apply order: ${c.name}`, () => {
      assert.deepEqual(applyOrder(c.input, kind), c.apply);
    });
    it(`prune order is the reverse: ${c.name}`, () => {
      assert.deepEqual(pruneOrder(c.input, kind), [...c.apply].reverse());
    });
  }

  it('cuts waves at every rank change', () => {
    const waves = applyWaves(['ConfigMap:a', 'Namespace:n', 'ConfigMap:b', 'Service:s', 'Widget:w', 'Gadget:g'], kind);
    assert.deepEqual(waves, [['Namespace:n'], ['ConfigMap:a', 'ConfigMap:b'], ['Service:s'], ['Widget:w', 'Gadget:g']]);
  });

  it('does not mutate its input', () => {
    const input = ['Service:s', 'Namespace:n'];
    applyOrder(input, kind);
    assert.deepEqual(input, ['Service:s', 'Namespace:n']);
  });

  const phases: Array<[string, string]> = [
    ['Namespace', 'namespaces'], ['CustomResourceDefinition', 'crds'], ['Deployment', 'others'], ['Widget', 'others'],
  ];
  for (const [k, p] of phases) it(`phase of ${k} is ${p}`, () => assert.equal(phaseOf(k), p));
});
