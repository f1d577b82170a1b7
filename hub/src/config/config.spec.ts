import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, redactUrl } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({ GITFLEET_DATABASE_URL: 'postgres://u:p@h:5432/d', GITFLEET_NATS_URL: 'nats://127.0.0.1:4222', GITFLEET_ADMIN_TOKEN: 'a-long-enough-admin-token' });
    assert.equal(c.adminToken, 'a-long-enough-admin-token');
    assert.equal(c.secretsKey, undefined);
    assert.equal(c.httpHost, '127.0.0.1');
    assert.equal(c.httpPort, 8080);
    assert.equal(c.logLevel, 'info');
    assert.match(c.gitCacheDir, /\.cache\/gitfleet\/hub-git$/);
  });

  it('lists every problem and never shows a password', () => {
    assert.throws(
      () => loadConfig({ GITFLEET_DATABASE_URL: 'mysql://u:secret@h/d', GITFLEET_HTTP_PORT: '99999', GITFLEET_LOG_LEVEL: 'loud' }),
      (err: Error) => err instanceof ConfigError && /DATABASE_URL/.test(err.message) && /NATS_URL is required/.test(err.message) && /HTTP_PORT/.test(err.message) && /LOG_LEVEL/.test(err.message) && /GITFLEET_ADMIN_TOKEN is required/.test(err.message) && !err.message.includes('secret'),
    );
  });

  it('refuses a short admin token without echoing it, and checks the secrets key length', () => {
    const base = { GITFLEET_DATABASE_URL: 'postgres://u:p@h:5432/d', GITFLEET_NATS_URL: 'nats://127.0.0.1:4222' };
    assert.throws(
      () => loadConfig({ ...base, GITFLEET_ADMIN_TOKEN: 'short-tok', GITFLEET_SECRETS_KEY: Buffer.alloc(16).toString('base64') }),
      (err: Error) => /ADMIN_TOKEN must be at least 16/.test(err.message) && /SECRETS_KEY must be base64 of exactly 32 bytes/.test(err.message) && !err.message.includes('short-tok'),
    );
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(loadConfig({ ...base, GITFLEET_ADMIN_TOKEN: 'x'.repeat(16), GITFLEET_SECRETS_KEY: key.toString('base64') }).secretsKey, key);
  });

  it('reads the kept revisions and the bundle GC timing, with defaults and bounds', () => {
    const base = { GITFLEET_DATABASE_URL: 'postgres://u:p@h:5432/d', GITFLEET_NATS_URL: 'nats://127.0.0.1:4222', GITFLEET_ADMIN_TOKEN: 'x'.repeat(16) };
    const d = loadConfig(base);
    assert.deepEqual([d.keepRevisions, d.bundleGcGraceMs, d.bundleGcIntervalMs], [10, 3_600_000, 600_000]);
    const c = loadConfig({ ...base, GITFLEET_KEEP_REVISIONS: '3', GITFLEET_BUNDLE_GC_GRACE_SECONDS: '0.5', GITFLEET_BUNDLE_GC_INTERVAL_SECONDS: '2' });
    assert.deepEqual([c.keepRevisions, c.bundleGcGraceMs, c.bundleGcIntervalMs], [3, 500, 2000]);
    const table: Array<[Record<string, string>, RegExp]> = [
      [{ GITFLEET_KEEP_REVISIONS: '0' }, /GITFLEET_KEEP_REVISIONS must be an integer 1-1000/],
      [{ GITFLEET_KEEP_REVISIONS: '2.5' }, /GITFLEET_KEEP_REVISIONS must be an integer/],
      [{ GITFLEET_BUNDLE_GC_GRACE_SECONDS: '-1' }, /GITFLEET_BUNDLE_GC_GRACE_SECONDS must be a number of seconds above 0/],
      [{ GITFLEET_BUNDLE_GC_INTERVAL_SECONDS: 'soon' }, /GITFLEET_BUNDLE_GC_INTERVAL_SECONDS must be a number of seconds/],
    ];
    for (const [env, want] of table) assert.throws(() => loadConfig({ ...base, ...env }), (err: Error) => err instanceof ConfigError && want.test(err.message));
  });

  // one bad setting → ConfigError whose problem line names the setting, the rule and (unless secret) the value
  const base = { GITFLEET_DATABASE_URL: 'postgres://u:p@h:5432/d', GITFLEET_NATS_URL: 'nats://127.0.0.1:4222', GITFLEET_ADMIN_TOKEN: 'x'.repeat(16) };
  const badValues: Array<[string, Record<string, string>, string]> = [
    ['a share that is no number', { GITFLEET_WITHDRAWAL_GUARD_SHARE: 'abc' }, 'GITFLEET_WITHDRAWAL_GUARD_SHARE must be a number from 0 to 1 (the share of a source\'s targets one change may withdraw unconfirmed), got "abc"'],
    ['a share above 1', { GITFLEET_WITHDRAWAL_GUARD_SHARE: '1.5' }, 'GITFLEET_WITHDRAWAL_GUARD_SHARE must be a number from 0 to 1 (the share of a source\'s targets one change may withdraw unconfirmed), got "1.5"'],
    ['a negative share', { GITFLEET_WITHDRAWAL_GUARD_SHARE: '-0.1' }, 'GITFLEET_WITHDRAWAL_GUARD_SHARE must be a number from 0 to 1 (the share of a source\'s targets one change may withdraw unconfirmed), got "-0.1"'],
    ['a guard minimum of 0', { GITFLEET_WITHDRAWAL_GUARD_MIN: '0' }, 'GITFLEET_WITHDRAWAL_GUARD_MIN must be an integer >= 1 (fewest withdrawals ever held for confirmation), got "0"'],
    ['a fractional guard minimum', { GITFLEET_WITHDRAWAL_GUARD_MIN: '2.5' }, 'GITFLEET_WITHDRAWAL_GUARD_MIN must be an integer >= 1 (fewest withdrawals ever held for confirmation), got "2.5"'],
    ['a port that is no number', { GITFLEET_HTTP_PORT: 'http' }, 'GITFLEET_HTTP_PORT must be an integer 1-65535, got "http"'],
    ['port 0', { GITFLEET_HTTP_PORT: '0' }, 'GITFLEET_HTTP_PORT must be an integer 1-65535, got "0"'],
    ['an unknown log level', { GITFLEET_LOG_LEVEL: 'loud' }, 'GITFLEET_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['a rate limit of 0', { GITFLEET_ENROLLMENT_RATE_LIMIT: '0' }, 'GITFLEET_ENROLLMENT_RATE_LIMIT must be an integer 1-100000 (attempts per minute and client address), got "0"'],
    ['an infinite GC grace', { GITFLEET_BUNDLE_GC_GRACE_SECONDS: 'Infinity' }, 'GITFLEET_BUNDLE_GC_GRACE_SECONDS must be a number of seconds above 0 and at most 2592000 (30 days), got "Infinity"'],
    ['a GC interval above 30 days', { GITFLEET_BUNDLE_GC_INTERVAL_SECONDS: '2592001' }, 'GITFLEET_BUNDLE_GC_INTERVAL_SECONDS must be a number of seconds above 0 and at most 2592000 (30 days), got "2592001"'],
    ['a NATS URL of another scheme (password redacted)', { GITFLEET_NATS_URL: 'nats://a:4222,http://u:pw@b' }, 'GITFLEET_NATS_URL entry "http://u:***@b/" must be a nats:// URL'],
    ['a NATS URL list of commas only', { GITFLEET_NATS_URL: ' , ' }, 'GITFLEET_NATS_URL is required (nats://host:port)'],
    ['an admin token with a space (not quoted)', { GITFLEET_ADMIN_TOKEN: 'sixteen chars ok' }, 'GITFLEET_ADMIN_TOKEN must be at least 16 characters without whitespace'],
    ['a secrets key that is no base64 (not quoted)', { GITFLEET_SECRETS_KEY: `${'A'.repeat(43)}!` }, 'GITFLEET_SECRETS_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)'],
  ];
  for (const [what, env, line] of badValues) {
    it(`refuses ${what}, naming the setting`, () => {
      assert.throws(
        () => loadConfig({ ...base, ...env }),
        (err: Error) => err instanceof ConfigError && err.message === `invalid hub configuration:\n  - ${line}`,
      );
    });
  }

  it('names the setting on every problem line when many are bad', () => {
    assert.throws(
      () => loadConfig({ GITFLEET_HTTP_PORT: 'x', GITFLEET_KEEP_REVISIONS: '0', GITFLEET_BUNDLE_GC_GRACE_SECONDS: '-1', GITFLEET_SECRETS_KEY: 'c2hvcnQ=' }),
      (err: Error) => {
        const lines = err.message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
        assert.deepEqual(lines.map((l) => l.split(' ')[0]), [
          'GITFLEET_DATABASE_URL', 'GITFLEET_NATS_URL', 'GITFLEET_HTTP_PORT', 'GITFLEET_ADMIN_TOKEN', 'GITFLEET_SECRETS_KEY', 'GITFLEET_KEEP_REVISIONS', 'GITFLEET_BUNDLE_GC_GRACE_SECONDS',
        ]);
        return true;
      },
    );
  });

  it('keeps the defaults of the guard and the rate limit, and reads set values', () => {
    const d = loadConfig(base);
    assert.deepEqual([d.withdrawalGuard, d.enrollmentRateLimit, d.signingKeyFile, d.natsUrls], [{ share: 0.5, min: 5 }, 20, '', ['nats://127.0.0.1:4222']]);
    const c = loadConfig({ ...base, GITFLEET_WITHDRAWAL_GUARD_SHARE: '0.25', GITFLEET_WITHDRAWAL_GUARD_MIN: '3', GITFLEET_ENROLLMENT_RATE_LIMIT: '7', GITFLEET_NATS_URL: 'nats://a:1, tls://b:2', GITFLEET_HTTP_PORT: '', GITFLEET_LOG_LEVEL: 'debug' });
    assert.deepEqual([c.withdrawalGuard, c.enrollmentRateLimit, c.natsUrls, c.httpPort, c.logLevel], [{ share: 0.25, min: 3 }, 7, ['nats://a:1', 'tls://b:2'], 8080, 'debug']);
  });

  it('redacts passwords in URLs', () => {
    assert.equal(redactUrl('https://user:tok@git.example/x.git'), 'https://user:***@git.example/x.git');
  });
});
