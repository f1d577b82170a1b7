/**
 * DesiredState signatures (trust boundary hub → spoke). The hub signs every DesiredState with an
 * ed25519 key (proto `signingPayload`: the message with `signature` and `signing_key_id`
 * cleared); the agent is installed with the hub's public key(s) (`--bundle-public-keys`) and
 * refuses a desired state that is unsigned, signed by a key it does not trust, or whose signature
 * does not verify. The DesiredState names its bundle by sha256 digest and the fetcher checks the
 * bundle's bytes against it, so a verified signature covers the bundle's content too.
 * Key rotation: any configured key is accepted (the message's `signing_key_id` picks it).
 *
 * `parseTrustedKeys` and `signatureRefusal` are pure; `loadTrustedKeys` reads the key files.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DesiredState, signingKeyId, signingPayload } from '@gitfleet/proto';
import { TerminalError } from '../errors.js';

/** The public keys an agent trusts, by key id (proto `signingKeyId`). */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Parses the contents of key files into trusted keys. A file holds one or more PEM blocks
 * (`PUBLIC KEY`, SPKI), or one DER-encoded SPKI key. Pure.
 * @throws Error naming the file when it holds no key, a block is not a public key, or a key is
 *   not ed25519
 */
export function parseTrustedKeys(files: ReadonlyArray<{ file: string; content: Buffer | string }>): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const { file, content } of files) {
    const text = typeof content === 'string' ? content : content.toString('utf8');
    const blocks = [...text.matchAll(PEM_BLOCK)];
    const parsed: KeyObject[] = [];
    try {
      if (blocks.length > 0) {
        for (const b of blocks) {
          if (b[1] !== 'PUBLIC KEY') throw new Error(`a "${b[1]}" PEM block is not a public key (want "PUBLIC KEY", SPKI)`);
          parsed.push(createPublicKey({ key: b[0], format: 'pem' }));
        }
      } else {
        const der = typeof content === 'string' ? Buffer.from(content, 'binary') : content;
        if (der.length === 0) throw new Error('the file is empty');
        parsed.push(createPublicKey({ key: der, format: 'der', type: 'spki' }));
      }
      for (const key of parsed) keys.set(signingKeyId(key), key);
    } catch (err) {
      throw new Error(`bundle public key file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return keys;
}

/**
 * Reads and parses the key files (`--bundle-public-keys`, GITFLEET_BUNDLE_PUBLIC_KEYS,
 * GITFLEET_BUNDLE_PUBLIC_KEY_FILE). No files → undefined (signatures are not checked).
 * @throws Error naming the file when it cannot be read or holds no ed25519 public key
 */
export function loadTrustedKeys(files: readonly string[]): TrustedKeys | undefined {
  if (files.length === 0) return undefined;
  return parseTrustedKeys(files.map((file) => {
    try {
      return { file, content: readFileSync(file) };
    } catch (err) {
      throw new Error(`bundle public key file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }));
}

/**
 * Why a desired state's signature is refused, or undefined when it is accepted. Pure.
 * Without trusted keys everything is accepted (signatures are not checked). With keys: the message
 * must name a trusted key in `signing_key_id` and carry an ed25519 signature over
 * `signingPayload(desired)` that verifies with it.
 */
export function signatureRefusal(desired: DesiredState, trusted: TrustedKeys | undefined): string | undefined {
  if (trusted === undefined) return undefined;
  if (desired.signature.length === 0 && desired.signingKeyId === '') return 'desired state not signed';
  const key = trusted.get(desired.signingKeyId);
  if (!key) {
    const id = desired.signingKeyId === '' ? '(none)' : desired.signingKeyId;
    return `signed by unknown key ${id} (trusted: ${[...trusted.keys()].join(', ')})`;
  }
  let ok = false;
  try {
    ok = desired.signature.length > 0 && verify(null, signingPayload(desired), key, desired.signature);
  } catch {
    ok = false;
  }
  return ok ? undefined : `signature does not verify for key ${desired.signingKeyId}`;
}

/**
 * Checks a decoded desired state's signature (see `signatureRefusal`).
 * @throws TerminalError "desired state <cluster>.<bundle>: <reason>" when it is refused
 */
export function verifyDesiredSignature(desired: DesiredState, trusted: TrustedKeys | undefined): void {
  const reason = signatureRefusal(desired, trusted);
  if (reason !== undefined) throw new TerminalError(`desired state ${desired.cluster}.${desired.bundleId}: ${reason}`);
}
