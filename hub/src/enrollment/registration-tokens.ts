/**
 * Cluster registration tokens: `gfr_` + 32 random bytes in base64url, stored as their sha256
 * only (hashing and constant-time comparison are the API tokens' own, auth/tokens.ts). Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';

/** Prefix of every registration token (lets secret scanners recognise a leaked one). */
export const REGISTRATION_TOKEN_PREFIX = 'gfr_';

/** A new random registration token, `gfr_<43 base64url characters>` (256 bits). */
export function generateRegistrationToken(): string {
  return REGISTRATION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What `refusalReason` needs of a stored token. */
export interface TokenUse {
  name: string;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
}

/**
 * Why a registration token cannot enroll a cluster at `now`, or null when it can: unknown
 * (`row` null), expired, or used up. The messages name the token (never its value) and the rule.
 */
export function refusalReason(row: TokenUse | null, now: Date): string | null {
  if (!row) return 'registration token not recognised';
  if (row.expiresAt.getTime() <= now.getTime()) return `registration token "${row.name}" expired at ${row.expiresAt.toISOString()}`;
  if (row.maxUses !== null && row.uses >= row.maxUses) return `registration token "${row.name}" is used up (${row.uses} of ${row.maxUses} enrollments)`;
  return null;
}

/**
 * Labels of a cluster after an enrollment: what the cluster record had (when adopted), then the
 * labels the agent asked for, then the token's labels, each later one winning on a clash (the
 * admin who made the token decides over the agent).
 */
export function enrolledLabels(
  existing: Record<string, string> | undefined,
  fromAgent: Record<string, string> | undefined,
  fromToken: Record<string, string>,
): Record<string, string> {
  return { ...(existing ?? {}), ...(fromAgent ?? {}), ...fromToken };
}

/**
 * True when `key` has the shape of a NATS user public nkey: "U" then 55 base32 characters
 * (RFC 4648 alphabet). The checksum is verified where the key is used (nkeys `fromPublic`).
 * Rule source: nats-io/nkeys, prefix byte PrefixByteUser.
 */
export function looksLikeUserPublicKey(key: string): boolean {
  return /^U[A-Z2-7]{55}$/.test(key);
}
