/**
 * The hub's DesiredState signing key (GITFLEET_SIGNING_KEY_FILE, PEM PKCS#8 ed25519), read and
 * checked with the other settings at start so a bad key file stops the hub with the rest of the
 * configuration problems. What is signed and how: publishing/signing.ts.
 * `parseSigningKey` is pure; `loadSigningKey` reads the key file.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signingKeyId } from '@gitfleet/proto';

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
