import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decode, parseCreds, type Account, type Operator } from '@nats-io/jwt';
import { runNatsBootstrap } from './cli.js';
import { BOOTSTRAP_FILES, bootstrapOperator, GITFLEET_ACCOUNT_LIMITS, renderServerConf } from './operator.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gitfleet-nats-bootstrap-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The preloaded account JWTs of a server.conf, by account public key. */
function preloads(conf: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of conf.matchAll(/^\s+(A[A-Z2-7]{55}): "([^"]+)"$/gm)) out[m[1]!] = m[2]!;
  return out;
}

describe('bootstrapOperator', () => {
  it('writes the operator, both accounts, the hub users and the signing keys, secrets 0600', async () => {
    const out = join(tempDir(), 'nats');
    const r = await bootstrapOperator({ outDir: out });
    assert.equal(r.created, true);
    for (const [key, name] of Object.entries(BOOTSTRAP_FILES)) {
      const mode = statSync(join(out, name)).mode & 0o777;
      const secret = name.endsWith('.nk') || name.endsWith('.creds');
      assert.equal(mode, secret ? 0o600 : 0o644, `${key} mode ${mode.toString(8)}`);
    }
    const op = decode<Operator>(readFileSync(r.files.operatorJwt, 'utf8').trim());
    assert.equal(op.sub, r.operatorPublicKey);
    assert.equal(op.nats.system_account, r.systemAccountPublicKey);
    const operatorSigner = readFileSync(r.files.operatorSigningKey, 'utf8').trim();
    assert.match(operatorSigner, /^SO/);
    assert.equal(op.nats.signing_keys?.length, 1);

    const conf = readFileSync(r.files.serverConf, 'utf8');
    assert.match(conf, /^operator: ".*operator\.jwt"$/m);
    assert.match(conf, new RegExp(`^system_account: ${r.systemAccountPublicKey}$`, 'm'));
    assert.match(conf, /type: full[\s\S]*allow_delete: false/);
    const pre = preloads(conf);
    assert.deepEqual(Object.keys(pre).sort(), [r.accountPublicKey, r.systemAccountPublicKey].sort());
    const account = decode<Account>(pre[r.accountPublicKey]!);
    assert.equal(account.iss, op.nats.signing_keys?.[0], 'account signed by the operator signing key');
    assert.deepEqual(account.nats.limits, GITFLEET_ACCOUNT_LIMITS);
    const accountSigner = readFileSync(r.files.accountSigningKey, 'utf8').trim();
    assert.match(accountSigner, /^SA/);

    const hub = await parseCreds(readFileSync(r.files.hubCreds));
    assert.equal(hub.aid, r.accountPublicKey);
    assert.deepEqual(account.nats.signing_keys, [hub.uc.iss], 'hub user signed by the account signing key');
    assert.equal(hub.uc.nats.pub, undefined, 'hub user: no permission limits');
    const sys = await parseCreds(readFileSync(r.files.systemCreds));
    assert.equal(sys.aid, r.systemAccountPublicKey);
  });

  it('keeps an existing bootstrap unless forced', async () => {
    const out = tempDir();
    const first = await bootstrapOperator({ outDir: out });
    const seed = readFileSync(first.files.accountSigningKey, 'utf8');
    const again = await bootstrapOperator({ outDir: out });
    assert.equal(again.created, false);
    assert.deepEqual({ ...again, created: true }, first);
    assert.equal(readFileSync(first.files.accountSigningKey, 'utf8'), seed);
    const forced = await bootstrapOperator({ outDir: out, force: true });
    assert.equal(forced.created, true);
    assert.notEqual(forced.accountPublicKey, first.accountPublicKey);
    assert.notEqual(readFileSync(first.files.accountSigningKey, 'utf8'), seed);
  });

  it('renders the server config fragment', () => {
    assert.equal(
      renderServerConf({ operatorJwtPath: '/x/operator.jwt', systemAccount: 'ASYS', resolverDir: '/x/resolver', preload: { ASYS: 'j1', AACC: 'j2' } }).split('\n').slice(3).join('\n'),
      [
        'operator: "/x/operator.jwt"',
        'system_account: ASYS',
        'resolver: {',
        '  type: full',
        '  dir: "/x/resolver"',
        '  allow_delete: false',
        '  interval: "2m"',
        '  timeout: "5s"',
        '}',
        'resolver_preload: {',
        '  ASYS: "j1"',
        '  AACC: "j2"',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('nats-bootstrap CLI', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runNatsBootstrap(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    return { code, out, err };
  };

  it('needs --out', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--out <dir> is required/);
  });

  it('refuses unknown options', async () => {
    const r = await run(['--out', tempDir(), '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.err, /usage:/);
  });

  it('writes the files and prints the hub settings; a second run keeps them', async () => {
    const out = tempDir();
    const first = await run(['--out', out]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^wrote NATS operator-mode files to /);
    assert.match(first.out, new RegExp(`GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE=${join(out, 'account-signing.nk')}`));
    const second = await run(['--out', out]);
    assert.equal(second.code, 0);
    assert.match(second.out, /^kept the existing/);
    assert.match((await run(['--out', out, '--force'])).out, /^wrote/);
  });
});
