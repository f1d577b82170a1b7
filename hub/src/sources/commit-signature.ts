/**
 * Commit signature policy of a source: deploy a new head commit only when it carries an OpenPGP
 * signature that verifies with one of the source's trusted public keys. Pure (no I/O): the
 * commit comes from isomorphic-git's `readCommit` (GitRepository.readCommit), verification is
 * done with openpgp.js.
 *
 * Rule source: Flux's GitRepository `spec.verify` with `mode: HEAD` — only the commit at the
 * head of the followed branch is verified, against the OpenPGP public keys the user trusts;
 * an unverified head is not handed on. As in Flux (go-git + ProtonMail go-crypto check the
 * key's expiry and revocation at verification time), a key that has expired or been revoked by
 * now no longer verifies anything, even a signature it made while it was valid (stricter than
 * `git verify-commit`, which calls that a good signature from an expired key, EXPKEYSIG).
 */
import * as openpgp from 'openpgp';
import { InvalidInputError } from '../errors.js';

/** One trusted public key of a source's policy, as stored (jsonb) and, without `armored`, shown. */
export interface TrustedKeyRecord {
  /** The public key (primary key, subkeys, user IDs, signatures) re-armored by openpgp.js. */
  armored: string;
  /** Primary key fingerprint, upper-case hex (40 characters for v4 keys), as `gpg --list-keys` shows it. */
  fingerprint: string;
  /** Long key ID of the primary key, upper-case hex (16 characters). */
  keyId: string;
  /** The key's user IDs, e.g. `Jane Doe <jane@example.com>`. */
  userIds: string[];
  /** When the primary key expires (ISO 8601), null when it never does. */
  expiresAt: string | null;
}

/** A source's commit signature policy, stored in `sources.commit_signatures` (jsonb). */
export interface CommitSignaturePolicy {
  /** Keys whose signature on the head commit lets it deploy; at least one. */
  trustedKeys: TrustedKeyRecord[];
}

/** Outcome of verifying one commit against a policy's keys. */
export interface CommitSignatureCheck {
  /** The commit SHA that was checked. */
  revision: string;
  /** true: signed by a trusted key and the signature verifies; the commit may deploy. */
  verified: boolean;
  /**
   * Why the commit is held (verified = false), e.g. `commit abc1234 is not signed`,
   * `commit abc1234 is signed by untrusted key 0123456789ABCDEF`; null when verified.
   */
  reason: string | null;
  /** Fingerprint (upper-case hex) of the trusted key that verified the signature, else null. */
  keyFingerprint: string | null;
  /** Primary user ID of that key, else null. */
  signer: string | null;
}

/** What a source reports about its head commit's signature (`sources.commit_signature`, jsonb). */
export interface CommitSignatureReport extends CommitSignatureCheck {
  /** When this outcome was first seen (ISO 8601). */
  checkedAt: string;
}

/** A commit as isomorphic-git's readCommit gives it. */
export interface SignedCommitInput {
  /** The commit SHA. */
  oid: string;
  /** The commit object's text without its `gpgsig` header: the bytes Git signed. */
  payload: string;
  /** The ASCII-armored signature from the `gpgsig` header, undefined for an unsigned commit. */
  gpgsig?: string | undefined;
}

/** Most keys one source may trust (in the API: entries, each of which may hold several keys). */
export const MAX_TRUSTED_KEYS = 32;

/**
 * Parses the armored public keys of a policy (API field `field`, e.g.
 * `commitSignatures.trustedKeys`). Each entry holds one or more public keys (`gpg --armor
 * --export <id>…`); every key must be able to sign now (not expired, not revoked).
 * @returns one record per key, in input order, duplicates (same fingerprint) dropped.
 * @throws InvalidInputError naming `field[index]` when an entry does not parse as OpenPGP public
 * keys, holds a private key, or holds a key that cannot sign now; or when there are more than
 * MAX_TRUSTED_KEYS keys.
 */
export async function parseTrustedKeys(armored: string[], field = 'commitSignatures.trustedKeys', now = new Date()): Promise<TrustedKeyRecord[]> {
  const out: TrustedKeyRecord[] = [];
  for (const [i, text] of armored.entries()) {
    const at = `${field}[${i}]`;
    let keys: openpgp.Key[];
    try {
      keys = (await Promise.all(armorBlocks(text).map((block) => openpgp.readKeys({ armoredKeys: block })))).flat();
    } catch (err) {
      throw new InvalidInputError(`${at} is not an armored OpenPGP public key (${errMessage(err)}); export one with \`gpg --armor --export <key id>\``);
    }
    for (const key of keys) {
      if (key.isPrivate()) throw new InvalidInputError(`${at} is a private key; give only the public key (\`gpg --armor --export <key id>\`)`);
      const record = await describeKey(key as openpgp.PublicKey);
      try {
        await key.getSigningKey(undefined, now);
      } catch (err) {
        throw new InvalidInputError(`${at} (key ${record.fingerprint}) cannot verify signatures: ${errMessage(err)}`);
      }
      if (!out.some((r) => r.fingerprint === record.fingerprint)) out.push(record);
    }
  }
  if (out.length > MAX_TRUSTED_KEYS) throw new InvalidInputError(`${field} holds ${out.length} keys; at most ${MAX_TRUSTED_KEYS} are allowed`);
  return out;
}

/** The openpgp.js keys of stored records. @throws Error when a stored key no longer parses (not expected). */
export async function readTrustedKeys(records: TrustedKeyRecord[]): Promise<openpgp.PublicKey[]> {
  return Promise.all(records.map((r) => openpgp.readKey({ armoredKey: r.armored }) as Promise<openpgp.PublicKey>));
}

/**
 * Verifies `commit`'s OpenPGP signature against `trusted` keys, at time `now`. Verified when a
 * signature in `gpgsig` was made by a trusted key (primary or subkey) over exactly `payload`,
 * and that key is valid (not expired, not revoked) both when it signed and at `now`.
 * Held (verified = false, with a reason) when the commit is unsigned, carries an SSH / X.509 or
 * unreadable signature, is signed only by keys not in `trusted`, or the signature does not
 * verify (payload altered, key expired or revoked). Never throws.
 */
export async function verifyCommitSignature(commit: SignedCommitInput, trusted: openpgp.PublicKey[], now = new Date()): Promise<CommitSignatureCheck> {
  const short = commit.oid.slice(0, 7);
  const held = (reason: string): CommitSignatureCheck => ({ revision: commit.oid, verified: false, reason, keyFingerprint: null, signer: null });
  const armored = commit.gpgsig?.trim();
  if (!armored) return held(`commit ${short} is not signed`);
  if (armored.startsWith('-----BEGIN SSH SIGNATURE-----')) return held(`commit ${short} has an SSH signature; only OpenPGP signatures are accepted`);
  if (armored.startsWith('-----BEGIN SIGNED MESSAGE-----')) return held(`commit ${short} has an X.509 signature; only OpenPGP signatures are accepted`);
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch (err) {
    return held(`commit ${short} has an unreadable OpenPGP signature: ${errMessage(err)}`);
  }
  const keyIds = signature.getSigningKeyIDs();
  const candidates = trusted.filter((k) => keyIds.some((id) => k.getKeys(id).length > 0));
  if (candidates.length === 0) {
    const ids = keyIds.map((id) => id.toHex().toUpperCase()).join(', ') || 'of unknown ID';
    return held(`commit ${short} is signed by untrusted key ${ids}`);
  }
  const failures: string[] = [];
  try {
    const message = await openpgp.createMessage({ binary: new TextEncoder().encode(commit.payload) });
    const res = await openpgp.verify({ message, signature, verificationKeys: candidates, format: 'binary', date: now });
    for (const sig of res.signatures) {
      const id = sig.keyID.toHex().toUpperCase();
      const key = candidates.find((k) => k.getKeys(sig.keyID).length > 0);
      if (!key) continue; // a second signature by a key nobody trusts
      try {
        await sig.verified;
        await key.getSigningKey(sig.keyID, now); // openpgp.js checks the key at signing time only
        const userId = key.getUserIDs()[0] ?? null;
        return { revision: commit.oid, verified: true, reason: null, keyFingerprint: key.getFingerprint().toUpperCase(), signer: userId };
      } catch (err) {
        failures.push(`signature by key ${id} does not verify: ${errMessage(err)}`);
      }
    }
  } catch (err) {
    failures.push(`signature does not verify: ${errMessage(err)}`);
  }
  return held(`commit ${short}: ${failures.join('; ') || 'no signature by a trusted key'}`);
}

/**
 * The armored blocks of `text`: openpgp.js reads only the first of several concatenated
 * `-----BEGIN PGP PUBLIC KEY BLOCK-----` blocks (one block may hold several keys, as from
 * `gpg --armor --export a b`; several blocks come from concatenating exports).
 */
function armorBlocks(text: string): string[] {
  const blocks = text.split(/(?=-----BEGIN PGP )/).filter((b) => b.trim().length > 0);
  return blocks.length > 0 ? blocks : [text];
}

/** The stored record of one key (fingerprint, key ID, user IDs, expiry, re-armored text). */
async function describeKey(key: openpgp.PublicKey): Promise<TrustedKeyRecord> {
  const expires = await key.getExpirationTime().catch(() => null);
  return {
    armored: key.armor(),
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    userIds: key.getUserIDs(),
    expiresAt: expires instanceof Date ? expires.toISOString() : null,
  };
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
