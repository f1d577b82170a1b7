/**
 * The agent's logger: pino with no credential in any line. Three layers, as the hub does it
 * (hub app.module.ts `redact`, config.ts `redactUrl`): pino's `redact` censors fields named like a
 * credential; URLs are logged through `redactUrl`; and every finished line is scrubbed of each
 * secret value the agent knows (NATS URL user and password or token, enrollment token, creds JWT
 * and seed) and of anything shaped like a NATS seed, a JWT or URL user info, so a secret that
 * reaches a log line some other way (an error message, a nested object) is still taken out.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** What replaces a secret in a log line. */
export const REDACTED = '[REDACTED]';

/** Field paths pino censors (pino `redact`, fast-redact syntax). */
export const REDACT_PATHS = [
  'password', '*.password', 'token', '*.token', 'enrollmentToken', '*.enrollmentToken', 'creds', '*.creds',
  'seed', '*.seed', 'jwt', '*.jwt', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
];

/** Secret values shorter than this are not scrubbed by value (they would mangle ordinary words); URLs still hide them. */
const MIN_SECRET_LENGTH = 4;

/** Shapes of credentials scrubbed wherever they appear (sources: nkeys seed prefix "S" + type, RFC 7519 JWS compact form). */
const SECRET_PATTERNS: RegExp[] = [
  // NATS nkey seeds: S + key type (U user, A account, O operator, …) + base32
  /\bS[UAONCPX][A-Z2-7]{50,}\b/g,
  // JWTs: three base64url parts, the first a JSON header ("eyJ")
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // gitfleet registration tokens
  /\bgfr_[A-Za-z0-9_-]{8,}/g,
];

/** URL user info, `scheme://user:password@` or `scheme://token@`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/**
 * `url` without its user info: `nats://user:pass@h:4222` → `nats://***:***@h:4222`,
 * `nats://token@h` → `nats://***@h`; a string that is no URL is returned with any user info cut.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(URL_USERINFO, '$1***@');
  }
}

/** The secret values a creds file holds: the user JWT and the nkey seed (the lines between the BEGIN/END markers). */
export function credsSecrets(creds: Uint8Array | string): string[] {
  const text = typeof creds === 'string' ? creds : new TextDecoder().decode(creds);
  const out: string[] = [];
  const re = /-{3,}BEGIN [^\n]*-{3,}\s*\n([^\n-][^\n]*)\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!.trim());
  return out;
}

/** The secrets of NATS URL(s) (comma separated): user names, passwords and tokens. */
export function urlSecrets(urls: string): string[] {
  const out: string[] = [];
  for (const raw of urls.split(',')) {
    try {
      const u = new URL(raw.trim());
      if (u.username) out.push(decodeURIComponent(u.username));
      if (u.password) out.push(decodeURIComponent(u.password));
    } catch {
      // not a URL: nothing to learn
    }
  }
  return out;
}

/** Known secret values, scrubbed from every log line. */
export class LogSecrets {
  private readonly values = new Set<string>();

  /** Adds secret values (undefined, empty and too short ones are ignored). */
  add(...values: Array<string | undefined>): this {
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) this.values.add(v);
    return this;
  }

  /** `line` with every known secret value, URL user info and credential-shaped string replaced by REDACTED. */
  scrub(line: string): string {
    let out = line.replace(URL_USERINFO, '$1***@');
    for (const v of this.values) if (out.includes(v)) out = out.replaceAll(v, REDACTED);
    for (const re of SECRET_PATTERNS) out = out.replace(re, REDACTED);
    return out;
  }
}

/** Options of `createAgentLogger`. */
export interface AgentLoggerOptions {
  level: string;
  /** fields on every line, e.g. `{ cluster, agentVersion }` */
  base: Record<string, unknown>;
  /** secrets known at start; more can be added to the returned `secrets` later */
  secrets?: LogSecrets;
  /** where lines go (default stdout); tests pass a stream */
  destination?: DestinationStream;
}

/** Creates the agent's pino logger with `redact` paths and the secret scrubber on every line. */
export function createAgentLogger(opts: AgentLoggerOptions): { log: Logger; secrets: LogSecrets } {
  const secrets = opts.secrets ?? new LogSecrets();
  const options = {
    level: opts.level,
    base: opts.base,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: (s: string) => secrets.scrub(s) },
  };
  const log = opts.destination ? pino(options, opts.destination) : pino(options);
  return { log, secrets };
}
