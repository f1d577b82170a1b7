import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { DesiredStateSchema } from './gen/fleet/v1/fleet_pb.js';
import { signingKeyId, signingPayload } from './signing.js';

describe('signing', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const desired = create(DesiredStateSchema, { cluster: 'spoke1', bundleId: 'b', revision: 'r1', digest: `sha256-${'a'.repeat(64)}`, generation: 3n });

  it('the payload ignores the signature fields, so a signed message verifies', () => {
    const payload = signingPayload(desired);
    const signed = create(DesiredStateSchema, { ...desired, signature: sign(null, Buffer.from(payload), privateKey), signingKeyId: signingKeyId(publicKey) });
    assert.deepEqual(signingPayload(signed), payload);
    assert.equal(verify(null, Buffer.from(signingPayload(signed)), publicKey, Buffer.from(signed.signature)), true);
  });
  it('any signed field changes the payload', () => {
    const base = Buffer.from(signingPayload(desired)).toString('hex');
    for (const change of [{ digest: `sha256-${'b'.repeat(64)}` }, { generation: 4n }, { cluster: 'spoke2' }, { revision: 'r2' }]) {
      assert.notEqual(Buffer.from(signingPayload(create(DesiredStateSchema, { ...desired, ...change }))).toString('hex'), base, JSON.stringify(change, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
  });
  it('key ids are stable, differ per key, and only ed25519 keys have one', () => {
    assert.match(signingKeyId(publicKey), /^[0-9a-f]{16}$/);
    assert.equal(signingKeyId(publicKey.export({ type: 'spki', format: 'pem' }).toString()), signingKeyId(publicKey));
    assert.notEqual(signingKeyId(generateKeyPairSync('ed25519').publicKey), signingKeyId(publicKey));
    assert.throws(() => signingKeyId(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), /ed25519/);
  });
});
