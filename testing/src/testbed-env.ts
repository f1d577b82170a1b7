import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** What to tell a developer whose test bed is not up. */
export const TESTBED_HOW_TO = 'start it with `npm run testbed:up` (tools/testbed/up.sh)';

/**
 * Path of the env file `tools/testbed/up.sh` writes: `$GITFLEET_TESTBED_ENV`, else
 * `$GITFLEET_STATE/testbed.env`, else `~/.cache/gitfleet/testbed/testbed.env`.
 */
export function testbedEnvPath(): string {
  return process.env['GITFLEET_TESTBED_ENV'] || path.join(process.env['GITFLEET_STATE'] || path.join(homedir(), '.cache', 'gitfleet', 'testbed'), 'testbed.env');
}

/**
 * The variables of the test bed's env file (`KEY=value` lines; one pair of surrounding quotes
 * is dropped; other lines are ignored), e.g. `GITFLEET_NATS_URL`, `GITFLEET_DATABASE_URL`,
 * `GITFLEET_GIT_URL`, `GITFLEET_GIT_ROOT`, `GITFLEET_BIN`, `GITFLEET_SPOKES`,
 * `GITFLEET_KUBECONFIG_DIR`, `GITFLEET_TESTBED_STATE`.
 * @param file default `testbedEnvPath()`
 * @returns the file's path and its variables
 * @throws Error naming the file and how to start the test bed when the file does not exist.
 */
export function readTestbedEnv(file = testbedEnvPath()): { file: string; env: Record<string, string> } {
  if (!existsSync(file)) throw new Error(`test bed is not up: ${file} does not exist; ${TESTBED_HOW_TO}`);
  return { file, env: parseEnvFile(readFileSync(file, 'utf8')) };
}

/** Parses `KEY=value` lines (KEY of A-Z, 0-9, _); strips one pair of surrounding quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return env;
}

/**
 * Reads the variables `keys` from the env file.
 * @throws Error naming the file and the missing keys when any is absent or empty.
 */
export function requireTestbedEnv<K extends string>(env: Record<string, string>, file: string, keys: readonly K[]): Record<K, string> {
  const missing = keys.filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`test bed env ${file} lacks ${missing.join(', ')}; ${TESTBED_HOW_TO}`);
  return Object.fromEntries(keys.map((k) => [k, env[k]!])) as Record<K, string>;
}
