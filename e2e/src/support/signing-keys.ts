import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Testbed } from './testbed.js';

/** Files of an ed25519 bundle-signing key pair: the hub signs with one, agents verify with the other. */
export interface SigningKeyFiles {
  /** PKCS#8 PEM private key (the hub's GITFLEET_SIGNING_KEY_FILE) */
  privateKeyFile: string;
  /** SPKI PEM public key (the agent's --bundle-public-keys) */
  publicKeyFile: string;
}

/** Generates a fresh key pair for one run and writes it under `<state>/keys/<name>/` (mode 0600). */
export function createSigningKeys(testbed: Testbed, name: string): SigningKeyFiles {
  const dir = path.join(testbed.stateDir, 'keys', name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const files = { privateKeyFile: path.join(dir, 'signing.key'), publicKeyFile: path.join(dir, 'signing.pub') };
  writeFileSync(files.privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(files.publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
  return files;
}
