import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openSecret, sealSecret } from './secret-box.js';
import { bearerToken, generateToken, hashToken, tokenMatches } from './tokens.js';

describe('tokens', () => {
  it('generates gf_ + 32 random bytes base64url, all different', () => {
    const a = generateToken();
    assert.match(a, /^gf_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.slice(3), 'base64url').length, 32);
    assert.notEqual(a, generateToken());
  });

  it('stores sha256 hex and matches only the same token', () => {
    const t = generateToken();
    const h = hashToken(t);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.ok(!h.includes(t));
    assert.equal(h, hashToken(t));
    assert.ok(tokenMatches(t, h));
    assert.ok(!tokenMatches(`${t}x`, h));
    assert.ok(!tokenMatches(t, 'abcd'));
  });

  it('reads Bearer headers', () => {
    assert.equal(bearerToken('Bearer gf_abc'), 'gf_abc');
    assert.equal(bearerToken('bearer  gf_abc '), 'gf_abc');
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('secret box', () => {
  const key = randomBytes(32);
  it('round-trips, hides the plaintext, and is bound to key and owner', () => {
    const sealed = sealSecret(key, 'src-a', 's3cret-password');
    assert.ok(!sealed.includes('s3cret') && sealed.startsWith('v1:'));
    assert.notEqual(sealed, sealSecret(key, 'src-a', 's3cret-password'));
    assert.equal(openSecret(key, 'src-a', sealed), 's3cret-password');
    assert.throws(() => openSecret(key, 'src-b', sealed), (e: Error) => !e.message.includes('s3cret'));
    assert.throws(() => openSecret(randomBytes(32), 'src-a', sealed));
    assert.throws(() => openSecret(key, 'src-a', 'garbage'));
  });
});
