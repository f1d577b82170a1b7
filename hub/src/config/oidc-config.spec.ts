import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOidcConfig, parseRoleMap } from './oidc-config.js';

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

  it('keeps a __proto__ key of the role map as an own entry (a claim value like any other)', () => {
    const map = parseRoleMap('{"__proto__":"viewer","a":"admin"}');
    assert.ok(typeof map !== 'string');
    assert.deepEqual(Object.entries(map), [['__proto__', 'viewer'], ['a', 'admin']]);
    assert.equal(Object.getPrototypeOf(map), Object.prototype);
  });
});
