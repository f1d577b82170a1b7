/**
 * A throwaway GnuPG signing key for commit-signature suites: its own temporary GNUPGHOME with one
 * ed25519 key without passphrase, made with the real `gpg`, as a user's `git commit -S` uses it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './exec.js';

/** One gpg signing key in its own GNUPGHOME. */
export interface GpgKey {
  /** Primary key fingerprint, upper-case hex (40 characters). */
  fingerprint: string;
  /** `gpg --armor --export <fingerprint>`: what a user gives the hub as a trusted key. */
  publicKeyArmored: string;
  /** The GNUPGHOME holding the key (for `git commit -S`). */
  home: string;
  /** Stops this home's gpg-agent and deletes the home. */
  dispose(): Promise<void>;
}

/** Creates a GNUPGHOME (short path: gpg-agent's socket lives there) with an ed25519 signing key for `userId` ("Name <email>"). */
export async function createGpgKey(userId: string): Promise<GpgKey> {
  const home = mkdtempSync(path.join(tmpdir(), 'gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = async (...args: string[]) => (await run('gpg', ['--batch', '--quiet', ...args], { env })).stdout;
  await gpg('--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', userId, 'ed25519', 'sign', 'never');
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(await gpg('--with-colons', '--list-keys', userId))?.[1];
  if (!fingerprint) throw new Error(`gpg made no key for ${userId}`);
  return {
    fingerprint,
    publicKeyArmored: await gpg('--armor', '--export', fingerprint),
    home,
    async dispose() {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env }).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
