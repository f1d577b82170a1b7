import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeJwt, mapRole, oidcActorName } from './oidc.js';
import type { Role } from './roles.js';

const roleMap: Record<string, Role> = { 'platform-admins': 'admin', sre: 'operator', dev: 'viewer', 'system:serviceaccount:ns:ci': 'operator' };

describe('OIDC role mapping', () => {
  // claim value → role
  const table: Array<[string, unknown, Role | null]> = [
    ['one group', ['dev'], 'viewer'],
    ['several groups: the strongest wins', ['dev', 'platform-admins', 'sre'], 'admin'],
    ['operator and viewer', ['sre', 'dev'], 'operator'],
    ['unknown and known', ['nobody', 'sre'], 'operator'],
    ['only unknown groups', ['nobody', 'others'], null],
    ['empty array', [], null],
    ['a string claim (sub)', 'system:serviceaccount:ns:ci', 'operator'],
    ['a string claim not in the map', 'system:serviceaccount:ns:other', null],
    ['non-string items ignored', [42, null, { dev: true }, 'dev'], 'viewer'],
    ['absent claim', undefined, null],
    ['number claim', 7, null],
    ['object claim', { dev: 'viewer' }, null],
    ['inherited object keys are not roles', ['toString', '__proto__', 'constructor'], null],
  ];
  for (const [what, claim, want] of table) {
    it(`${what} → ${want ?? 'no role'}`, () => assert.equal(mapRole(claim, roleMap), want));
  }
});

describe('OIDC helpers', () => {
  it('recognises JWT-shaped tokens only', () => {
    assert.ok(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
    for (const t of ['gf_abcDEF012-_xyz', 'a.b', 'a.b.c.d', 'a..c', 'a.b.c=', 'a b.c.d']) assert.ok(!looksLikeJwt(t), t);
  });

  it('names the actor after preferred_username, else email, else sub', () => {
    assert.equal(oidcActorName({ sub: 's', email: 'e@x', preferred_username: 'p' }), 'oidc:p');
    assert.equal(oidcActorName({ sub: 's', email: 'e@x' }), 'oidc:e@x');
    assert.equal(oidcActorName({ sub: 's', preferred_username: '' }), 'oidc:s');
  });
});
