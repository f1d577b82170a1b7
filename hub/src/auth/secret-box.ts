/**
 * Secrets at rest (source credentials, webhook secrets): AES-256-GCM with the key of
 * GITFLEET_SECRETS_KEY, a random 12-byte IV per value, and the owner's name as additional
 * authenticated data so a ciphertext copied to another row does not decrypt. Pure: no I/O.
 * Format: `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts `plaintext` for `owner` with the 32-byte `key`. */
export function sealSecret(key: Buffer, owner: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(owner, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

/**
 * Decrypts a `sealSecret` value of `owner`.
 * @throws Error (without any secret in it) when the format, key or owner do not match.
 */
export function openSecret(key: Buffer, owner: string, sealed: string): string {
  const [version, iv, tag, data] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('sealed secret has an unknown format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new Error('sealed secret does not decrypt with GITFLEET_SECRETS_KEY (key changed?)', { cause });
  }
}
