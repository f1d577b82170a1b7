import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config.js';
import { loadNatsAuthConfig } from './nats-auth-config.js';

const ALL = {
  GITFLEET_NATS_CREDS_FILE: '/etc/gitfleet/nats/hub.creds',
  GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE: '/etc/gitfleet/nats/account-signing.nk',
  GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE: '/etc/gitfleet/nats/operator-signing.nk',
  GITFLEET_NATS_SYSTEM_CREDS_FILE: '/etc/gitfleet/nats/system.creds',
};

describe('loadNatsAuthConfig', () => {
  it('is off (undefined) when no variable is set', () => {
    assert.equal(loadNatsAuthConfig({}), undefined);
    assert.equal(loadNatsAuthConfig({ GITFLEET_NATS_CREDS_FILE: '  ', OTHER: 'x' }), undefined);
  });

  it('returns the four paths when all are set (trimmed)', () => {
    assert.deepEqual(loadNatsAuthConfig({ ...ALL, GITFLEET_NATS_CREDS_FILE: ' /etc/gitfleet/nats/hub.creds ' }), {
      credsFile: '/etc/gitfleet/nats/hub.creds',
      accountSigningKeyFile: '/etc/gitfleet/nats/account-signing.nk',
      operatorSigningKeyFile: '/etc/gitfleet/nats/operator-signing.nk',
      systemCredsFile: '/etc/gitfleet/nats/system.creds',
    });
  });

  const partial: Array<[string, Record<string, string>, string[]]> = [
    ['only the hub creds', { GITFLEET_NATS_CREDS_FILE: ALL.GITFLEET_NATS_CREDS_FILE }, ['GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE', 'GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE', 'GITFLEET_NATS_SYSTEM_CREDS_FILE']],
    ['all but the system creds', { ...ALL, GITFLEET_NATS_SYSTEM_CREDS_FILE: '' }, ['GITFLEET_NATS_SYSTEM_CREDS_FILE']],
    ['only the signing keys', { GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE: 'a', GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE: 'b' }, ['GITFLEET_NATS_CREDS_FILE', 'GITFLEET_NATS_SYSTEM_CREDS_FILE']],
  ];
  for (const [name, env, missing] of partial) {
    it(`refuses ${name}, naming what is missing`, () => {
      assert.throws(() => loadNatsAuthConfig(env), (err: Error) => {
        assert.ok(err instanceof ConfigError);
        const tail = err.message.slice(err.message.indexOf('missing:'));
        assert.equal(tail, `missing: ${missing.join(', ')}`);
        return true;
      });
    });
  }
});
