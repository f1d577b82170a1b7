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

  it('redacts passwords in URLs', () => {
    assert.equal(redactUrl('https://user:tok@git.example/x.git'), 'https://user:***@git.example/x.git');
  });
});
