// canonicalJson against RFC 8785 (JSON Canonicalization Scheme), as implemented by the
// `canonicalize` package: where they agree byte for byte, and the inputs where they do not (the
// reason canonicalJson is kept: see its doc comment in digest.ts). Rendered bundles of the
// fixture repositories are compared by hub/src/rendering/canonical-json.spec.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from './digest.js';

/** True for an ECMAScript array index ("0", "1", … "4294967294"): a key V8 enumerates first, in numeric order. */
const isArrayIndex = (key: string): boolean => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;

/** True when no object inside `v` has an array-index key or a `__proto__` key. */
function noArrayIndexKeys(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(noArrayIndexKeys);
  if (v !== null && typeof v === 'object') return Object.entries(v).every(([k, x]) => !isArrayIndex(k) && k !== '__proto__' && noArrayIndexKeys(x));
  return true;
}

/** Keys that are array indices, other keys, and the characters that sort around digits. */
const keys = fc.oneof(fc.string(), fc.nat({ max: 100_000 }).map(String), fc.constantFrom('', '-1', '0a', '01', '!', 'A', '~', '\u00e9', '\ud83d\ude00'));
/** JSON values whose object keys come from `keys`. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value')),
    fc.dictionary(keys, tie('value')),
  ),
})).value;

describe('canonicalJson and RFC 8785 canonicalize', () => {
  it('agree byte for byte on every JSON value without array-index or __proto__ keys (numbers, escapes, key order)', () => {
    fc.assert(
      fc.property(json, (v) => {
        fc.pre(noArrayIndexKeys(v));
        assert.equal(canonicalJson(v), canonicalize(v));
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
      fc.pre(noArrayIndexKeys(v));
      assert.equal(canonicalJson(v), canonicalize(v));
    }), { numRuns: 2000 });
  });

  it('differ on an object whose array-index keys are out of UTF-16 order (canonicalJson: indices first, numerically)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 1_000_000 }), (small, big) => {
        const v = { [String(small)]: 'a', [String(big)]: 'b' };
        const ours = canonicalJson(v);
        const rfc = canonicalize(v)!;
        // RFC 8785 §3.2.3 sorts by UTF-16 code units: "10" before "9"; V8 enumerates array indices numerically
        assert.equal(ours, `{"${small}":"a","${big}":"b"}`);
        assert.equal(rfc, String(big) < String(small) ? `{"${big}":"b","${small}":"a"}` : ours);
      }),
    );
    // the cases that change a digest
    const table: Array<[unknown, string, string]> = [
      [{ '9': 'x', '10': 'y' }, '{"9":"x","10":"y"}', '{"10":"y","9":"x"}'],
      [{ '22': 'tcp', '9000': 'tcp', '8080': 'http' }, '{"22":"tcp","8080":"http","9000":"tcp"}', '{"22":"tcp","8080":"http","9000":"tcp"}'],
      [{ '5': 'p', '443': 'q' }, '{"5":"p","443":"q"}', '{"443":"q","5":"p"}'],
      [{ '0a': 1, '1': 2 }, '{"1":2,"0a":1}', '{"0a":1,"1":2}'],
      [{ '': 1, '7': 2 }, '{"7":2,"":1}', '{"":1,"7":2}'],
      [{ '-1': 1, '1': 2 }, '{"1":2,"-1":1}', '{"-1":1,"1":2}'],
    ];
    for (const [v, ours, rfc] of table) {
      assert.equal(canonicalJson(v), ours);
      assert.equal(canonicalize(v), rfc);
    }
  });

  it('differ on values outside I-JSON: NaN, Infinity, lone surrogates (canonicalJson: JSON.stringify; canonicalize: throws)', () => {
    assert.equal(canonicalJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY }), '{"a":null,"b":null}');
    assert.throws(() => canonicalize({ a: Number.NaN }), /NaN is not allowed/);
    assert.throws(() => canonicalize({ b: Number.POSITIVE_INFINITY }), /Infinity is not allowed/);
    assert.equal(canonicalJson({ s: '\ud800' }), '{"s":"\\ud800"}');
    assert.throws(() => canonicalize({ s: '\ud800' }), /Lone surrogate/);
  });

  it('differ on an own "__proto__" key (canonicalJson drops it: assigning it sets the prototype)', () => {
    const v = JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown;
    assert.equal(canonicalJson(v), '{"b":2}');
    assert.equal(canonicalize(v), '{"__proto__":{"a":1},"b":2}');
  });

  it('differ on objects with toJSON (canonicalJson sorts own keys: a Date is {})', () => {
    const d = new Date(0);
    assert.equal(canonicalJson({ d }), '{"d":{}}');
    assert.equal(canonicalize({ d }), '{"d":"1970-01-01T00:00:00.000Z"}');
  });
});
