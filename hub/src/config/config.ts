/**
 * Hub configuration: read once from the environment at start and validated, so a bad value
 * stops the process with one clear message instead of failing later.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadOidcConfig, type OidcConfig } from '../auth/oidc.js';
import { loadNatsAuthConfig, type NatsAuthConfig } from '../nats-auth/nats-auth-config.js';
import { loadSigningKey, type SigningKey } from '../publishing/signing.js';

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
   * GITFLEET_OIDC_* settings, see auth/oidc.ts `loadOidcConfig`); undefined → bearer tokens only.
   */
  oidc?: OidcConfig;
  /**
   * Mass-deletion guard (deployments/withdrawal.ts): GITFLEET_WITHDRAWAL_GUARD_SHARE (0–1, default
   * 0.5) and GITFLEET_WITHDRAWAL_GUARD_MIN (integer >= 1, default 5). A change that would withdraw
   * at least `min` and more than `share` of a source's targets is held until confirmed.
   */
  withdrawalGuard?: { share: number; min: number };
}

/** Nest injection token of the `HubConfig`. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

/** Thrown by `loadConfig` when the environment holds a missing or malformed setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads and validates the hub settings from `env`:
 * GITFLEET_DATABASE_URL (required, postgres:// or postgresql://), GITFLEET_NATS_URL (required,
 * nats:// or tls://, comma separated), GITFLEET_HTTP_HOST (default 127.0.0.1),
 * GITFLEET_HTTP_PORT (default 8080), GITFLEET_GIT_CACHE_DIR (default ~/.cache/gitfleet/hub-git),
 * GITFLEET_LOG_LEVEL (default info), GITFLEET_SIGNING_KEY_FILE (PEM PKCS#8 ed25519 private key
 * that signs every published DesiredState; unset, or a path where no file exists — the hub chart
 * always sets the path and mounts the key only when one is configured — publishes unsigned with a
 * warning at start; a file that is not an ed25519 private key is an error).
 * Read by the Helm renderer at each render instead (bundles/helm.ts): GITFLEET_HELM (the helm
 * binary, default `helm` on PATH) and GITFLEET_HELM_PLAIN_HTTP_REGISTRIES (comma separated
 * `host` or `host:port` of OCI registries reached over plain HTTP: `oci://` charts there are
 * fetched with `helm pull --plain-http`; default none, i.e. HTTPS everywhere).
 * GITFLEET_ADMIN_TOKEN (required, at least 16 characters: the bootstrap admin bearer token),
 * GITFLEET_SECRETS_KEY (optional, base64 of exactly 32 bytes, e.g. `openssl rand -base64 32`:
 * encrypts source credentials and webhook secrets; without it such sources are refused),
 * GITFLEET_ENROLLMENT_RATE_LIMIT (optional, default 20: enrollment attempts per minute and client address),
 * GITFLEET_WITHDRAWAL_GUARD_SHARE and GITFLEET_WITHDRAWAL_GUARD_MIN (optional, defaults 0.5 and 5: the
 * mass-deletion guard, see `HubConfig.withdrawalGuard`),
 * the four NATS operator-mode files (optional, all or none; see nats-auth/nats-auth-config.ts),
 * the GITFLEET_OIDC_* settings (optional: GITFLEET_OIDC_ISSUER turns OIDC on and needs
 * GITFLEET_OIDC_AUDIENCE and GITFLEET_OIDC_ROLE_MAP; see auth/oidc.ts `loadOidcConfig`).
 * @throws ConfigError listing every problem found; the message never contains a password.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const problems: string[] = [];

  const databaseUrl = env.GITFLEET_DATABASE_URL ?? '';
  if (!databaseUrl) problems.push('GITFLEET_DATABASE_URL is required (postgres://user:password@host:port/database)');
  else if (!/^postgres(ql)?:\/\//.test(databaseUrl) || !canParseUrl(databaseUrl)) {
    problems.push('GITFLEET_DATABASE_URL must be a postgres:// URL');
  }

  const natsRaw = env.GITFLEET_NATS_URL ?? '';
  const natsUrls = natsRaw.split(',').map((s) => s.trim()).filter(Boolean);
  if (natsUrls.length === 0) problems.push('GITFLEET_NATS_URL is required (nats://host:port)');
  for (const u of natsUrls) {
    if (!/^(nats|tls|ws|wss):\/\//.test(u) || !canParseUrl(u)) problems.push(`GITFLEET_NATS_URL entry "${redactUrl(u)}" must be a nats:// URL`);
  }

  const httpHost = env.GITFLEET_HTTP_HOST || '127.0.0.1';
  const portRaw = env.GITFLEET_HTTP_PORT || '8080';
  const httpPort = Number(portRaw);
  if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535) {
    problems.push(`GITFLEET_HTTP_PORT must be an integer 1-65535, got "${portRaw}"`);
  }

  const gitCacheDir = env.GITFLEET_GIT_CACHE_DIR || join(homedir(), '.cache', 'gitfleet', 'hub-git');

  const logLevel = (env.GITFLEET_LOG_LEVEL || 'info') as HubConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`GITFLEET_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const signingKeyFile = env.GITFLEET_SIGNING_KEY_FILE ?? '';
  let signingKey: SigningKey | undefined;
  if (signingKeyFile && existsSync(signingKeyFile)) {
    try {
      signingKey = loadSigningKey(signingKeyFile);
    } catch (err) {
      problems.push(`GITFLEET_SIGNING_KEY_FILE: ${(err as Error).message}`);
    }
  }

  const adminToken = env.GITFLEET_ADMIN_TOKEN ?? '';
  if (!adminToken) problems.push('GITFLEET_ADMIN_TOKEN is required (the bootstrap admin bearer token, at least 16 characters, e.g. `openssl rand -base64 32`)');
  else if (adminToken.length < 16 || /\s/.test(adminToken)) problems.push('GITFLEET_ADMIN_TOKEN must be at least 16 characters without whitespace');

  const secretsKeyRaw = env.GITFLEET_SECRETS_KEY ?? '';
  let secretsKey: Buffer | undefined;
  if (secretsKeyRaw) {
    const key = Buffer.from(secretsKeyRaw, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(secretsKeyRaw)) problems.push('GITFLEET_SECRETS_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)');
    else secretsKey = key;
  }

  const rateRaw = env.GITFLEET_ENROLLMENT_RATE_LIMIT || '20';
  const enrollmentRateLimit = Number(rateRaw);
  if (!Number.isInteger(enrollmentRateLimit) || enrollmentRateLimit < 1 || enrollmentRateLimit > 100_000) {
    problems.push(`GITFLEET_ENROLLMENT_RATE_LIMIT must be an integer 1-100000 (attempts per minute and client address), got "${rateRaw}"`);
  }

  const shareRaw = env.GITFLEET_WITHDRAWAL_GUARD_SHARE || '0.5';
  const share = Number(shareRaw);
  if (!/^[0-9.]+$/.test(shareRaw) || !(share >= 0 && share <= 1)) {
    problems.push(`GITFLEET_WITHDRAWAL_GUARD_SHARE must be a number from 0 to 1 (the share of a source's targets one change may withdraw unconfirmed), got "${shareRaw}"`);
  }
  const minRaw = env.GITFLEET_WITHDRAWAL_GUARD_MIN || '5';
  const min = Number(minRaw);
  if (!/^[0-9]+$/.test(minRaw) || !Number.isInteger(min) || min < 1) {
    problems.push(`GITFLEET_WITHDRAWAL_GUARD_MIN must be an integer >= 1 (fewest withdrawals ever held for confirmation), got "${minRaw}"`);
  }

  let natsAuth: NatsAuthConfig | undefined;
  try {
    natsAuth = loadNatsAuthConfig(env);
  } catch (err) {
    problems.push((err as Error).message);
  }

  const oidc = loadOidcConfig(env);
  problems.push(...oidc.problems);

  if (problems.length > 0) throw new ConfigError(`invalid hub configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    databaseUrl,
    natsUrls,
    httpHost,
    httpPort,
    gitCacheDir,
    logLevel,
    signingKeyFile,
    adminToken,
    enrollmentRateLimit,
    withdrawalGuard: { share, min },
    ...(natsAuth ? { natsAuth } : {}),
    ...(oidc.config ? { oidc: oidc.config } : {}),
    ...(signingKey ? { signingKey } : {}),
    ...(secretsKey ? { secretsKey } : {}),
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

function canParseUrl(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}
