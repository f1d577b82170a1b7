// Trust boundaries over HTTP: bearer tokens and roles, the audit log, webhook secrets, and Git
// credentials of private sources (never in answers, logs, errors, or the database in clear).
// Real PostgreSQL (throwaway database), a private nats-server, a local Git host that demands
// Basic auth.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { createHubApp } from '../src/app.factory.js';
import { hashToken } from '../src/auth/tokens.js';
import { createTempDatabase, waitFor, NatsServer, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

const ADMIN = 'auth-test-bootstrap-admin-token';
const GIT_PASSWORD = 'pr1vate-git-passw0rd';
const GIT_TOKEN = 'glpat-s3cret-access-token';
const WEBHOOK_SECRET = 'webhook-secret-of-a-source';

describe('admin API trust boundaries (HTTP, PostgreSQL, NATS)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let gitHost: Server;
  let gitUrl: string;
  const gitAuthHeaders: string[] = [];
  let log = '';

  const api = async (method: string, path: string, opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) => {
    const token = opts.token === undefined ? ADMIN : opts.token;
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
      body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
  };
  const createToken = async (name: string, role: string, extra: Record<string, unknown> = {}) => {
    const r = await api('POST', '/api/v1/tokens', { body: { name, role, ...extra } });
    assert.equal(r.status, 201, r.text);
    return r.body.token as string;
  };

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-auth-'));
    // a Git host that wants Basic auth and refuses every login (records what it was sent)
    gitHost = createServer((req, res) => {
      if (req.headers.authorization) gitAuthHeaders.push(req.headers.authorization);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('denied');
    });
    await new Promise<void>((r) => gitHost.listen(0, '127.0.0.1', r));
    gitUrl = `http://127.0.0.1:${(gitHost.address() as AddressInfo).port}/private.git`;
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    app = await createHubApp(
      { databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: cacheDir, logLevel: 'trace', adminToken: ADMIN, secretsKey: randomBytes(32) },
      { logDestination: logStream },
    );
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await new Promise((r) => gitHost?.close(r));
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('leaves health, readiness, the OpenAPI document, docs UI and public key open', async () => {
    for (const path of ['/healthz', '/readyz', '/api/v1/openapi.json', '/api/v1/signing-keys']) assert.equal((await api('GET', path, { token: null })).status, 200, path);
    const docs = await fetch(`${base}/api/docs`);
    assert.equal(docs.status, 200);
  });

  it('answers 401 with WWW-Authenticate: Bearer without a valid token', async () => {
    for (const [method, path] of [['GET', '/api/v1/clusters'], ['POST', '/api/v1/clusters'], ['GET', '/api/v1/tokens'], ['GET', '/api/v1/audit']] as const) {
      const r = await api(method, path, { token: null, body: method === 'POST' ? { name: 'x' } : undefined });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const bad = await api('GET', '/api/v1/clusters', { token: 'gf_not-a-token' });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await api('GET', '/api/v1/clusters', { token: null, headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN}`).toString('base64')}` } })).status, 401);
  });

  it('creates tokens shown once, enforces roles, and revokes', async () => {
    const viewer = await createToken('ci-viewer', 'viewer');
    const operator = await createToken('ci-operator', 'operator');
    assert.match(viewer, /^gf_[A-Za-z0-9_-]{43}$/);
    const list = await api('GET', '/api/v1/tokens');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.map((t: { name: string }) => t.name), ['ci-operator', 'ci-viewer']);
    assert.ok(!list.text.includes(viewer) && !list.text.includes(operator) && !('token' in list.body[0]));
    assert.equal((await api('POST', '/api/v1/tokens', { body: { name: 'ci-viewer', role: 'viewer' } })).status, 409);
    assert.equal((await api('POST', '/api/v1/tokens', { body: { name: 'bootstrap-admin', role: 'admin' } })).status, 400);
    assert.equal((await api('POST', '/api/v1/tokens', { body: { name: 'x', role: 'root' } })).status, 400);
    assert.equal((await api('POST', '/api/v1/tokens', { body: { name: 'old', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' } })).status, 400);

    assert.equal((await api('POST', '/api/v1/clusters', { body: { name: 'c1' } })).status, 201); // bootstrap admin
    assert.equal((await api('GET', '/api/v1/clusters', { token: viewer })).status, 200);
    assert.equal((await api('GET', '/api/v1/clusters/c1', { token: viewer })).status, 200);
    const denied = await api('POST', '/api/v1/clusters', { token: viewer, body: { name: 'c2' } });
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /needs admin/);
    assert.equal((await api('PATCH', '/api/v1/clusters/c1', { token: viewer, body: { labels: { env: 'prod' } } })).status, 403);
    assert.equal((await api('PATCH', '/api/v1/clusters/c1', { token: operator, body: { labels: { env: 'prod' } } })).status, 200);
    assert.equal((await api('POST', '/api/v1/bundles/nope/sync', { token: operator, body: {} })).status, 404); // reached the service
    assert.equal((await api('DELETE', '/api/v1/clusters/c1', { token: operator })).status, 403);
    assert.equal((await api('GET', '/api/v1/tokens', { token: operator })).status, 403);
    assert.equal((await api('GET', '/api/v1/audit', { token: operator })).status, 403);

    assert.equal((await api('DELETE', '/api/v1/tokens/ci-viewer')).status, 204);
    assert.equal((await api('GET', '/api/v1/clusters', { token: viewer })).status, 401);
    assert.equal((await api('DELETE', '/api/v1/tokens/ci-viewer')).status, 404);
  });

  it('refuses an expired token', async () => {
    const soon = await createToken('short-lived', 'viewer', { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    assert.equal((await api('GET', '/api/v1/clusters', { token: soon })).status, 200);
    const expired = 'gf_expired-token-for-the-auth-test-0000000000';
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(`INSERT INTO api_tokens (name, role, token_hash, expires_at, created_by) VALUES ('expired', 'admin', $1, now() - interval '1 second', 'test')`, [hashToken(expired)]);
    } finally {
      await c.end();
    }
    const r = await api('GET', '/api/v1/clusters', { token: expired });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('writes every change to the audit log, newest first, with actor and outcome (no 401s)', async () => {
    const op = await createToken('audit-operator', 'operator');
    assert.equal((await api('POST', '/api/v1/clusters', { body: { name: 'audited', labels: { a: 'b' } } })).status, 201);
    assert.equal((await api('POST', '/api/v1/clusters', { body: { name: 'audited' } })).status, 409);
    assert.equal((await api('DELETE', '/api/v1/clusters/audited', { token: op })).status, 403);
    assert.equal((await api('DELETE', '/api/v1/clusters/audited', { token: null })).status, 401);
    assert.equal((await api('DELETE', '/api/v1/clusters/audited')).status, 204);
    type Entry = { actor: string; role: string | null; method: string; path: string; target: string | null; outcome: number; message: string | null };
    const entries = await waitFor('audit entries', async () => {
      const r = await api('GET', '/api/v1/audit?limit=5');
      return r.status === 200 && r.body.length === 5 && r.body[0].outcome === 204 ? (r.body as Entry[]) : undefined;
    }, 5000);
    assert.deepEqual(
      entries.map((e) => [e.actor, e.role, e.method, e.path, e.target, e.outcome]),
      [
        ['bootstrap-admin', 'admin', 'DELETE', '/api/v1/clusters/audited', 'audited', 204],
        ['audit-operator', 'operator', 'DELETE', '/api/v1/clusters/audited', 'audited', 403],
        ['bootstrap-admin', 'admin', 'POST', '/api/v1/clusters', 'audited', 409],
        ['bootstrap-admin', 'admin', 'POST', '/api/v1/clusters', 'audited', 201],
        ['bootstrap-admin', 'admin', 'POST', '/api/v1/tokens', 'audit-operator', 201],
      ],
    );
    assert.match(entries[1]!.message ?? '', /needs admin/);
    assert.match(entries[2]!.message ?? '', /already exists/);
    const all = await api('GET', '/api/v1/audit?limit=1000');
    assert.ok(all.body.every((e: Entry) => e.outcome !== 401));
    assert.ok(all.body.every((e: Entry) => e.method !== 'GET'));
    assert.ok(!all.text.includes(op));
    assert.equal((await api('GET', '/api/v1/audit?limit=0')).status, 400);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const r = await api('POST', '/api/v1/clusters', { body: JSON.stringify({ name: 'big', labels: { a: 'x'.repeat(1_100_000) } }) });
    assert.equal(r.status, 413);
    assert.match(r.body.message, /1 MiB/);
  });

  it('checks webhook secrets: signature, GitLab token, or an operator bearer token', async () => {
    assert.equal((await api('POST', '/api/v1/sources', { body: { name: 'hooked', url: gitUrl, pollIntervalSeconds: 3600, webhookSecret: WEBHOOK_SECRET } })).status, 201);
    assert.equal((await api('POST', '/api/v1/sources', { body: { name: 'open-hook', url: gitUrl, pollIntervalSeconds: 3600 } })).status, 201);
    const payload = JSON.stringify({ ref: 'refs/heads/main' });
    const sig = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(payload).digest('hex')}`;
    const hook = (name: string, token: string | null, headers: Record<string, string> = {}) => api('POST', `/api/v1/sources/${name}/webhook`, { token, body: payload, headers: { 'x-github-event': 'push', ...headers } });
    const anon = await hook('hooked', null);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await hook('hooked', null, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).status, 401);
    assert.equal((await hook('hooked', null, { 'x-hub-signature-256': sig })).status, 202);
    assert.equal((await hook('hooked', null, { 'x-gitlab-token': WEBHOOK_SECRET })).status, 202);
    const viewer = await createToken('hook-viewer', 'viewer');
    const operator = await createToken('hook-operator', 'operator');
    assert.equal((await hook('hooked', viewer)).status, 403);
    assert.equal((await hook('hooked', operator)).status, 202);
    assert.equal((await hook('open-hook', null)).status, 202); // no secret: open, as before
    const got = await api('GET', '/api/v1/sources/hooked');
    assert.equal(got.body.hasWebhookSecret, true);
    assert.ok(!got.text.includes(WEBHOOK_SECRET));
  });

  it('keeps Git credentials encrypted, uses them to fetch, and never shows them', async () => {
    const created = await api('POST', '/api/v1/sources', { body: { name: 'private', url: gitUrl, pollIntervalSeconds: 3600, credentials: { username: 'deploy', password: GIT_PASSWORD } } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.hasCredentials, true);
    const tok = await api('POST', '/api/v1/sources', { body: { name: 'private-token', url: gitUrl, pollIntervalSeconds: 3600, credentials: { token: GIT_TOKEN } } });
    assert.equal(tok.status, 201, tok.text);
    assert.equal((await api('POST', '/api/v1/sources', { body: { name: 'bad-creds', url: gitUrl, credentials: { username: 'u' } } })).status, 400);
    assert.equal((await api('POST', '/api/v1/sources', { body: { name: 'bad-creds', url: gitUrl, credentials: { password: 'p', token: 't' } } })).status, 400);
    assert.equal((await api('POST', '/api/v1/sources', { body: { name: 'bad-creds', url: gitUrl, credentials: { username: 'u', password: 'p', extra: 1 } } })).status, 400);

    // the fetch sent them (onAuth) and failed; last_error says so without them
    for (const name of ['private', 'private-token']) {
      const s = await waitFor(`${name} fetch error`, async () => {
        const r = await api('GET', `/api/v1/sources/${name}`);
        return r.body.lastError ? r : undefined;
      }, 10_000);
      assert.match(s.body.lastError, /401|auth/i);
    }
    const sent = gitAuthHeaders.map((h) => Buffer.from(h.replace(/^Basic /, ''), 'base64').toString('utf8'));
    assert.ok(sent.includes(`deploy:${GIT_PASSWORD}`), 'password sent by onAuth');
    assert.ok(sent.includes(`x-access-token:${GIT_TOKEN}`), 'token sent by onAuth');

    const answers = [await api('GET', '/api/v1/sources'), await api('GET', '/api/v1/sources/private'), await api('GET', '/api/v1/audit?limit=1000'), created, tok];
    for (const r of answers) for (const secret of [GIT_PASSWORD, GIT_TOKEN, WEBHOOK_SECRET]) assert.ok(!r.text.includes(secret), `${secret} in an API answer`);

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows: Array<{ name: string; credentials_enc: string | null; webhook_secret_enc: string | null }> = await c.query(`SELECT name, credentials_enc, webhook_secret_enc FROM sources ORDER BY name`).then((r) => r.rows);
      const priv = rows.find((r) => r.name === 'private')!;
      assert.match(priv.credentials_enc ?? '', /^v1:/);
      const dump = JSON.stringify(rows);
      for (const secret of [GIT_PASSWORD, GIT_TOKEN, WEBHOOK_SECRET, Buffer.from(GIT_PASSWORD).toString('base64')]) assert.ok(!dump.includes(secret), 'secret in clear in the database');
    } finally {
      await c.end();
    }
  });

  it('never logs a credential or token (pino output at trace level)', () => {
    assert.ok(log.length > 0 && log.includes('fetch failed'), 'the log was captured');
    for (const secret of [GIT_PASSWORD, GIT_TOKEN, WEBHOOK_SECRET, ADMIN, 'gf_']) assert.ok(!log.includes(secret), `${secret} in the log`);
    assert.ok(!log.includes(Buffer.from(`deploy:${GIT_PASSWORD}`).toString('base64')));
  });
});
