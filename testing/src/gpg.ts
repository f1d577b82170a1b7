import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from './exec.js';

/** One throwaway gpg signing key in its own GNUPGHOME. */
export interface GpgKey {
  /** Primary key fingerprint, upper-case hex (40 characters). */
  fingerprint: string;
  /** Long key ID (last 16 hex characters of the fingerprint). */
  keyId: string;
  /** `gpg --armor --export <fingerprint>`: what a user gives the hub as a trusted key. */
  publicKeyArmored: string;
  /** `gpg --armor --export-secret-keys`: must be refused as a trusted key. */
  privateKeyArmored(): Promise<string>;
  /** The GNUPGHOME holding the key (set it for `git commit -S`). */
  home: string;
  /** Stops this home's gpg-agent and deletes the home. */
  dispose(): Promise<void>;
}

/**
 * Creates a GNUPGHOME (a short path: gpg-agent's socket lives there) with one ed25519 signing key
 * without passphrase for `userId` ("Name <email>"), made with the real `gpg`, as a user's
 * `git commit -S` uses it.
 * @throws Error when gpg fails or makes no key.
 */
export async function createGpgKey(userId: string): Promise<GpgKey> {
  const home = mkdtempSync(path.join(tmpdir(), 'gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (...args: string[]) => runCommand('gpg', ['--batch', '--quiet', ...args], { env });
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
      await runCommand('gpgconf', ['--kill', 'gpg-agent'], { env });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
