/**
 * Bootstrap of NATS operator (decentralized JWT) mode for gitfleet: creates the operator, the
 * system account and the `gitfleet` account, the hub's users, and writes everything the
 * nats-server and the hub need into one directory.
 *
 * Trust chain (rule source: NATS "decentralized JWT authentication" docs and nats-server's
 * `server/jwt.go`): the server trusts the operator JWT; account JWTs are signed by the operator or
 * one of its signing keys; user JWTs are signed by the account or one of its signing keys. The hub
 * keeps the account signing key (to issue agent users) and an operator signing key (to re-issue
 * the account JWT with revocations); the operator's and the accounts' identity keys are not needed
 * at run time.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAccount, createOperator, createUser, decode, encodeAccount, encodeOperator, encodeUser, fmtCreds, parseCreds, type Account, type KeyPair, type Operator } from '@nats-io/jwt';

/** Names of the files `bootstrapOperator` writes, relative to its output directory. */
export const BOOTSTRAP_FILES = {
  /** the operator JWT (public) */
  operatorJwt: 'operator.jwt',
  /** nats-server config fragment to `include` (operator, system_account, resolver, preload) */
  serverConf: 'server.conf',
  /** the hub's user in the gitfleet account, full access there (secret, 0600) */
  hubCreds: 'hub.creds',
  /** a user of the system account, to look up and push account JWTs (secret, 0600) */
  systemCreds: 'system.creds',
  /** seed of the gitfleet account's signing key: issues agent users (secret, 0600) */
  accountSigningKey: 'account-signing.nk',
  /** seed of an operator signing key: re-signs the account JWT with revocations (secret, 0600) */
  operatorSigningKey: 'operator-signing.nk',
  /** seed of the operator's identity key, only to re-issue the operator JWT; keep offline (secret, 0600) */
  operatorKey: 'operator.nk',
} as const;

/** Mode of files holding a seed. */
const SECRET_MODE = 0o600;
/** Mode of public files. */
const PUBLIC_MODE = 0o644;

/** Options of `bootstrapOperator`. */
export interface BootstrapOptions {
  /** directory to write into (created when missing) */
  outDir: string;
  /** overwrite the keys of an existing bootstrap (default false: keep them, return `created: false`) */
  force?: boolean;
  /** operator name (default `gitfleet`) */
  operatorName?: string;
  /** name of the application account (default `gitfleet`) */
  accountName?: string;
  /** JWT directory of the server's full resolver (default `<outDir>/resolver`) */
  resolverDir?: string;
}

/** What `bootstrapOperator` produced (or found). */
export interface BootstrapResult {
  /** true when keys were (re)generated, false when an existing bootstrap was kept */
  created: boolean;
  /** absolute output directory */
  outDir: string;
  /** operator public key (O…) */
  operatorPublicKey: string;
  /** system account public key (A…) */
  systemAccountPublicKey: string;
  /** gitfleet account public key (A…): the `issuer_account` of every agent user */
  accountPublicKey: string;
  /** absolute paths of the files, by the keys of BOOTSTRAP_FILES */
  files: Record<keyof typeof BOOTSTRAP_FILES, string>;
}

/** Limits of the gitfleet account: everything unlimited (-1) and JetStream enabled. */
export const GITFLEET_ACCOUNT_LIMITS: NonNullable<Account['limits']> = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
  max_ack_pending: -1,
};

/** Limits of the system account: no JetStream, connections and messages unlimited. */
const SYSTEM_ACCOUNT_LIMITS: NonNullable<Account['limits']> = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

function filesIn(outDir: string): BootstrapResult['files'] {
  const out = {} as BootstrapResult['files'];
  for (const [k, name] of Object.entries(BOOTSTRAP_FILES)) out[k as keyof typeof BOOTSTRAP_FILES] = join(outDir, name);
  return out;
}

function seedOf(kp: KeyPair): string {
  return new TextDecoder().decode(kp.getSeed());
}

function writeFile(path: string, content: string | Uint8Array, mode: number): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode); // writeFileSync's mode only applies when it creates the file
}

/** A double-quoted nats-server config string (the format accepts JSON-style escapes). */
function confString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Renders the nats-server config fragment for operator mode with the full (directory) resolver.
 * `resolver_preload` seeds the resolver directory with both accounts on first start (nats-server
 * 2.15.2 accepts it with `type: full`; a newer JWT pushed later wins over a preloaded one).
 * `allow_delete: false`: account JWTs can be updated but never removed through the system account.
 */
export function renderServerConf(p: { operatorJwtPath: string; systemAccount: string; resolverDir: string; preload: Record<string, string> }): string {
  const preload = Object.entries(p.preload).map(([acc, jwt]) => `  ${acc}: ${confString(jwt)}`).join('\n');
  return [
    '# gitfleet: NATS operator (JWT) mode. Include this from the server config (`include "<path>"`;',
    '# nats-server resolves the path relative to the including file) and enable jetstream there.',
    '# Generated by `gitfleet-hub nats-bootstrap`; account JWTs are pushed by the hub at run time.',
    `operator: ${confString(p.operatorJwtPath)}`,
    `system_account: ${p.systemAccount}`,
    'resolver: {',
    '  type: full',
    `  dir: ${confString(p.resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '  timeout: "5s"',
    '}',
    'resolver_preload: {',
    preload,
    '}',
    '',
  ].join('\n');
}

async function readExisting(outDir: string, files: BootstrapResult['files']): Promise<BootstrapResult> {
  const op = decode<Operator>(readFileSync(files.operatorJwt, 'utf8').trim());
  const hub = await parseCreds(readFileSync(files.hubCreds));
  return {
    created: false,
    outDir,
    operatorPublicKey: op.sub,
    systemAccountPublicKey: op.nats.system_account ?? '',
    accountPublicKey: hub.aid,
    files,
  };
}

/**
 * Creates a NATS operator, a system account (+ a user for the hub to push account JWTs), the
 * gitfleet account (JetStream on, limits unlimited, one signing key) and the hub's user (full
 * access in the gitfleet account), and writes BOOTSTRAP_FILES into `opts.outDir`: JWTs and
 * `server.conf` with mode 0644, creds and seeds with mode 0600.
 *
 * Idempotent: when `outDir` already holds an `operator.jwt` and `force` is not set, nothing is
 * written and the existing keys are returned with `created: false`.
 * @throws Error when the directory cannot be created or written, or an existing bootstrap there
 *   cannot be read.
 */
export async function bootstrapOperator(opts: BootstrapOptions): Promise<BootstrapResult> {
  const outDir = resolve(opts.outDir);
  const files = filesIn(outDir);
  if (existsSync(files.operatorJwt) && !opts.force) return readExisting(outDir, files);
  const resolverDir = resolve(opts.resolverDir ?? join(outDir, 'resolver'));
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  mkdirSync(resolverDir, { recursive: true, mode: 0o700 });

  const operator = createOperator();
  const operatorSigner = createOperator();
  const system = createAccount();
  const account = createAccount();
  const accountSigner = createAccount();
  const systemUser = createUser();
  const hubUser = createUser();

  const operatorJwt = await encodeOperator(opts.operatorName ?? 'gitfleet', operator, {
    system_account: system.getPublicKey(),
    signing_keys: [operatorSigner.getPublicKey()],
  });
  const systemJwt = await encodeAccount('SYS', system, { limits: SYSTEM_ACCOUNT_LIMITS }, { signer: operatorSigner });
  const accountJwt = await encodeAccount(opts.accountName ?? 'gitfleet', account, {
    limits: GITFLEET_ACCOUNT_LIMITS,
    signing_keys: [accountSigner.getPublicKey()],
  }, { signer: operatorSigner });
  const systemUserJwt = await encodeUser('gitfleet-hub-system', systemUser, system);
  const hubUserJwt = await encodeUser('gitfleet-hub', hubUser, account.getPublicKey(), {}, { signer: accountSigner });

  writeFile(files.operatorJwt, `${operatorJwt}\n`, PUBLIC_MODE);
  writeFile(files.operatorKey, `${seedOf(operator)}\n`, SECRET_MODE);
  writeFile(files.operatorSigningKey, `${seedOf(operatorSigner)}\n`, SECRET_MODE);
  writeFile(files.accountSigningKey, `${seedOf(accountSigner)}\n`, SECRET_MODE);
  writeFile(files.systemCreds, fmtCreds(systemUserJwt, systemUser), SECRET_MODE);
  writeFile(files.hubCreds, fmtCreds(hubUserJwt, hubUser), SECRET_MODE);
  writeFile(files.serverConf, renderServerConf({
    operatorJwtPath: files.operatorJwt,
    systemAccount: system.getPublicKey(),
    resolverDir,
    preload: { [system.getPublicKey()]: systemJwt, [account.getPublicKey()]: accountJwt },
  }), PUBLIC_MODE);

  return {
    created: true,
    outDir,
    operatorPublicKey: operator.getPublicKey(),
    systemAccountPublicKey: system.getPublicKey(),
    accountPublicKey: account.getPublicKey(),
    files,
  };
}
