/**
 * DesiredState signing (trust boundary hub → spoke): the hub signs every DesiredState it
 * publishes with an ed25519 key (GITFLEET_SIGNING_KEY_FILE, PEM PKCS#8); agents installed with
 * the matching public key (agent `--bundle-public-keys`) refuse anything else. The signature
 * covers proto's `signingPayload(desired)` (the message with `signature` and `signing_key_id`
 * cleared), which names the bundle by its sha256 digest, so it covers the bundle's content too.
 * `parseSigningKey` and `signDesiredState` are pure; `loadSigningKey` reads the key file.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DesiredState, signingKeyId, signingPayload } from '@gitfleet/proto';

/** The hub's signing key and what operators install on agents. */
export interface SigningKey {
  /** ed25519 private key. Secret: never log or serve it. */
  privateKey: KeyObject;
  /** the public key, PEM (SPKI): what agents are installed with */
  publicKeyPem: string;
  /** proto `signingKeyId` of the public key (DesiredState.signing_key_id) */
  keyId: string;
  /** the file it was read from */
  file: string;
}

/**
 * Parses a PEM PKCS#8 ed25519 private key. Pure.
 * @throws Error (never quoting the key) when the text is no PEM private key or not ed25519
 */
export function parseSigningKey(pem: string, file: string): SigningKey {
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${file} holds no PEM private key (want "-----BEGIN PRIVATE KEY-----", PKCS#8 ed25519: openssl genpkey -algorithm ed25519)`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new Error(`${file}: cannot read the private key (${(err as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the signing key must be ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: signingKeyId(publicKey), file };
}

/**
 * Reads the signing key file.
 * @returns undefined when `file` is empty (signing off)
 * @throws Error naming the file when it cannot be read or holds no ed25519 private key
 */
export function loadSigningKey(file: string | undefined): SigningKey | undefined {
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseSigningKey(pem, file);
}

/**
 * A copy of `desired` signed with `key` (`signature` = ed25519 over `signingPayload`,
 * `signing_key_id` = the key's id); `desired` itself is left as it is. No key: returned as is
 * (unsigned). Pure.
 */
export function signDesiredState(desired: DesiredState, key: SigningKey | undefined): DesiredState {
  if (!key) return desired;
  return { ...desired, signature: new Uint8Array(sign(null, signingPayload(desired), key.privateKey)), signingKeyId: key.keyId };
}
