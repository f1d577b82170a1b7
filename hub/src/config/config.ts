/**
 * Hub configuration: read once from the environment at start and validated (one zod schema per
 * variable, env-schema.ts), so a bad value stops the process with one clear message naming the
 * variable instead of failing later. The bottom layer of the hub: config/ imports no other hub
 * folder; the settings of NATS operator mode, OIDC and the signing key are parsed here
 * (nats-auth-config.ts, oidc-config.ts, signing-key.ts) and used by nats-auth/, auth/ and
 * publishing/.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, describeIssues, numberSetting, optionalString, requiredString, withDefault } from './env-schema.js';
import { natsAuthSchema, type NatsAuthConfig } from './nats-auth-config.js';
import { loadOidcConfig, type OidcConfig } from './oidc-config.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

export { ConfigError };

/** Validated hub settings (see `loadConfig` for the environment variables). */
export interface HubConfig {
  /** PostgreSQL connection URL, `postgres://user:pass@host:port/db`. Secret: never log it. */
  databaseUrl: string;
  /** NATS server URL(s), comma separated, e.g. `nats://127.0.0.1:4222`. */
  natsUrls: string[];
  /** HTTP listen host. */
  httpHost: string;
  /** HTTP listen port (1–65535). */
  httpPort: number;
  /** Directory holding one Git checkout per source, `<gitCacheDir>/<source name>`. */
  gitCacheDir: string;
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Time an agent has to answer a request (e.g. diff), ms; default 10 000. */
  agentRequestTimeoutMs?: number;
  /**
   * GITFLEET_SIGNING_KEY_FILE: the ed25519 key every published DesiredState is signed with;
   * undefined → DesiredStates are published unsigned (a warning at start). Secret.
   */
  signingKey?: SigningKey;
  /** GITFLEET_SIGNING_KEY_FILE as given ('' when unset), for the start-up warning. */
  signingKeyFile?: string;
  /**
   * GITFLEET_ADMIN_TOKEN: the bootstrap admin bearer token (>= 16 characters), actor
   * `bootstrap-admin` in the audit log. Required. Secret: never log it.
   */
  adminToken: string;
  /**
   * GITFLEET_SECRETS_KEY: 32 bytes (base64) of the AES-256-GCM key that encrypts source
   * credentials and webhook secrets at rest; undefined → sources with secrets are refused (400).
   */
  secretsKey?: Buffer;
  /**
   * NATS operator (JWT) mode: the hub's creds and the keys it issues and revokes agent users with
   * (GITFLEET_NATS_CREDS_FILE, GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE,
   * GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE, GITFLEET_NATS_SYSTEM_CREDS_FILE, all or none);
   * undefined → NATS without authentication, and no agent enrollment.
   */
  natsAuth?: NatsAuthConfig;
  /** GITFLEET_ENROLLMENT_RATE_LIMIT: enrollment attempts allowed per client address and minute (default 20). */
  enrollmentRateLimit?: number;
  /**
   * Optional OIDC authentication of the admin API (GITFLEET_OIDC_ISSUER and the other
   * GITFLEET_OIDC_* settings, see oidc-config.ts `loadOidcConfig`); undefined → bearer tokens only.
   */
  oidc?: OidcConfig;
  /** GITFLEET_KEEP_REVISIONS: applied revisions kept per target for rollback (1-1000, default 10). */
  keepRevisions?: number;
  /**
   * GITFLEET_BUNDLE_GC_GRACE_SECONDS: how long a bundle object must stay unreferenced before the
   * bundle GC deletes it, ms (default 1 h).
   */
  bundleGcGraceMs?: number;
  /** GITFLEET_BUNDLE_GC_INTERVAL_SECONDS: period of the bundle GC, ms (default 10 min). */
  bundleGcIntervalMs?: number;
  /** GITFLEET_ROLLOUT_INTERVAL_SECONDS: how often the rollout controller evaluates every progressing rollout's gate, ms (default 5 s). */
  rolloutIntervalMs?: number;
  /**
   * GITFLEET_STALE_AFTER_SECONDS: a cluster whose agent sent nothing (heartbeat or report) for
   * this long is stale in rollout gates, ms (default 30 s: three missed 10 s heartbeats).
   */
  staleAfterMs?: number;
  /**
   * Mass-deletion guard (deployments/withdrawal.ts): GITFLEET_WITHDRAWAL_GUARD_SHARE (0–1, default
   * 0.5) and GITFLEET_WITHDRAWAL_GUARD_MIN (integer >= 1, default 5). A change that would withdraw
   * at least `min` and more than `share` of a source's targets is held until confirmed.
   */
  withdrawalGuard?: { share: number; min: number };
}

/** Nest injection token of the `HubConfig`. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A duration in seconds (> 0, at most 30 days, fractions allowed; unset → `def`) → ms. */
const seconds = (def: string) =>
  numberSetting(def, 'must be a number of seconds above 0 and at most 2592000 (30 days)', (n) => n.gt(0).max(30 * 24 * 3600)).transform((s) => Math.round(s * 1000));

/** GITFLEET_NATS_URL: comma separated nats:// (or tls://, ws://, wss://) URLs, at least one. */
const natsUrls = optionalString
  .transform((raw) => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().refine((u) => /^(nats|tls|ws|wss):\/\//.test(u) && URL.canParse(u), { error: (iss) => `entry "${redactUrl(String(iss.input))}" must be a nats:// URL` }))
      .min(1, { error: 'is required (nats://host:port)' }),
  );

/**
 * GITFLEET_SIGNING_KEY_FILE → the path as given ('' when unset) and the key; unset, or a path
 * where no file exists, → no key (unsigned publishing); a file that is no ed25519 private key → issue.
 */
const signingKeyFile = z
  .string()
  .optional()
  .transform((file = '', ctx): { file: string; key?: SigningKey } => {
    if (!file || !existsSync(file)) return { file };
    try {
      return { file, key: loadSigningKey(file) };
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/** GITFLEET_SECRETS_KEY: base64 of exactly 32 bytes → the key; unset → undefined. Never quoted. */
const secretsKey = optionalString.pipe(
  z
    .string()
    .refine((raw) => /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && Buffer.from(raw, 'base64').length === 32, { error: 'must be base64 of exactly 32 bytes (openssl rand -base64 32)' })
    .transform((raw) => Buffer.from(raw, 'base64'))
    .optional(),
);

/**
 * Schema of the hub's own environment variables (NATS operator mode and OIDC have theirs:
 * `natsAuthSchema`, `loadOidcConfig`); each entry turns the raw value into the setting.
 */
const hubEnvSchema = z.object({
  GITFLEET_DATABASE_URL: requiredString('is required (postgres://user:password@host:port/database)').refine((u) => /^postgres(ql)?:\/\//.test(u) && URL.canParse(u), {
    error: 'must be a postgres:// URL',
  }),
  GITFLEET_NATS_URL: natsUrls,
  GITFLEET_HTTP_HOST: withDefault('127.0.0.1'),
  GITFLEET_HTTP_PORT: numberSetting('8080', 'must be an integer 1-65535', (n) => n.int().min(1).max(65535)),
  GITFLEET_GIT_CACHE_DIR: withDefault(join(homedir(), '.cache', 'gitfleet', 'hub-git')),
  GITFLEET_LOG_LEVEL: withDefault('info').pipe(z.enum(LOG_LEVELS, { error: (iss) => `must be one of ${LOG_LEVELS.join(', ')}, got "${String(iss.input)}"` })),
  GITFLEET_SIGNING_KEY_FILE: signingKeyFile,
  GITFLEET_ADMIN_TOKEN: requiredString('is required (the bootstrap admin bearer token, at least 16 characters, e.g. `openssl rand -base64 32`)').refine(
    (t) => t.length >= 16 && !/\s/.test(t),
    { error: 'must be at least 16 characters without whitespace' },
  ),
  GITFLEET_SECRETS_KEY: secretsKey,
  GITFLEET_ENROLLMENT_RATE_LIMIT: numberSetting('20', 'must be an integer 1-100000 (attempts per minute and client address)', (n) => n.int().min(1).max(100_000)),
  GITFLEET_WITHDRAWAL_GUARD_SHARE: numberSetting(
    '0.5',
    "must be a number from 0 to 1 (the share of a source's targets one change may withdraw unconfirmed)",
    (n) => n.min(0).max(1),
    /^[0-9.]+$/,
  ),
  GITFLEET_WITHDRAWAL_GUARD_MIN: numberSetting('5', 'must be an integer >= 1 (fewest withdrawals ever held for confirmation)', (n) => n.int().min(1), /^[0-9]+$/),
  GITFLEET_KEEP_REVISIONS: numberSetting('10', 'must be an integer 1-1000 (applied revisions kept per target)', (n) => n.int().min(1).max(1000)),
  GITFLEET_BUNDLE_GC_GRACE_SECONDS: seconds('3600'),
  GITFLEET_BUNDLE_GC_INTERVAL_SECONDS: seconds('600'),
  GITFLEET_ROLLOUT_INTERVAL_SECONDS: seconds('5'),
  GITFLEET_STALE_AFTER_SECONDS: seconds('30'),
});

/**
 * Reads and validates the hub settings from `env`:
 * GITFLEET_DATABASE_URL (required, postgres:// or postgresql://), GITFLEET_NATS_URL (required,
 * nats:// or tls://, comma separated), GITFLEET_HTTP_HOST (default 127.0.0.1),
 * GITFLEET_HTTP_PORT (default 8080), GITFLEET_GIT_CACHE_DIR (default ~/.cache/gitfleet/hub-git),
 * GITFLEET_LOG_LEVEL (default info), GITFLEET_SIGNING_KEY_FILE (PEM PKCS#8 ed25519 private key
 * that signs every published DesiredState; unset, or a path where no file exists — the hub chart
 * always sets the path and mounts the key only when one is configured — publishes unsigned with a
 * warning at start; a file that is not an ed25519 private key is an error).
 * Read by the Helm renderer at each render instead (rendering/helm.ts): GITFLEET_HELM (the helm
 * binary, default `helm` on PATH) and GITFLEET_HELM_PLAIN_HTTP_REGISTRIES (comma separated
 * `host` or `host:port` of OCI registries reached over plain HTTP: `oci://` charts there are
 * fetched with `helm pull --plain-http`; default none, i.e. HTTPS everywhere).
 * GITFLEET_ADMIN_TOKEN (required, at least 16 characters: the bootstrap admin bearer token),
 * GITFLEET_SECRETS_KEY (optional, base64 of exactly 32 bytes, e.g. `openssl rand -base64 32`:
 * encrypts source credentials and webhook secrets; without it such sources are refused),
 * GITFLEET_ENROLLMENT_RATE_LIMIT (optional, default 20: enrollment attempts per minute and client address),
 * GITFLEET_WITHDRAWAL_GUARD_SHARE and GITFLEET_WITHDRAWAL_GUARD_MIN (optional, defaults 0.5 and 5: the
 * mass-deletion guard, see `HubConfig.withdrawalGuard`),
 * the four NATS operator-mode files (optional, all or none; see nats-auth-config.ts),
 * the GITFLEET_OIDC_* settings (optional: GITFLEET_OIDC_ISSUER turns OIDC on and needs
 * GITFLEET_OIDC_AUDIENCE and GITFLEET_OIDC_ROLE_MAP; see oidc-config.ts `loadOidcConfig`),
 * GITFLEET_KEEP_REVISIONS (default 10: applied revisions kept per target),
 * GITFLEET_BUNDLE_GC_GRACE_SECONDS (default 3600: an unreferenced bundle object is deleted after
 * this long) and GITFLEET_BUNDLE_GC_INTERVAL_SECONDS (default 600: period of the bundle GC),
 * GITFLEET_ROLLOUT_INTERVAL_SECONDS (default 5: period of the rollout controller's gate
 * evaluation) and GITFLEET_STALE_AFTER_SECONDS (default 30: a cluster silent this long is stale).
 * @throws ConfigError listing every problem found, each naming its variable; the message never
 *   contains a password, token or key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const problems: string[] = [];
  const parsed = hubEnvSchema.safeParse(env);
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  const natsAuth = natsAuthSchema.safeParse(env);
  if (!natsAuth.success) problems.push(...describeIssues(natsAuth.error));
  const oidc = loadOidcConfig(env);
  problems.push(...oidc.problems);
  if (!parsed.success || !natsAuth.success || problems.length > 0) {
    throw new ConfigError(`invalid hub configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const s = parsed.data;
  const signing = s.GITFLEET_SIGNING_KEY_FILE;
  return {
    databaseUrl: s.GITFLEET_DATABASE_URL,
    natsUrls: s.GITFLEET_NATS_URL,
    httpHost: s.GITFLEET_HTTP_HOST,
    httpPort: s.GITFLEET_HTTP_PORT,
    gitCacheDir: s.GITFLEET_GIT_CACHE_DIR,
    logLevel: s.GITFLEET_LOG_LEVEL,
    signingKeyFile: signing.file,
    adminToken: s.GITFLEET_ADMIN_TOKEN,
    enrollmentRateLimit: s.GITFLEET_ENROLLMENT_RATE_LIMIT,
    keepRevisions: s.GITFLEET_KEEP_REVISIONS,
    bundleGcGraceMs: s.GITFLEET_BUNDLE_GC_GRACE_SECONDS,
    bundleGcIntervalMs: s.GITFLEET_BUNDLE_GC_INTERVAL_SECONDS,
    rolloutIntervalMs: s.GITFLEET_ROLLOUT_INTERVAL_SECONDS,
    staleAfterMs: s.GITFLEET_STALE_AFTER_SECONDS,
    withdrawalGuard: { share: s.GITFLEET_WITHDRAWAL_GUARD_SHARE, min: s.GITFLEET_WITHDRAWAL_GUARD_MIN },
    ...(natsAuth.data ? { natsAuth: natsAuth.data } : {}),
    ...(oidc.config ? { oidc: oidc.config } : {}),
    ...(signing.key ? { signingKey: signing.key } : {}),
    ...(s.GITFLEET_SECRETS_KEY ? { secretsKey: s.GITFLEET_SECRETS_KEY } : {}),
  };
}

/** Returns `url` with any password replaced by `***`, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
