import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesSelector, type LabelSelector } from './label-selector.js';

describe('matchesSelector', () => {
  const labels = { env: 'prod', zone: 'eu-1', gpu: '' };
  const table: Array<[string, LabelSelector, Record<string, string>, boolean]> = [
    ['empty selector matches everything', {}, labels, true],
    ['empty selector matches no labels', {}, {}, true],
    ['empty lists match everything', { matchLabels: {}, matchExpressions: [] }, labels, true],
    ['matchLabels equal', { matchLabels: { env: 'prod' } }, labels, true],
    ['matchLabels different value', { matchLabels: { env: 'dev' } }, labels, false],
    ['matchLabels missing key', { matchLabels: { tier: 'web' } }, labels, false],
    ['matchLabels all must hold', { matchLabels: { env: 'prod', zone: 'us-1' } }, labels, false],
    ['matchLabels empty value present', { matchLabels: { gpu: '' } }, labels, true],
    ['In listed', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, labels, true],
    ['In not listed', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, labels, false],
    ['In key absent', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, labels, false],
    ['NotIn listed', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, false],
    ['NotIn not listed', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, labels, true],
    ['NotIn key absent matches', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels, true],
    ['Exists present', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels, true],
    ['Exists present with empty value', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, labels, true],
    ['Exists absent', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist absent', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels, false],
    ['labels AND expressions', { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['eu-1'] }] }, labels, true],
    ['labels AND expressions, one fails', { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['eu-1'] }] }, labels, false],
    ['inherited keys are not labels', { matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}, false],
  ];
  for (const [name, selector, l, want] of table) {
    it(`${name} → ${want}`, () => assert.equal(matchesSelector(selector, l), want));
  }

  const invalid: Array<[string, LabelSelector, RegExp]> = [
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Equals' as 'In', values: ['x'] }] }, /invalid operator "Equals"/],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /needs values/],
    ['NotIn without values', { matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, /needs values/],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /takes no values/],
  ];
  for (const [name, selector, want] of invalid) {
    it(`throws: ${name}`, () => assert.throws(() => matchesSelector(selector, { a: 'x' }), want));
  }
});
