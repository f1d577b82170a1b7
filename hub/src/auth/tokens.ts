/**
 * API bearer tokens: `gf_` + 32 random bytes in base64url, stored as their sha256 (hex) only,
 * compared in constant time. Pure: no I/O.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every generated token (lets secret scanners recognise a leaked one). */
export const TOKEN_PREFIX = 'gf_';

/** A new random token value, `gf_<43 base64url characters>` (256 bits). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** sha256 of `token`, 64 lowercase hex characters: what the database keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * True when `token` hashes to `expectedHash`, compared in constant time (both sides are
 * fixed-length digests, so the length check leaks nothing about the token).
 */
export function tokenMatches(token: string, expectedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
