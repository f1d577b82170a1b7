import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { clone, toBinary } from '@bufbuild/protobuf';
import { DesiredStateSchema, type DesiredState } from './gen/fleet/v1/fleet_pb.js';

/**
 * The bytes a DesiredState signature covers: the protobuf binary of the DesiredState with
 * `signature` and `signing_key_id` cleared. protobuf-es writes fields in field-number order, so
 * the same message always gives the same bytes. The signature is ed25519 (RFC 8032) over these
 * bytes; because the DesiredState names the bundle by its sha256 digest, the signature also covers
 * the bundle's content (the agent recomputes the digest of the bytes it fetched). Pure: no I/O.
 */
export function signingPayload(desired: DesiredState): Uint8Array {
  const unsigned = clone(DesiredStateSchema, desired);
  unsigned.signature = new Uint8Array();
  unsigned.signingKeyId = '';
  return toBinary(DesiredStateSchema, unsigned);
}

/**
 * Key id of an ed25519 public key: the first 16 hex characters of the sha256 of its SPKI DER
 * encoding. The hub puts it in `signing_key_id`, so an agent that trusts several keys (rotation)
 * knows which one to check.
 * @throws Error when the key is not an ed25519 public key.
 */
export function signingKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`bundle signing keys are ed25519, got ${key.asymmetricKeyType ?? key.type}`);
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}
