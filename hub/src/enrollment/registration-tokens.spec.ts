import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { enrolledLabels, generateRegistrationToken, looksLikeUserPublicKey, refusalReason, type TokenUse } from './registration-tokens.js';

const now = new Date('2026-11-21T12:00:00Z');
const later = new Date('2026-11-22T12:00:00Z');
const earlier = new Date('2026-11-20T12:00:00Z');

describe('refusalReason', () => {
  const cases: { name: string; row: TokenUse | null; want: RegExp | null }[] = [
    { name: 'unknown token', row: null, want: /not recognised/ },
    { name: 'valid, unlimited', row: { name: 't', expiresAt: later, maxUses: null, uses: 99 }, want: null },
    { name: 'valid, one use left', row: { name: 't', expiresAt: later, maxUses: 3, uses: 2 }, want: null },
    { name: 'used up', row: { name: 't', expiresAt: later, maxUses: 3, uses: 3 }, want: /"t" is used up \(3 of 3 enrollments\)/ },
    { name: 'expired', row: { name: 't', expiresAt: earlier, maxUses: null, uses: 0 }, want: /"t" expired at 2026-11-20T12:00:00.000Z/ },
    { name: 'expires exactly now', row: { name: 't', expiresAt: now, maxUses: null, uses: 0 }, want: /expired/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = refusalReason(c.row, now);
      if (c.want === null) assert.equal(got, null);
      else assert.match(got ?? '', c.want);
    });
  }
});

describe('enrolledLabels', () => {
  it('token labels win over the agent, the agent over the adopted record', () => {
    assert.deepEqual(
      enrolledLabels({ env: 'old', keep: 'x' }, { env: 'dev', region: 'eu' }, { env: 'prod' }),
      { env: 'prod', keep: 'x', region: 'eu' },
    );
  });
  it('a new cluster without agent labels gets the token labels', () => {
    assert.deepEqual(enrolledLabels(undefined, undefined, { tier: 'edge' }), { tier: 'edge' });
  });
});

describe('generateRegistrationToken', () => {
  it('makes distinct gfr_ tokens of 256 bits', () => {
    const a = generateRegistrationToken();
    assert.match(a, /^gfr_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateRegistrationToken());
  });
});

describe('looksLikeUserPublicKey', () => {
  const cases: [string, boolean][] = [
    ['UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4', true],
    ['ADXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4', false], // an account key
    ['SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTVUKKMQ5Y4AUOH34HY', false], // a seed
    ['udxu4rcsjnzoiqhznwxhxordprtgnjahahfrgzneejcpqtt2m7nlcnf4', false],
    ['U123', false],
  ];
  for (const [key, want] of cases) it(`${key.slice(0, 8)}… → ${want}`, () => assert.equal(looksLikeUserPublicKey(key), want));
});
