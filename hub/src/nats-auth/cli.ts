/**
 * `gitfleet-hub nats-bootstrap --out <dir> [--force] [--operator-name N] [--account-name N]
 * [--resolver-dir D]`: writes the NATS operator-mode files (see operator.ts) and prints how to use
 * them. Exit codes: 0 done (or kept), 2 usage error, 1 failure.
 */
import { parseArgs } from 'node:util';
import { bootstrapOperator } from './operator.js';
import { NATS_AUTH_ENV } from '../config/nats-auth-config.js';

/** Usage text of the subcommand. */
export const NATS_BOOTSTRAP_USAGE = `usage: gitfleet-hub nats-bootstrap --out <dir> [--force] [--operator-name <name>] [--account-name <name>] [--resolver-dir <dir>]

Creates a NATS operator, its system account and the gitfleet account (JetStream on), the hub's
users and signing keys, and writes into <dir>: operator.jwt, server.conf (include it from the
nats-server config), hub.creds, system.creds, account-signing.nk, operator-signing.nk, operator.nk.
Keeps an existing bootstrap in <dir> unless --force.`;

/** Where the CLI writes. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/**
 * Runs `nats-bootstrap` with `argv` (the arguments after the subcommand).
 * @returns the process exit code (0 ok, 1 failure, 2 usage error)
 */
export async function runNatsBootstrap(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let values: { out?: string; force?: boolean; 'operator-name'?: string; 'account-name'?: string; 'resolver-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        force: { type: 'boolean' },
        'operator-name': { type: 'string' },
        'account-name': { type: 'string' },
        'resolver-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`gitfleet-hub nats-bootstrap: ${(err as Error).message}\n${NATS_BOOTSTRAP_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${NATS_BOOTSTRAP_USAGE}\n`);
    return 0;
  }
  if (!values.out) {
    io.err(`gitfleet-hub nats-bootstrap: --out <dir> is required\n${NATS_BOOTSTRAP_USAGE}\n`);
    return 2;
  }
  try {
    const r = await bootstrapOperator({
      outDir: values.out,
      force: values.force ?? false,
      ...(values['operator-name'] ? { operatorName: values['operator-name'] } : {}),
      ...(values['account-name'] ? { accountName: values['account-name'] } : {}),
      ...(values['resolver-dir'] ? { resolverDir: values['resolver-dir'] } : {}),
    });
    io.out([
      r.created ? `wrote NATS operator-mode files to ${r.outDir}` : `kept the existing NATS operator-mode files in ${r.outDir} (--force to replace the keys)`,
      `operator ${r.operatorPublicKey}`,
      `system account ${r.systemAccountPublicKey}`,
      `gitfleet account ${r.accountPublicKey}`,
      `nats-server: include ${r.files.serverConf} from its config (\`include\` paths are relative to the including file) and enable jetstream`,
      'hub environment:',
      `  ${NATS_AUTH_ENV.credsFile}=${r.files.hubCreds}`,
      `  ${NATS_AUTH_ENV.accountSigningKeyFile}=${r.files.accountSigningKey}`,
      `  ${NATS_AUTH_ENV.operatorSigningKeyFile}=${r.files.operatorSigningKey}`,
      `  ${NATS_AUTH_ENV.systemCredsFile}=${r.files.systemCreds}`,
      '',
    ].join('\n'));
    return 0;
  } catch (err) {
    io.err(`gitfleet-hub nats-bootstrap: ${(err as Error).message}\n`);
    return 1;
  }
}
