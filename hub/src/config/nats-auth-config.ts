/**
 * Hub settings of NATS operator (JWT) mode: where the hub's NATS credentials and the keys it
 * issues and revokes agent users with are. Files, never values in the environment: the seeds are
 * secrets (mount them from a Kubernetes Secret, mode 0600). `gitfleet-hub nats-bootstrap` writes
 * all four files; nats-auth/ reads and uses them.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from './env-schema.js';

/** Paths of the operator-mode files, all four set together. */
export interface NatsAuthConfig {
  /** GITFLEET_NATS_CREDS_FILE: the hub's user creds in the gitfleet account (`hub.creds`) */
  credsFile: string;
  /** GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE: the gitfleet account signing key seed (`account-signing.nk`), signs agent users */
  accountSigningKeyFile: string;
  /** GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE: an operator signing key seed (`operator-signing.nk`), re-signs the account JWT with revocations */
  operatorSigningKeyFile: string;
  /** GITFLEET_NATS_SYSTEM_CREDS_FILE: a system-account user's creds (`system.creds`), to look up and push the account JWT */
  systemCredsFile: string;
}

/** The environment variables, by NatsAuthConfig field. */
export const NATS_AUTH_ENV: Readonly<Record<keyof NatsAuthConfig, string>> = {
  credsFile: 'GITFLEET_NATS_CREDS_FILE',
  accountSigningKeyFile: 'GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE',
  operatorSigningKeyFile: 'GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE',
  systemCredsFile: 'GITFLEET_NATS_SYSTEM_CREDS_FILE',
};

const FIELDS = Object.entries(NATS_AUTH_ENV) as Array<[keyof NatsAuthConfig, string]>;

/** One path: trimmed, blank counts as unset. */
const path = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

/**
 * Schema of the operator-mode variables (environment → `NatsAuthConfig | undefined`): none set →
 * undefined; all four → the paths; some → one issue naming the missing ones.
 */
export const natsAuthSchema = z
  .object(Object.fromEntries(FIELDS.map(([, name]) => [name, path])) as Record<string, typeof path>)
  .transform((env, ctx): NatsAuthConfig | undefined => {
    const missing = FIELDS.filter(([, name]) => !env[name]).map(([, name]) => name);
    if (missing.length === FIELDS.length) return undefined;
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `NATS operator mode needs all of ${FIELDS.map(([, n]) => n).join(', ')} (files written by \`gitfleet-hub nats-bootstrap\`); missing: ${missing.join(', ')}`,
      });
      return z.NEVER;
    }
    return Object.fromEntries(FIELDS.map(([field, name]) => [field, env[name]])) as unknown as NatsAuthConfig;
  });

/**
 * Reads the operator-mode settings from `env` (see NATS_AUTH_ENV, `natsAuthSchema`). Pure: the
 * files are read and checked by `NatsIdentity.fromFiles`.
 * @returns undefined when none of the four variables is set (NATS without auth, as before), the
 *   paths when all four are set (blank values count as unset).
 * @throws ConfigError naming the missing variables when only some are set.
 */
export function loadNatsAuthConfig(env: NodeJS.ProcessEnv = process.env): NatsAuthConfig | undefined {
  const parsed = natsAuthSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error).join('\n'));
  return parsed.data;
}
