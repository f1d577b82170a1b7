import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOidcConfig, looksLikeJwt, mapRole, oidcActorName, parseRoleMap } from './oidc.js';
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

describe('OIDC configuration', () => {
  const base = { GITFLEET_OIDC_ISSUER: 'https://issuer.example', GITFLEET_OIDC_AUDIENCE: 'gitfleet', GITFLEET_OIDC_ROLE_MAP: '{"dev":"viewer"}' };

  it('is off without an issuer', () => assert.deepEqual(loadOidcConfig({}), { problems: [] }));

  it('reads the settings with their defaults', () => {
    assert.deepEqual(loadOidcConfig(base), { config: { issuer: 'https://issuer.example', audience: 'gitfleet', rolesClaim: 'groups', roleMap: { dev: 'viewer' } }, problems: [] });
    const r = loadOidcConfig({ ...base, GITFLEET_OIDC_JWKS_URL: 'https://issuer.example/keys', GITFLEET_OIDC_ROLES_CLAIM: 'sub' });
    assert.equal(r.config?.jwksUrl, 'https://issuer.example/keys');
    assert.equal(r.config?.rolesClaim, 'sub');
  });

  it('reads the CA file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitfleet-oidc-spec-'));
    try {
      const pem = join(dir, 'ca.crt');
      writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      assert.match(loadOidcConfig({ ...base, GITFLEET_OIDC_CA_FILE: pem }).config?.ca ?? '', /BEGIN CERTIFICATE/);
      writeFileSync(pem, 'not a certificate');
      assert.match(loadOidcConfig({ ...base, GITFLEET_OIDC_CA_FILE: pem }).problems.join(), /holds no PEM certificate/);
      assert.match(loadOidcConfig({ ...base, GITFLEET_OIDC_CA_FILE: join(dir, 'missing') }).problems.join(), /cannot be read: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // env overrides → a problem matching
  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['http issuer', { GITFLEET_OIDC_ISSUER: 'http://issuer.example' }, /GITFLEET_OIDC_ISSUER must be an https/],
    ['no audience', { GITFLEET_OIDC_AUDIENCE: '' }, /GITFLEET_OIDC_AUDIENCE is required/],
    ['http JWKS URL', { GITFLEET_OIDC_JWKS_URL: 'http://x/keys' }, /GITFLEET_OIDC_JWKS_URL must be an https/],
    ['claim with a space', { GITFLEET_OIDC_ROLES_CLAIM: 'my groups' }, /GITFLEET_OIDC_ROLES_CLAIM/],
    ['no role map', { GITFLEET_OIDC_ROLE_MAP: '' }, /GITFLEET_OIDC_ROLE_MAP .*required/],
    ['role map not JSON', { GITFLEET_OIDC_ROLE_MAP: '{dev:viewer}' }, /not valid JSON/],
    ['role map an array', { GITFLEET_OIDC_ROLE_MAP: '["dev"]' }, /must be a JSON object/],
    ['role map empty', { GITFLEET_OIDC_ROLE_MAP: '{}' }, /it is empty/],
    ['unknown role', { GITFLEET_OIDC_ROLE_MAP: '{"dev":"viewer","ops":"root"}' }, /bad entries: "ops"/],
  ];
  for (const [what, over, want] of bad) {
    it(`reports ${what}`, () => {
      const r = loadOidcConfig({ ...base, ...over });
      assert.equal(r.config, undefined);
      assert.match(r.problems.join('\n'), want);
    });
  }

  it('reports OIDC settings without an issuer', () => {
    assert.match(loadOidcConfig({ GITFLEET_OIDC_AUDIENCE: 'x' }).problems.join(), /GITFLEET_OIDC_AUDIENCE set without GITFLEET_OIDC_ISSUER/);
  });

  it('keeps the role map parser strict', () => {
    assert.deepEqual(parseRoleMap('{"a":"admin","b":"operator"}'), { a: 'admin', b: 'operator' });
    assert.equal(typeof parseRoleMap('{"":"admin"}'), 'string');
    assert.equal(typeof parseRoleMap('{"a":1}'), 'string');
  });
});
