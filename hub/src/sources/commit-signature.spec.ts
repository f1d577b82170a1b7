import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { InvalidInputError } from '../errors.js';
import { parseTrustedKeys, readTrustedKeys, verifyCommitSignature, type SignedCommitInput } from './commit-signature.js';

const OID = 'abc1234def5678901234567890abcdef12345678';
const PAYLOAD = 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@test.invalid> 1767225600 +0000\ncommitter a <a@test.invalid> 1767225600 +0000\n\ndeploy\n';
const DAY = 86_400_000;

/** A detached, armored signature over `payload` (binary, as Git makes it) by `keys`. */
async function sign(payload: string, keys: openpgp.PrivateKey[], date?: Date): Promise<string> {
  const message = await openpgp.createMessage({ binary: new TextEncoder().encode(payload) });
  return openpgp.sign({ message, signingKeys: keys, detached: true, ...(date ? { date } : {}) });
}

/** A generated key pair (openpgp.js's `generateKey({format: 'object'})`). */
type KeyPair = { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };

describe('commit signature policy', () => {
  let trusted: KeyPair;
  let other: KeyPair;
  let expired: KeyPair;
  let rsa: KeyPair;

  before(async () => {
    const past = new Date(Date.now() - 3 * DAY);
    [trusted, other, expired, rsa] = await Promise.all([
      openpgp.generateKey({ userIDs: [{ name: 'Trusted Signer', email: 'trusted@test.invalid' }], format: 'object' }),
      openpgp.generateKey({ userIDs: [{ name: 'Someone Else', email: 'other@test.invalid' }], format: 'object' }),
      openpgp.generateKey({ userIDs: [{ name: 'Old Signer', email: 'old@test.invalid' }], date: past, keyExpirationTime: 1 * 86_400, format: 'object' }),
      openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'RSA Signer', email: 'rsa@test.invalid' }], format: 'object' }),
    ]);
  });

  describe('verifyCommitSignature', () => {
    // each row: a commit and the trusted keys → verified, or the reason it is held
    const table: Array<{ name: string; commit: () => Promise<SignedCommitInput>; keys: () => openpgp.PublicKey[]; verified: boolean; reason?: () => RegExp; fingerprint?: () => string }> = [
      {
        name: 'signed by a trusted key → verified',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: await sign(PAYLOAD, [trusted.privateKey]) }),
        keys: () => [other.publicKey, trusted.publicKey],
        verified: true,
        fingerprint: () => trusted.publicKey.getFingerprint().toUpperCase(),
      },
      {
        name: 'signed by a trusted RSA key → verified',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: await sign(PAYLOAD, [rsa.privateKey]) }),
        keys: () => [rsa.publicKey],
        verified: true,
        fingerprint: () => rsa.publicKey.getFingerprint().toUpperCase(),
      },
      {
        name: 'signed by an untrusted and a trusted key → verified by the trusted one',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: await sign(PAYLOAD, [other.privateKey, trusted.privateKey]) }),
        keys: () => [trusted.publicKey],
        verified: true,
        fingerprint: () => trusted.publicKey.getFingerprint().toUpperCase(),
      },
      {
        name: 'unsigned → held',
        commit: async () => ({ oid: OID, payload: PAYLOAD }),
        keys: () => [trusted.publicKey],
        verified: false,
        reason: () => /^commit abc1234 is not signed$/,
      },
      {
        name: 'signed by another key → held, naming its key ID',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: await sign(PAYLOAD, [other.privateKey]) }),
        keys: () => [trusted.publicKey],
        verified: false,
        reason: () => new RegExp(`^commit abc1234 is signed by untrusted key ${other.publicKey.getKeyID().toHex().toUpperCase()}$`),
      },
      {
        name: 'payload altered after signing → held',
        commit: async () => ({ oid: OID, payload: PAYLOAD.replace('deploy', 'deploy evil'), gpgsig: await sign(PAYLOAD, [trusted.privateKey]) }),
        keys: () => [trusted.publicKey],
        verified: false,
        reason: () => /^commit abc1234: signature by key [0-9A-F]{16} does not verify: Signed digest did not match$/,
      },
      {
        name: 'signed while the key was valid, key expired since → held',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: await sign(PAYLOAD, [expired.privateKey], new Date(Date.now() - 3 * DAY + 3_600_000)) }),
        keys: () => [expired.publicKey],
        verified: false,
        reason: () => /does not verify: .*expired/i,
      },
      {
        name: 'SSH signature → held',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----' }),
        keys: () => [trusted.publicKey],
        verified: false,
        reason: () => /SSH signature; only OpenPGP/,
      },
      {
        name: 'garbage signature → held',
        commit: async () => ({ oid: OID, payload: PAYLOAD, gpgsig: '-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----' }),
        keys: () => [trusted.publicKey],
        verified: false,
        reason: () => /^commit abc1234 has an unreadable OpenPGP signature/,
      },
    ];

    for (const row of table) {
      it(row.name, async () => {
        const got = await verifyCommitSignature(await row.commit(), row.keys());
        assert.equal(got.revision, OID);
        assert.equal(got.verified, row.verified, got.reason ?? '');
        if (row.verified) {
          assert.equal(got.reason, null);
          assert.equal(got.keyFingerprint, row.fingerprint!());
          assert.match(got.signer ?? '', /<[a-z]+@test\.invalid>$/);
        } else {
          assert.match(got.reason ?? '', row.reason!());
          assert.equal(got.keyFingerprint, null);
        }
      });
    }
  });

  describe('parseTrustedKeys', () => {
    it('describes each key: fingerprint, key ID, user IDs, expiry; round-trips through the stored armor', async () => {
      const [rec] = await parseTrustedKeys([trusted.publicKey.armor()]);
      assert.equal(rec!.fingerprint, trusted.publicKey.getFingerprint().toUpperCase());
      assert.equal(rec!.keyId, trusted.publicKey.getKeyID().toHex().toUpperCase());
      assert.deepEqual(rec!.userIds, ['Trusted Signer <trusted@test.invalid>']);
      assert.equal(rec!.expiresAt, null);
      const [key] = await readTrustedKeys([rec!]);
      assert.equal(key!.getFingerprint(), trusted.publicKey.getFingerprint());
    });

    it('takes several keys in one entry and drops duplicates', async () => {
      const both = (await parseTrustedKeys([`${trusted.publicKey.armor()}\n${other.publicKey.armor()}`, trusted.publicKey.armor()])).map((r) => r.fingerprint);
      assert.deepEqual(both, [trusted.publicKey.getFingerprint().toUpperCase(), other.publicKey.getFingerprint().toUpperCase()]);
    });

    const bad: Array<{ name: string; input: () => string[]; message: RegExp }> = [
      { name: 'garbage', input: () => [trusted.publicKey.armor(), 'not a key'], message: /^commitSignatures\.trustedKeys\[1\] is not an armored OpenPGP public key/ },
      { name: 'a private key', input: () => [trusted.privateKey.armor()], message: /^commitSignatures\.trustedKeys\[0\] is a private key/ },
      { name: 'an expired key', input: () => [expired.publicKey.armor()], message: /^commitSignatures\.trustedKeys\[0\] \(key [0-9A-F]{40}\) cannot verify signatures: .*expired/i },
    ];
    for (const row of bad) {
      it(`refuses ${row.name} with a 400 naming the field and index`, async () => {
        await assert.rejects(parseTrustedKeys(row.input()), (err: Error) => err instanceof InvalidInputError && row.message.test(err.message));
      });
    }
  });
});
