/**
 * A throwaway GnuPG key for commit-signing tests: a temporary GNUPGHOME with one ed25519 signing
 * key without passphrase, made and used with the real `gpg` (as `git commit -S` uses it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One gpg signing key in its own GNUPGHOME. */
export interface TestGpgKey {
  /** Primary key fingerprint, upper-case hex (40 characters). */
  fingerprint: string;
  /** Long key ID (last 16 hex characters of the fingerprint). */
  keyId: string;
  /** `gpg --armor --export`: what a user gives the hub as a trusted key. */
  publicKeyArmored: string;
  /** `gpg --armor --export-secret-keys`: must be refused as a trusted key. */
  privateKeyArmored(): Promise<string>;
  /** The GNUPGHOME holding the key (set it for `git commit -S`). */
  home: string;
  /** Stops this home's gpg-agent and deletes the home. */
  dispose(): Promise<void>;
}

/** Creates a GNUPGHOME (short path: gpg-agent's socket lives there) and an ed25519 signing key for `userId`. */
export async function createGpgKey(userId: string): Promise<TestGpgKey> {
  const home = mkdtempSync(join(tmpdir(), 'gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = async (...args: string[]) => (await run('gpg', ['--batch', '--quiet', ...args], { env })).stdout;
  await gpg('--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', userId, 'ed25519', 'sign', 'never');
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(await gpg('--with-colons', '--list-keys', userId))?.[1];
  if (!fingerprint) throw new Error(`gpg made no key for ${userId}`);
  return {
    fingerprint,
    keyId: fingerprint.slice(-16),
    publicKeyArmored: await gpg('--armor', '--export', fingerprint),
    privateKeyArmored: () => gpg('--armor', '--pinentry-mode', 'loopback', '--passphrase', '', '--export-secret-keys', fingerprint),
    home,
    async dispose() {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env }).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
