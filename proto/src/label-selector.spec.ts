// Label selectors (apimachinery semantics): a fixture table for matching, the refused inputs,
// the query form, and properties over random label sets (fast-check).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LABEL_SELECTOR_OPERATORS,
  LabelSelectorError,
  matchesSelector,
  selectorFromSet,
  selectorString,
  validateSelector,
  type LabelSelector,
  type LabelSelectorRequirement,
} from './label-selector.js';

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
    it(`validateSelector throws a LabelSelectorError naming the key: ${name}`, () =>
      assert.throws(() => validateSelector(selector), (err: unknown) => err instanceof LabelSelectorError && err.key === 'a' && want.test(err.message) && want.test(err.reason)));
  }

  it('refuses an invalid requirement even when an earlier one already failed to match', () =>
    assert.throws(() => matchesSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'In' }] }, { a: 'x' }), LabelSelectorError));
});

describe('validateSelector', () => {
  it('accepts every valid operator form and the empty selector', () => {
    validateSelector({});
    validateSelector({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }, { key: 'c', operator: 'NotIn', values: ['d'] }, { key: 'e', operator: 'Exists' }, { key: 'f', operator: 'DoesNotExist', values: [] }] });
  });
  it('names the operator and reason', () => {
    assert.throws(() => validateSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn' }] }), (err: unknown) =>
      err instanceof LabelSelectorError && err.operator === 'NotIn' && err.reason === 'operator NotIn on "tier" needs values' && err.message === 'label selector: operator NotIn on "tier" needs values');
  });
});

describe('selectorString', () => {
  it('writes the query form of each operator, in the order given', () => {
    assert.equal(selectorString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }, { key: 'z', operator: 'NotIn', values: ['c'] }] }),
      'app=web,tier in (a,b),x,!y,z notin (c)');
  });
  it('is empty for the empty selector', () => {
    assert.equal(selectorString({}), '');
    assert.equal(selectorString({ matchLabels: {}, matchExpressions: [] }), '');
  });
  it('refuses what validateSelector refuses', () => assert.throws(() => selectorString({ matchExpressions: [{ key: 'a', operator: 'In' }] }), LabelSelectorError));
});

describe('label selector properties', () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9.-]{0,7}$/);
  const value = fc.stringMatching(/^[a-z0-9]{0,6}$/);
  const labelSet = fc.dictionary(key, value, { maxKeys: 6 });
  const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
    fc.record({ key, operator: fc.constantFrom<'In' | 'NotIn'>('In', 'NotIn'), values: fc.array(value, { minLength: 1, maxLength: 3 }) }),
    fc.record({ key, operator: fc.constantFrom<'Exists' | 'DoesNotExist'>('Exists', 'DoesNotExist') }),
  );
  const selector: fc.Arbitrary<LabelSelector> = fc.record({ matchLabels: fc.dictionary(key, value, { maxKeys: 3 }), matchExpressions: fc.array(requirement, { maxLength: 3 }) }, { requiredKeys: [] });

  it('a selector built from a label set matches that set, and any superset of it', () => {
    fc.assert(fc.property(labelSet, labelSet, (set, extra) => {
      assert.equal(matchesSelector(selectorFromSet(set), set), true);
      assert.equal(matchesSelector(selectorFromSet(set), { ...extra, ...set }), true);
    }));
  });

  it('a selector built from a non-empty label set does not match a set missing one of its keys', () => {
    fc.assert(fc.property(labelSet.filter((s) => Object.keys(s).length > 0), (set) => {
      const [drop] = Object.keys(set);
      const rest = Object.fromEntries(Object.entries(set).filter(([k]) => k !== drop));
      assert.equal(matchesSelector(selectorFromSet(set), rest), false);
    }));
  });

  it('NotIn is the negation of In and DoesNotExist of Exists, for any labels', () => {
    fc.assert(fc.property(key, fc.array(value, { minLength: 1, maxLength: 3 }), labelSet, (k, values, labels) => {
      const m = (operator: LabelSelectorRequirement['operator'], v?: string[]) => matchesSelector({ matchExpressions: [{ key: k, operator, ...(v ? { values: v } : {}) }] }, labels);
      assert.equal(m('NotIn', values), !m('In', values));
      assert.equal(m('DoesNotExist'), !m('Exists'));
    }));
  });

  it('a selector matches exactly when each of its parts does (AND)', () => {
    fc.assert(fc.property(selector, labelSet, (sel, labels) => {
      const parts: LabelSelector[] = [
        ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => ({ matchLabels: { [k]: v } })),
        ...(sel.matchExpressions ?? []).map((e) => ({ matchExpressions: [e] })),
      ];
      assert.equal(matchesSelector(sel, labels), parts.every((p) => matchesSelector(p, labels)));
    }));
  });

  it('every valid selector passes validateSelector and prints one part per requirement', () => {
    fc.assert(fc.property(selector, (sel) => {
      validateSelector(sel);
      const n = Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length;
      assert.equal(selectorString(sel) === '' ? 0 : selectorString(sel).split(/,(?![^(]*\))/).length, n);
    }));
  });

  it('knows the four operators', () => assert.deepEqual([...LABEL_SELECTOR_OPERATORS], ['In', 'NotIn', 'Exists', 'DoesNotExist']));
});
