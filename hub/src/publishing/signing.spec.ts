import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { CONTRACT_VERSION, create, DesiredStateSchema, fromBinary, signingKeyId, signingPayload } from '@gitfleet/proto';
import { ConfigError, loadConfig } from '../config/config.js';
import { PublishingRepository } from './publishing.repository.js';
import { SigningKeysController } from '../api/signing-keys.controller.js';
import { loadSigningKey, parseSigningKey } from '../config/signing-key.js';
import { signDesiredState } from './signing.js';

const pair = generateKeyPairSync('ed25519');
const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const desired = () => create(DesiredStateSchema, {
  contractVersion: CONTRACT_VERSION, cluster: 'spoke1', bundleId: 'src-web', revision: 'abc', digest: `sha256-${'a'.repeat(64)}`,
  generation: 7n, syncPolicy: { automated: true, prune: true, selfHeal: true }, targetNamespace: 'web', publishedAt: '2026-01-01T00:00:00.000Z',
});
/** proto's rule, as the agent applies it. */
const verifies = (d: ReturnType<typeof desired>) => verify(null, signingPayload(d), pair.publicKey, d.signature);

describe('signing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-signing-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('reads a PKCS#8 ed25519 key: public key PEM and proto key id', () => {
    const key = parseSigningKey(privatePem, 'k.pem');
    assert.equal(key.publicKeyPem, publicPem);
    assert.equal(key.keyId, signingKeyId(pair.publicKey));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a public key', publicPem, /holds no PEM private key/],
    ['garbage', 'not a key', /holds no PEM private key/],
    ['a broken PEM block', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /cannot read the private key/],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /must be ed25519, got rsa/],
  ];
  for (const [name, content, message] of bad) {
    it(`refuses ${name}, naming the file and never quoting it`, () => {
      assert.throws(() => parseSigningKey(content, 'k.pem'), (err: Error) => message.test(err.message) && err.message.includes('k.pem') && !err.message.includes('AAAA'));
    });
  }

  it('signs a copy that verifies with proto\'s rule; the input stays unsigned; no key → unsigned', () => {
    const key = parseSigningKey(privatePem, 'k.pem');
    const d = desired();
    const s = signDesiredState(d, key);
    assert.equal(s.signingKeyId, key.keyId);
    assert.equal(verifies(s), true);
    assert.equal(d.signature.length, 0);
    assert.equal(signDesiredState(d, undefined), d);
    const changed = { ...s, generation: 8n };
    assert.equal(verifies(changed), false, 'the signature covers the generation');
  });

  it('PublishingRepository writes every DesiredState signed (the bytes verify), or unsigned without a key', async () => {
    const puts: Array<[string, Uint8Array]> = [];
    const kv = { put: async (k: string, v: Uint8Array) => { puts.push([k, v]); return puts.length; } } as unknown as KV;
    const stores = { resources: { desired: kv, bundles: {} as ObjectStore } };
    const key = parseSigningKey(privatePem, 'k.pem');
    const signing = new PublishingRepository(stores, { signingKey: key, signingKeyFile: 'k.pem' });
    await signing.putDesiredState('spoke1.src-web', desired());
    const written = fromBinary(DesiredStateSchema, puts[0]![1]);
    assert.equal(written.signingKeyId, key.keyId);
    assert.equal(verifies(written), true);
    assert.equal(written.generation, 7n);

    const plain = new PublishingRepository(stores);
    await plain.putDesiredState('spoke1.src-web', desired());
    assert.equal(fromBinary(DesiredStateSchema, puts[1]![1]).signature.length, 0);

    assert.deepEqual(new SigningKeysController(signing).get(), { signed: true, keys: [{ keyId: key.keyId, publicKeyPem: publicPem }] });
    assert.deepEqual(new SigningKeysController(plain).get(), { signed: false, keys: [] });
  });

  it('loadConfig: GITFLEET_SIGNING_KEY_FILE loads the key; a missing file is "unsigned"; a bad file is a ConfigError', () => {
    const base = { GITFLEET_DATABASE_URL: 'postgres://u:p@h:5432/d', GITFLEET_NATS_URL: 'nats://127.0.0.1:4222', GITFLEET_ADMIN_TOKEN: 'signing-spec-admin-token' };
    const good = file('good.pem', privatePem);
    assert.equal(loadConfig({ ...base, GITFLEET_SIGNING_KEY_FILE: good }).signingKey?.keyId, signingKeyId(pair.publicKey));
    assert.equal(loadConfig(base).signingKey, undefined);
    const missing = loadConfig({ ...base, GITFLEET_SIGNING_KEY_FILE: join(dir, 'absent.pem') });
    assert.equal(missing.signingKey, undefined);
    assert.equal(missing.signingKeyFile, join(dir, 'absent.pem'));
    const badFile = file('bad.pem', publicPem);
    assert.throws(() => loadConfig({ ...base, GITFLEET_SIGNING_KEY_FILE: badFile }), (err: Error) => err instanceof ConfigError && /GITFLEET_SIGNING_KEY_FILE: .*bad\.pem holds no PEM private key/.test(err.message));
    assert.equal(loadSigningKey(''), undefined);
  });
});
