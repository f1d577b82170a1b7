import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullDiff, mergeKeyOf, stripNoise, subsetDiff } from './compare.js';
import { compilePointer, isAtOrBelow, removeMember, valueAt } from './pointer.js';

describe('subsetDiff', () => {
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ['equal scalars', 1, 1, []],
    ['extra live fields are fine', { a: 1 }, { a: 1, b: 2 }, []],
    ['changed leaf', { a: { b: 1 } }, { a: { b: 2 } }, ['/a/b']],
    ['missing subtree names its leaves', { a: { b: 1, c: [1] } }, {}, ['/a/b', '/a/c']],
    ['empty desired map needs a live map', { e: {} }, { e: { x: 1 } }, []],
    ['empty desired map missing', { e: {} }, {}, ['/e']],
    ['atomic scalar list', { l: [1, 2] }, { l: [2, 1] }, ['/l']],
    ['keyed list in another order', { l: [{ name: 'a', v: 1 }, { name: 'b', v: 2 }] }, { l: [{ name: 'b', v: 2 }, { name: 'a', v: 1 }] }, []],
    ['keyed list names the live index', { l: [{ name: 'a', v: 1 }] }, { l: [{ name: 'z' }, { name: 'a', v: 9 }] }, ['/l/1/v']],
    ['unkeyed object list by index', { l: [{ k: 1 }] }, { l: [{ k: 1, d: 0 }] }, []],
    ['null desired wants absent', { a: null }, { a: 1 }, ['/a']],
    ['null desired, absent live', { a: null }, {}, []],
    ['escaped keys', { 'a/b': { '~c': 1 } }, { 'a/b': { '~c': 2 } }, ['/a~1b/~0c']],
  ];
  for (const [name, desired, live, paths] of cases) {
    it(name, () => assert.deepEqual(subsetDiff(desired, live).map((d) => d.path), paths));
  }
  it('detects merge keys', () => {
    assert.deepEqual(mergeKeyOf([{ containerPort: 80 }]), ['containerPort', 'protocol']);
    assert.equal(mergeKeyOf([1, 2]), undefined);
    assert.equal(mergeKeyOf([]), undefined);
  });
});

describe('fullDiff and stripNoise', () => {
  it('compares both ways and ignores noise', () => {
    const a = stripNoise({ metadata: { name: 'x', resourceVersion: '1', managedFields: [] }, status: { a: 1 }, data: { k: 'v', gone: '1' } });
    const b = stripNoise({ metadata: { name: 'x', resourceVersion: '2', generation: 3 }, status: { a: 2 }, data: { k: 'w', added: '1' } });
    assert.deepEqual(fullDiff(a, b).map((d) => [d.path, d.desired, d.live]), [['/data/k', 'v', 'w'], ['/data/gone', '1', undefined], ['/data/added', undefined, '1']]);
  });
});

describe('pointer helpers', () => {
  it('round-trips and reads', () => {
    const doc = { a: [{ 'b/c': 1 }] };
    const p = compilePointer(['a', '0', 'b/c']);
    assert.equal(p, '/a/0/b~1c');
    assert.equal(valueAt(doc, p), 1);
    assert.equal(valueAt(doc, '/a/1/x'), undefined);
    assert.equal(valueAt(doc, '/a/x'), undefined);
    assert.equal(valueAt(doc, ''), doc);
  });
  it('ancestry', () => {
    assert.ok(isAtOrBelow('/spec/replicas', '/spec'));
    assert.ok(!isAtOrBelow('/specs', '/spec'));
  });
  it('removes object members only', () => {
    const doc = { spec: { replicas: 2, l: [1] } };
    assert.equal(removeMember(doc, '/spec/replicas'), true);
    assert.equal(removeMember(doc, '/spec/l/0'), false);
    assert.deepEqual(doc, { spec: { l: [1] } });
  });
});
