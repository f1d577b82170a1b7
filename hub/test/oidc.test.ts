// OIDC authentication of the admin API against a REAL issuer: the test bed's kube-apiserver
// (spoke1) issues service-account tokens as an OIDC issuer (--service-account-issuer, discovery at
// /.well-known/openid-configuration, keys at /openid/v1/jwks). Tokens are minted with the
// TokenRequest API for service accounts made here; the role map keys on `sub`. Real PostgreSQL
// (throwaway database), a private nats-server.
// Test-bed side effects: the namespace `gitfleet-oidc-test` (kept: spoke1 runs no namespace
// controller to finish a deletion) and the ClusterRoleBinding `gitfleet-test-oidc-discovery-anonymous`
// (kept, idempotent) that lets anonymous callers read the issuer's discovery document and public
// keys, as a hub outside the cluster needs; the service accounts are deleted afterwards.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { createHubApp } from '../src/app.factory.js';
import { loadOidcConfig } from '../src/config/oidc-config.js';
import { createTempDatabase, waitFor, NatsServer, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

const ADMIN = 'oidc-test-bootstrap-admin-token';
const NS = 'gitfleet-oidc-test';
const AUDIENCE = 'gitfleet-test';
const DISCOVERY_BINDING = 'gitfleet-test-oidc-discovery-anonymous';

/** The spoke1 apiserver of the test bed: URL, CA (PEM) and admin bearer token, from its kubeconfig. */
interface Kube {
  server: string;
  ca: string;
  token: string;
}

function loadSpoke(name: string): Kube {
  const envFile = process.env.GITFLEET_TESTBED_ENV || join(homedir(), '.cache', 'gitfleet', 'testbed', 'testbed.env');
  const dir = /^GITFLEET_KUBECONFIG_DIR=(.*)$/m.exec(readFileSync(envFile, 'utf8'))?.[1]?.trim();
  const file = dir ? join(dir, `${name}.kubeconfig`) : '';
  if (!file || !existsSync(file)) throw new Error(`test bed has no ${name} kubeconfig (GITFLEET_KUBECONFIG_DIR in ${envFile}); start it with \`npm run testbed:up\``);
  const text = readFileSync(file, 'utf8');
  const field = (k: string) => {
    const v = new RegExp(`^\\s*${k}:\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
    if (!v) throw new Error(`${file} has no ${k}`);
    return v;
  };
  return { server: field('server'), ca: Buffer.from(field('certificate-authority-data'), 'base64').toString('utf8'), token: field('token') };
}

/** One HTTPS request to the apiserver (as admin unless `anonymous`): status and parsed JSON body. */
function kubeRequest(kube: Kube, method: string, path: string, body?: unknown, anonymous = false): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json, application/jwk-set+json', 'content-type': 'application/json' };
    if (!anonymous) headers.authorization = `Bearer ${kube.token}`;
    const req = httpsRequest(new URL(path, kube.server), { method, headers, ca: kube.ca, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Creates an object unless it exists (201/409). */
async function ensure(kube: Kube, path: string, obj: unknown): Promise<void> {
  const r = await kubeRequest(kube, 'POST', path, obj);
  assert.ok(r.status === 201 || r.status === 409, `POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
}

/** A TokenRequest token of service account `sa` in NS for `audience` (10 minutes). */
async function mintToken(kube: Kube, sa: string, audience: string): Promise<string> {
  const r = await kubeRequest(kube, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: [audience], expirationSeconds: 600 },
  });
  assert.equal(r.status, 201, `TokenRequest for ${sa}: ${JSON.stringify(r.body)}`);
  return (r.body as { status: { token: string } }).status.token;
}

describe('OIDC authentication of the admin API (kube-apiserver issuer, HTTP, PostgreSQL, NATS)', () => {
  const suffix = randomBytes(3).toString('hex');
  const sas = { admin: `oidc-admin-${suffix}`, viewer: `oidc-viewer-${suffix}`, stranger: `oidc-stranger-${suffix}` };
  const sub = (sa: string) => `system:serviceaccount:${NS}:${sa}`;
  let kube: Kube;
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let dir: string;
  let issuer: string;
  const tokens: Record<string, string> = {};
  let log = '';

  const api = async (method: string, path: string, opts: { token?: string | null; body?: unknown } = {}) => {
    const token = opts.token === undefined ? ADMIN : opts.token;
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    const tb = await loadTestbed();
    kube = loadSpoke('spoke1');
    const discovery = await kubeRequest(kube, 'GET', '/.well-known/openid-configuration');
    assert.equal(discovery.status, 200, `spoke1 discovery as admin: ${JSON.stringify(discovery.body)}`);
    issuer = (discovery.body as { issuer: string }).issuer;
    // A hub outside the cluster reads discovery and keys anonymously; anonymous auth is on in the
    // test bed, but RBAC grants system:service-account-issuer-discovery to service accounts only.
    await ensure(kube, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: DISCOVERY_BINDING, labels: { 'app.kubernetes.io/part-of': 'gitfleet-tests' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:service-account-issuer-discovery' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
    });
    await waitFor('anonymous access to the JWKS', async () => (await kubeRequest(kube, 'GET', '/openid/v1/jwks', undefined, true)).status === 200, 10_000);
    await ensure(kube, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const sa of Object.values(sas)) await ensure(kube, `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
    tokens.admin = await mintToken(kube, sas.admin, AUDIENCE);
    tokens.viewer = await mintToken(kube, sas.viewer, AUDIENCE);
    tokens.stranger = await mintToken(kube, sas.stranger, AUDIENCE);
    tokens.wrongAudience = await mintToken(kube, sas.admin, 'someone-else');

    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    dir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-oidc-'));
    writeFileSync(join(dir, 'issuer-ca.crt'), kube.ca);
    // through the config loader, as the hub reads it (JWKS URL by discovery)
    const oidc = loadOidcConfig({
      GITFLEET_OIDC_ISSUER: issuer,
      GITFLEET_OIDC_AUDIENCE: AUDIENCE,
      GITFLEET_OIDC_ROLES_CLAIM: 'sub',
      GITFLEET_OIDC_ROLE_MAP: JSON.stringify({ [sub(sas.admin)]: 'admin', [sub(sas.viewer)]: 'viewer' }),
      GITFLEET_OIDC_CA_FILE: join(dir, 'issuer-ca.crt'),
    });
    assert.deepEqual(oidc.problems, []);
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    app = await createHubApp(
      { databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: join(dir, 'git'), logLevel: 'trace', adminToken: ADMIN, ...(oidc.config ? { oidc: oidc.config } : {}) },
      { logDestination: logStream },
    );
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (kube) for (const sa of Object.values(sas)) await kubeRequest(kube, 'DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}`).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets an admin service account write', async () => {
    const r = await api('POST', '/api/v1/clusters', { token: tokens.admin!, body: { name: 'oidc-c1' } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await api('DELETE', '/api/v1/clusters/oidc-c1', { token: tokens.admin! })).status, 204);
  });

  it('lets a viewer service account read, not write', async () => {
    assert.equal((await api('GET', '/api/v1/clusters', { token: tokens.viewer! })).status, 200);
    const denied = await api('POST', '/api/v1/clusters', { token: tokens.viewer!, body: { name: 'oidc-c2' } });
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /role "viewer" of "oidc:system:serviceaccount:gitfleet-oidc-test:oidc-viewer-[0-9a-f]+" .*needs admin/);
  });

  it('answers 403 to a valid token whose subject is not in the role map', async () => {
    for (const [method, body] of [['GET', undefined], ['POST', { name: 'oidc-c3' }]] as const) {
      const r = await api(method, '/api/v1/clusters', { token: tokens.stranger!, body });
      assert.equal(r.status, 403, method);
      assert.match(r.body.message, new RegExp(`no role for "oidc:${sub(sas.stranger)}"`));
    }
  });

  it('answers 401 to a token for another audience, a tampered token and a garbage JWT', async () => {
    const [h, p, s] = tokens.admin!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: sub(sas.admin).replace('admin', 'other') })).toString('base64url')}.${s}`;
    const garbage = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2lnbmF0dXJl`;
    for (const [what, token] of [['wrong audience', tokens.wrongAudience!], ['tampered', tampered], ['garbage', garbage], ['not base64', 'aaa.bbb.ccc']] as const) {
      const r = await api('GET', '/api/v1/clusters', { token });
      assert.equal(r.status, 401, what);
      assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/, what);
    }
  });

  it('still accepts the bootstrap admin token and API tokens', async () => {
    const created = await api('POST', '/api/v1/tokens', { body: { name: 'oidc-side-viewer', role: 'viewer' } });
    assert.equal(created.status, 201, created.text);
    assert.equal((await api('GET', '/api/v1/clusters', { token: created.body.token })).status, 200);
    assert.equal((await api('POST', '/api/v1/clusters', { token: created.body.token, body: { name: 'x' } })).status, 403);
    assert.equal((await api('GET', '/api/v1/clusters', { token: 'gf_not-a-token' })).status, 401);
  });

  it('writes the OIDC actor to the audit log and never logs a token', async () => {
    const entries = await waitFor('audit entries', async () => {
      const r = await api('GET', '/api/v1/audit?limit=100');
      const list = r.body as Array<{ actor: string; role: string | null; method: string; path: string; outcome: number }>;
      return list.some((e) => e.actor === `oidc:${sub(sas.stranger)}`) ? list : undefined;
    }, 5000);
    const rows = entries.map((e) => [e.actor, e.role, e.method, e.path, e.outcome]);
    assert.deepEqual(
      rows.filter((r) => String(r[0]).startsWith('oidc:')),
      [
        [`oidc:${sub(sas.stranger)}`, null, 'POST', '/api/v1/clusters', 403],
        [`oidc:${sub(sas.viewer)}`, 'viewer', 'POST', '/api/v1/clusters', 403],
        [`oidc:${sub(sas.admin)}`, 'admin', 'DELETE', '/api/v1/clusters/oidc-c1', 204],
        [`oidc:${sub(sas.admin)}`, 'admin', 'POST', '/api/v1/clusters', 201],
      ],
    );
    assert.match(log, /OIDC token refused/);
    for (const t of Object.values(tokens)) {
      assert.ok(!log.includes(t), 'a token value is in the log');
      assert.ok(!log.includes(t.split('.')[2]!), 'a token signature is in the log');
    }
  });
});
