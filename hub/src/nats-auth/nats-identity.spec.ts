import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccount, createOperator, createUser, decode, type User } from '@nats-io/jwt';
import { agentPermissions } from './agent-permissions.js';
import { checkUserPublicKey, InvalidNkeyError, NatsIdentity } from './nats-identity.js';

describe('NatsIdentity (offline)', () => {
  const account = createAccount();
  const signer = createAccount();
  const identity = new NatsIdentity(
    { accountPublicKey: account.getPublicKey(), accountSigningKey: signer, operatorSigningKey: createOperator(), systemCreds: new Uint8Array() },
    { servers: ['nats://127.0.0.1:1'] },
  );

  it('issues an agent user JWT signed by the account signing key for the account', async () => {
    const user = createUser();
    const claims = decode<User>(await identity.issueAgentUser('alpha', user.getPublicKey(), new Date('2030-01-01T00:00:00Z')));
    assert.equal(claims.sub, user.getPublicKey());
    assert.equal(claims.name, 'agent/alpha');
    assert.equal(claims.iss, signer.getPublicKey());
    assert.equal(claims.nats.issuer_account, account.getPublicKey());
    assert.equal(claims.exp, Date.parse('2030-01-01T00:00:00Z') / 1000);
    assert.deepEqual(claims.nats.tags, ['cluster:alpha']);
    const p = agentPermissions('alpha');
    assert.deepEqual({ pub: claims.nats.pub, sub: claims.nats.sub, resp: claims.nats.resp }, p);
    assert.equal(claims.nats.bearer_token, false);
    assert.deepEqual(claims.nats.allowed_connection_types, ['STANDARD']);
  });

  it('issues creds with a fresh user key', async () => {
    const c = await identity.issueAgentCreds('beta');
    assert.match(c.userPublicKey, /^U/);
    const text = new TextDecoder().decode(c.creds);
    assert.ok(text.includes(c.jwt));
    assert.match(text, /-----BEGIN USER NKEY SEED-----\nSU/);
  });

  const badKeys: Array<[string, string]> = [
    ['an account key', createAccount().getPublicKey()],
    ['an operator key', createOperator().getPublicKey()],
    ['a user seed', new TextDecoder().decode(createUser().getSeed())],
    ['garbage', 'UNOTAKEY'],
    // one key with its last character changed (56 base32 characters carry 35 bytes exactly, so the change lands in the CRC)
    ['a user key with a bad checksum', ((k: string) => `${k.slice(0, 55)}${k.endsWith('A') ? 'B' : 'A'}`)(createUser().getPublicKey())],
  ];
  for (const [name, key] of badKeys) {
    it(`refuses ${name} as a user key`, async () => {
      assert.throws(() => checkUserPublicKey(key), InvalidNkeyError);
      await assert.rejects(identity.issueAgentUser('alpha', key), InvalidNkeyError);
      await assert.rejects(identity.revokeUsers([key]), InvalidNkeyError);
    });
  }

  it('refuses keys of the wrong kind at construction', () => {
    assert.throws(() => new NatsIdentity({ accountPublicKey: account.getPublicKey(), accountSigningKey: createOperator(), operatorSigningKey: createOperator(), systemCreds: new Uint8Array() }, { servers: [] }), InvalidNkeyError);
    assert.throws(() => new NatsIdentity({ accountPublicKey: account.getPublicKey(), accountSigningKey: signer, operatorSigningKey: createAccount(), systemCreds: new Uint8Array() }, { servers: [] }), InvalidNkeyError);
  });
});
