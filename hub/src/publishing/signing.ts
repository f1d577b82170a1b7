/**
 * DesiredState signing (trust boundary hub → spoke): the hub signs every DesiredState it
 * publishes with an ed25519 key (GITFLEET_SIGNING_KEY_FILE, PEM PKCS#8); agents installed with
 * the matching public key (agent `--bundle-public-keys`) refuse anything else. The signature
 * covers proto's `signingPayload(desired)` (the message with `signature` and `signing_key_id`
 * cleared), which names the bundle by its sha256 digest, so it covers the bundle's content too.
 * The key itself is read and checked with the other settings at start (config/signing-key.ts).
 * `signDesiredState` is pure.
 */
import { sign } from 'node:crypto';
import { type DesiredState, signingPayload } from '@gitfleet/proto';
import type { SigningKey } from '../config/signing-key.js';

/**
 * A copy of `desired` signed with `key` (`signature` = ed25519 over `signingPayload`,
 * `signing_key_id` = the key's id); `desired` itself is left as it is. No key: returned as is
 * (unsigned). Pure.
 */
export function signDesiredState(desired: DesiredState, key: SigningKey | undefined): DesiredState {
  if (!key) return desired;
  return { ...desired, signature: new Uint8Array(sign(null, signingPayload(desired), key.privateKey)), signingKeyId: key.keyId };
}
