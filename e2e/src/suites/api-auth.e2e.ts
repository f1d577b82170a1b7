// Issue #4, test 6: the admin API answers 401 without a (valid) token, 403 when the token's role
// is too weak for a write, 2xx with the right role; every write that passed authentication is in
// the audit log with who, what, target and outcome; and no secret value the suite used (API
// tokens, Git credentials, webhook secret, the secrets key, the signing key) appears in any log
// line of the suite's processes, in any API answer (but the one that creates a token), or in
// plain text in the database.
import assert from 'node:assert/strict';
import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import {
  type AuditEntryView,
  Fleet,
  GitAuthProxy,
  type SecretValue,
  describeHits,
  run,
  scanFiles,
  scanText,
} from '../support/index.js';

const SPOKE = 'spoke2';
const NS = 'e2e-api-auth';
const BUNDLE = 'private-basic-app';
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A random secret of at least 32 characters, recognisable by its `purpose` in a dump. */
const secret = (purpose: string) => `e2e-${purpose}-${randomBytes(16).toString('hex')}`;
const basic = (username: string, password: string) => Buffer.from(`${username}:${password}`).toString('base64');

/** Who calls: the Authorization header sent (if any) and the actor the audit log must name (none: not recorded). */
interface Caller {
  label: string;
  authorization?: string;
  audit?: { actor: string; role: string | null };
}

/** One request of the suite and its answer. */
interface Exchange {
  caller: string;
  method: string;
  path: string;
  status: number;
  body: string;
  /** the audit entry this request must have produced, if any */
  audit?: { actor: string; role: string | null; method: string; path: string; target: string | null; outcome: number };
  /** secret values this answer may carry (a created token, shown once) */
  reveals: string[];
}

describe('admin API: authentication, roles, audit log, no secret in logs', () => {
  let fleet: Fleet;
  let proxy: GitAuthProxy;
  let stopped = false;
  const exchanges: Exchange[] = [];
  const tokens = new Map<string, string>();
  const secretsKey = randomBytes(32).toString('base64');
  const git = {
    user: 'e2e-git-user',
    password: secret('git-password'),
    token: secret('git-token'),
    urlUser: 'e2e-url-user',
    urlPassword: secret('url-password'),
    wrongPassword: secret('wrong-password'),
  };
  const webhookSecret = secret('webhook-secret');
  const rejectedPassword = secret('rejected-password');

  const nobody: Caller = { label: 'no token' };
  const bogus: Caller = { label: 'unknown token', authorization: `Bearer gf_${randomBytes(32).toString('base64url')}` };
  const webhookSender: Caller = { label: 'webhook sender', audit: { actor: 'anonymous', role: null } };
  let bootstrap: Caller;
  const withToken = (name: string, role: string): Caller => {
    const token = tokens.get(name);
    assert.ok(token, `token ${name} was created`);
    return { label: name, authorization: `Bearer ${token}`, audit: { actor: name, role } };
  };
  const viewer = () => withToken('e2e-viewer', 'viewer');
  const operator = () => withToken('e2e-operator', 'operator');
  const admin = () => withToken('e2e-admin', 'admin');

  /**
   * Sends one request and records it. A write by an authenticated caller (or an anonymous
   * webhook) must say which `target` the audit log will name.
   */
  async function call(caller: Caller, method: string, urlPath: string, options: { body?: unknown; raw?: string; headers?: Record<string, string>; target?: string | null } = {}) {
    const audited = WRITES.includes(method) && caller.audit !== undefined;
    if (audited && options.target === undefined) throw new Error(`test bug: ${method} ${urlPath} needs the target its audit entry names`);
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const res = await fetch(`${fleet.hub.url}${urlPath}`, {
      method,
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...(caller.authorization ? { authorization: caller.authorization } : {}),
        ...options.headers,
      },
      body: payload,
    });
    const body = await res.text();
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const created = method === 'POST' && urlPath === '/api/v1/tokens' && res.status === 201 ? (json as { token: string }).token : undefined;
    exchanges.push({
      caller: caller.label, method, path: urlPath, status: res.status, body,
      ...(audited ? { audit: { ...caller.audit!, method, path: urlPath, target: options.target ?? null, outcome: res.status } } : {}),
      reveals: created ? [created] : [],
    });
    return { status: res.status, body, json, headers: res.headers };
  }

  /** `call` that asserts the status (and, for 401/403, how the refusal is told); returns the parsed body. */
  async function expectStatus<T = unknown>(status: number, caller: Caller, method: string, urlPath: string, options: Parameters<typeof call>[3] = {}): Promise<T> {
    const res = await call(caller, method, urlPath, options);
    assert.equal(res.status, status, `${caller.label}: ${method} ${urlPath} → ${res.status} ${res.body.slice(0, 300)}`);
    if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="gitfleet"/, `${method} ${urlPath}: 401 names the scheme`);
    if (status === 403) assert.match((res.json as { message: string }).message, new RegExp(`^role "${caller.audit?.role}" of "${caller.audit?.actor}" may not ${method}`));
    return res.json as T;
  }

  /** Every secret value of the suite, each under a label that says what it is. */
  function secrets(): SecretValue[] {
    const der = createPrivateKey(readFileSync(fleet.keys.privateKeyFile, 'utf8')).export({ type: 'pkcs8', format: 'der' });
    const seed = der.subarray(der.length - 32);
    return [
      { label: 'bootstrap admin token', value: fleet.hub.adminToken },
      ...[...tokens].map(([name, value]) => ({ label: `API token ${name}`, value })),
      { label: 'GITFLEET_SECRETS_KEY', value: secretsKey },
      { label: 'Git password', value: git.password },
      { label: 'Git access token', value: git.token },
      { label: 'password in a source URL', value: git.urlPassword },
      { label: 'wrong Git password', value: git.wrongPassword },
      { label: 'webhook secret', value: webhookSecret },
      { label: 'password of a refused request', value: rejectedPassword },
      { label: 'signing key (PEM body)', value: der.toString('base64') },
      { label: 'signing key seed (hex)', value: seed.toString('hex') },
      { label: 'signing key seed (base64)', value: seed.toString('base64') },
      { label: 'signing key seed (base64url)', value: seed.toString('base64url') },
    ];
  }

  before(async () => {
    fleet = await Fleet.start({
      name: 'api-auth',
      clusters: { [SPOKE]: { env: 'test' } },
      namespaces: [NS],
      // debug: the most the hub ever logs must still hold no secret
      hubEnv: { GITFLEET_SECRETS_KEY: secretsKey, GITFLEET_LOG_LEVEL: 'debug' },
    });
    bootstrap = { label: 'bootstrap admin', authorization: `Bearer ${fleet.hub.adminToken}`, audit: { actor: 'bootstrap-admin', role: 'admin' } };
    proxy = await GitAuthProxy.start(fleet.testbed.gitUrl, [
      { username: git.user, password: git.password },
      { username: 'x-access-token', password: git.token },
      { username: git.urlUser, password: git.urlPassword },
    ]);
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "one"\n');
    await fleet.repo.commitAndPush('private app');
  });
  after(async () => {
    await proxy?.close();
    if (!stopped) await fleet?.stop();
  });

  it('401 without a token, with an unknown token or a non-Bearer scheme; open routes stay open', async () => {
    await expectStatus(401, nobody, 'GET', '/api/v1/clusters');
    await expectStatus(401, nobody, 'POST', '/api/v1/clusters', { body: { name: 'e2e-nope' } });
    await expectStatus(401, nobody, 'GET', '/api/v1/audit');
    await expectStatus(401, nobody, 'POST', '/api/v1/tokens', { body: { name: 'e2e-nope', role: 'admin' } });
    await expectStatus(401, nobody, 'POST', `/api/v1/bundles/${BUNDLE}/sync`, { body: {} });
    await expectStatus(401, nobody, 'DELETE', '/api/v1/sources/anything');
    for (const caller of [
      bogus,
      { label: 'admin token as Basic', authorization: `Basic ${basic('admin', fleet.hub.adminToken)}` },
      { label: 'admin token with a typo', authorization: `Bearer ${fleet.hub.adminToken}x` },
    ]) {
      await expectStatus(401, caller, 'GET', '/api/v1/clusters');
      const res = await call(caller, 'POST', '/api/v1/clusters', { body: { name: 'e2e-nope' } });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/, `${caller.label}: RFC 6750 invalid_token`);
    }
    await expectStatus(200, nobody, 'GET', '/healthz');
    const keys = await expectStatus<{ signed: boolean; keys: Array<{ publicKeyPem: string }> }>(200, nobody, 'GET', '/api/v1/signing-keys');
    assert.equal(keys.signed, true);
    assert.match(keys.keys[0]!.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  });

  it('the admin creates viewer, operator and admin tokens; a value is shown once and stored hashed', async () => {
    for (const [name, role] of [['e2e-viewer', 'viewer'], ['e2e-operator', 'operator'], ['e2e-admin', 'admin']] as const) {
      const created = await expectStatus<{ name: string; role: string; token: string; createdBy: string }>(201, bootstrap, 'POST', '/api/v1/tokens', { body: { name, role }, target: name });
      assert.match(created.token, /^gf_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual({ name: created.name, role: created.role, createdBy: created.createdBy }, { name, role, createdBy: 'bootstrap-admin' });
      tokens.set(name, created.token);
    }
    const expiring = await expectStatus<{ token: string }>(201, admin(), 'POST', '/api/v1/tokens', { body: { name: 'e2e-expiring', role: 'viewer', expiresAt: new Date(Date.now() + 4000).toISOString() }, target: 'e2e-expiring' });
    tokens.set('e2e-expiring', expiring.token);
    await expectStatus(200, withToken('e2e-expiring', 'viewer'), 'GET', '/api/v1/clusters');

    await expectStatus(409, bootstrap, 'POST', '/api/v1/tokens', { body: { name: 'e2e-viewer', role: 'viewer' }, target: 'e2e-viewer' });
    const bad = await expectStatus<{ message: string[] | string }>(400, bootstrap, 'POST', '/api/v1/tokens', { body: { name: 'e2e-root', role: 'root' }, target: 'e2e-root' });
    assert.match(JSON.stringify(bad.message), /role must be one of viewer, operator, admin/);

    const listed = await expectStatus<Array<Record<string, unknown>>>(200, bootstrap, 'GET', '/api/v1/tokens');
    assert.deepEqual(listed.map((t) => t['name']).sort(), ['e2e-admin', 'e2e-expiring', 'e2e-operator', 'e2e-viewer']);
    assert.ok(listed.every((t) => !('token' in t) && !('tokenHash' in t)), 'the list shows no value and no hash');

    const rows = (await run('psql', [fleet.databaseUrl, '-At', '-F', ' ', '-c', 'SELECT name, token_hash FROM api_tokens ORDER BY name'])).stdout.trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(rows, [...tokens].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => [name, createHash('sha256').update(value).digest('hex')]), 'only the sha256 of each token is stored');
  });

  it('private sources: credentials are sent to the Git server, stored sealed, and never returned', async () => {
    const viaProxy = fleet.repo.url.replace(fleet.testbed.gitUrl, proxy.url);
    const nowhere = [{ clusterName: 'no-such-cluster' }];
    const basicSource = await expectStatus<Record<string, unknown>>(201, admin(), 'POST', '/api/v1/sources', {
      body: { name: 'private-basic', url: viaProxy, pollIntervalSeconds: 3600, credentials: { username: git.user, password: git.password }, webhookSecret },
      target: 'private-basic',
    });
    assert.deepEqual({ hasCredentials: basicSource['hasCredentials'], hasWebhookSecret: basicSource['hasWebhookSecret'], credentials: basicSource['credentials'], webhookSecret: basicSource['webhookSecret'] }, { hasCredentials: true, hasWebhookSecret: true, credentials: undefined, webhookSecret: undefined });
    await expectStatus(201, admin(), 'POST', '/api/v1/sources', { body: { name: 'private-token', url: viaProxy, pollIntervalSeconds: 3600, targets: nowhere, credentials: { token: git.token } }, target: 'private-token' });
    const inUrl = new URL(viaProxy);
    inUrl.username = git.urlUser;
    inUrl.password = git.urlPassword;
    const urlSource = await expectStatus<{ url: string }>(201, admin(), 'POST', '/api/v1/sources', { body: { name: 'private-url', url: inUrl.toString(), pollIntervalSeconds: 3600, targets: nowhere }, target: 'private-url' });
    assert.equal(urlSource.url, viaProxy, 'the user and password in the URL are moved out of it (into the sealed credentials)');
    await expectStatus(201, admin(), 'POST', '/api/v1/sources', { body: { name: 'private-wrong', url: viaProxy, pollIntervalSeconds: 3600, targets: nowhere, credentials: { username: git.user, password: git.wrongPassword } }, target: 'private-wrong' });
    // a refused request carrying a secret: 400, and the secret is not echoed
    await expectStatus(400, admin(), 'POST', '/api/v1/sources', { body: { name: 'e2e-rejected', url: 'ftp://example.invalid/repo.git', credentials: { username: git.user, password: rejectedPassword } }, target: 'e2e-rejected' });

    const head = await fleet.repo.git('rev-parse', 'HEAD');
    await eventually('every source fetched (the wrong credentials refused)', async () => {
      const sources = await expectStatus<Array<{ name: string; lastRevision: string | null; lastError: string | null }>>(200, viewer(), 'GET', '/api/v1/sources');
      const by = new Map(sources.map((s) => [s.name, s]));
      for (const name of ['private-basic', 'private-token', 'private-url']) {
        if (by.get(name)?.lastRevision !== head) throw new Error(`${name}: revision ${by.get(name)?.lastRevision}, error ${by.get(name)?.lastError}`);
      }
      const wrong = by.get('private-wrong');
      if (!wrong?.lastError) throw new Error('private-wrong: no fetch error yet');
      assert.equal(wrong.lastRevision, null);
      assert.match(wrong.lastError, /401/, 'the Git server refused the wrong credentials');
    }, 30_000);
    assert.ok(proxy.challenged > 0, 'the hub first asked without credentials');
    assert.ok(proxy.accepted > 0, 'the stored credentials were sent and accepted');
    assert.ok(proxy.refused > 0, 'the wrong credentials were sent and refused');
    await fleet.waitForRevision(BUNDLE, head, [SPOKE]);

    // at rest: credentials and the webhook secret are sealed (AES-256-GCM, secret-box format v1)
    const sealed = (await run('psql', [fleet.databaseUrl, '-At', '-F', ' ', '-c', "SELECT name, coalesce(credentials_enc, '-'), coalesce(webhook_secret_enc, '-') FROM sources ORDER BY name"])).stdout.trim().split('\n').map((l) => l.split(' '));
    const v1 = /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;
    for (const [name, credentials, hook] of sealed) {
      assert.match(credentials!, v1, `${name}: credentials sealed`);
      assert.ok(name === 'private-basic' ? v1.test(hook!) : hook === '-', `${name}: webhook secret sealed`);
    }
  });

  it('a viewer reads everything it may and gets 403 on every write', async () => {
    for (const p of ['/api/v1/clusters', `/api/v1/clusters/${SPOKE}`, '/api/v1/clustergroups', '/api/v1/sources', '/api/v1/sources/private-basic', '/api/v1/bundles', `/api/v1/bundles/${BUNDLE}`, '/api/v1/targets', `/api/v1/targets/${SPOKE}/${BUNDLE}`, `/api/v1/targets/${SPOKE}/${BUNDLE}/history`]) {
      await expectStatus(200, viewer(), 'GET', p);
    }
    await expectStatus(403, viewer(), 'GET', '/api/v1/tokens');
    await expectStatus(403, viewer(), 'GET', '/api/v1/audit');
    await expectStatus(403, viewer(), 'POST', '/api/v1/clusters', { body: { name: 'e2e-nope' }, target: 'e2e-nope' });
    await expectStatus(403, viewer(), 'PATCH', `/api/v1/clusters/${SPOKE}`, { body: { labels: { env: 'viewer' } }, target: SPOKE });
    await expectStatus(403, viewer(), 'DELETE', `/api/v1/clusters/${SPOKE}`, { target: SPOKE });
    await expectStatus(403, viewer(), 'POST', '/api/v1/clustergroups', { body: { name: 'e2e-nope', selector: {} }, target: 'e2e-nope' });
    await expectStatus(403, viewer(), 'POST', '/api/v1/sources', { body: { name: 'e2e-nope', url: fleet.repo.url }, target: 'e2e-nope' });
    await expectStatus(403, viewer(), 'DELETE', '/api/v1/sources/private-basic', { target: 'private-basic' });
    await expectStatus(403, viewer(), 'POST', '/api/v1/sources/private-basic/webhook', { body: { ref: 'refs/heads/main' }, target: 'private-basic' });
    await expectStatus(403, viewer(), 'POST', `/api/v1/bundles/${BUNDLE}/sync`, { body: {}, target: BUNDLE });
    await expectStatus(403, viewer(), 'POST', '/api/v1/tokens', { body: { name: 'e2e-nope', role: 'admin' }, target: 'e2e-nope' });
    await expectStatus(403, viewer(), 'DELETE', '/api/v1/tokens/e2e-operator', { target: 'e2e-operator' });
    const spoke = await expectStatus<{ labels: Record<string, string> }>(200, viewer(), 'GET', `/api/v1/clusters/${SPOKE}`);
    assert.deepEqual(spoke.labels, { env: 'test' }, 'the refused relabel changed nothing');
  });

  it('an operator syncs, relabels and triggers webhooks (2xx) and gets 403 on admin-only routes; webhooks also take the source secret', async () => {
    await expectStatus(200, operator(), 'PATCH', `/api/v1/clusters/${SPOKE}`, { body: { labels: { env: 'test', tier: 'e2e' } }, target: SPOKE });
    const initial = await fleet.api.target(SPOKE, BUNDLE);
    await expectStatus(202, operator(), 'POST', `/api/v1/bundles/${BUNDLE}/sync`, { body: { cluster: SPOKE }, target: BUNDLE });
    await eventually('the manual sync applied', async () => {
      const t = await fleet.api.target(SPOKE, BUNDLE);
      if (t.syncRequest !== initial.syncRequest + 1 || t.status !== 'Synced' || t.applied?.generation !== t.desired.generation) throw new Error(`syncRequest ${t.syncRequest}, status ${t.status}`);
    });
    const head = await fleet.repo.git('rev-parse', 'HEAD');
    const hook = { ref: 'refs/heads/main', after: head };
    assert.deepEqual(await expectStatus(202, operator(), 'POST', '/api/v1/sources/private-basic/webhook', { body: hook, target: 'private-basic' }), { accepted: true });

    await expectStatus(403, operator(), 'POST', '/api/v1/clusters', { body: { name: 'e2e-nope' }, target: 'e2e-nope' });
    await expectStatus(403, operator(), 'DELETE', `/api/v1/clusters/${SPOKE}`, { target: SPOKE });
    await expectStatus(403, operator(), 'POST', '/api/v1/clustergroups', { body: { name: 'e2e-nope', selector: {} }, target: 'e2e-nope' });
    await expectStatus(403, operator(), 'PUT', '/api/v1/clustergroups/e2e-nope', { body: { selector: {} }, target: 'e2e-nope' });
    await expectStatus(403, operator(), 'POST', '/api/v1/sources', { body: { name: 'e2e-nope', url: fleet.repo.url }, target: 'e2e-nope' });
    await expectStatus(403, operator(), 'DELETE', '/api/v1/sources/private-basic', { target: 'private-basic' });
    await expectStatus(403, operator(), 'POST', '/api/v1/tokens', { body: { name: 'e2e-nope', role: 'viewer' }, target: 'e2e-nope' });
    await expectStatus(403, operator(), 'DELETE', '/api/v1/tokens/e2e-viewer', { target: 'e2e-viewer' });
    await expectStatus(403, operator(), 'GET', '/api/v1/tokens');
    await expectStatus(403, operator(), 'GET', '/api/v1/audit');

    // A Git host without a token proves the webhook secret instead (GitHub HMAC, GitLab token).
    const raw = JSON.stringify(hook);
    const signature = `sha256=${createHmac('sha256', webhookSecret).update(raw).digest('hex')}`;
    const github = { 'x-github-event': 'push' };
    assert.deepEqual(await expectStatus(202, webhookSender, 'POST', '/api/v1/sources/private-basic/webhook', { raw, headers: { ...github, 'x-hub-signature-256': signature }, target: 'private-basic' }), { accepted: true });
    await expectStatus(202, webhookSender, 'POST', '/api/v1/sources/private-basic/webhook', { raw, headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': webhookSecret }, target: 'private-basic' });
    await expectStatus(401, webhookSender, 'POST', '/api/v1/sources/private-basic/webhook', { raw: raw.replace('main', 'evil'), headers: { ...github, 'x-hub-signature-256': signature }, target: 'private-basic' });
    await expectStatus(401, webhookSender, 'POST', '/api/v1/sources/private-basic/webhook', { raw, headers: github, target: 'private-basic' });
  });

  it('an admin token created through the API may do every write; a revoked or expired token gets 401', async () => {
    await expectStatus(201, admin(), 'POST', '/api/v1/clusters', { body: { name: 'e2e-extra', labels: { env: 'none' } }, target: 'e2e-extra' });
    await expectStatus(200, admin(), 'PATCH', '/api/v1/clusters/e2e-extra', { body: { labels: { env: 'other' } }, target: 'e2e-extra' });
    await expectStatus(201, admin(), 'POST', '/api/v1/clustergroups', { body: { name: 'e2e-group', selector: { matchLabels: { env: 'other' } } }, target: 'e2e-group' });
    await expectStatus(200, admin(), 'PUT', '/api/v1/clustergroups/e2e-group', { body: { selector: { matchLabels: { env: 'none' } } }, target: 'e2e-group' });
    await expectStatus(204, admin(), 'DELETE', '/api/v1/clustergroups/e2e-group', { target: 'e2e-group' });
    await expectStatus(204, admin(), 'DELETE', '/api/v1/clusters/e2e-extra', { target: 'e2e-extra' });
    await expectStatus(204, admin(), 'DELETE', '/api/v1/sources/private-wrong', { target: 'private-wrong' });
    await expectStatus(404, admin(), 'DELETE', '/api/v1/sources/private-wrong', { target: 'private-wrong' });
    await expectStatus(200, admin(), 'GET', '/api/v1/tokens');
    await expectStatus(200, admin(), 'GET', '/api/v1/audit');

    const shortLived = await expectStatus<{ token: string }>(201, admin(), 'POST', '/api/v1/tokens', { body: { name: 'e2e-revoked', role: 'operator' }, target: 'e2e-revoked' });
    tokens.set('e2e-revoked', shortLived.token);
    await expectStatus(200, withToken('e2e-revoked', 'operator'), 'GET', '/api/v1/clusters');
    await expectStatus(204, admin(), 'DELETE', '/api/v1/tokens/e2e-revoked', { target: 'e2e-revoked' });
    const revoked: Caller = { label: 'revoked token', authorization: `Bearer ${shortLived.token}` };
    await expectStatus(401, revoked, 'GET', '/api/v1/clusters');
    await expectStatus(401, revoked, 'POST', `/api/v1/bundles/${BUNDLE}/sync`, { body: {} });

    const expired: Caller = { label: 'expired token', authorization: `Bearer ${tokens.get('e2e-expiring')}` };
    await eventually('the expiring token is refused', async () => {
      const res = await call(expired, 'GET', '/api/v1/clusters');
      assert.equal(res.status, 401);
    }, 10_000, 500);
  });

  it('every write that passed authentication is in the audit log with who, what, target and outcome; none that did not', async () => {
    // Fleet.start registered the cluster with the bootstrap token, before this suite's requests
    const expected = [
      { actor: 'bootstrap-admin', role: 'admin', method: 'POST', path: '/api/v1/clusters', target: SPOKE, outcome: 201 },
      ...exchanges.flatMap((e) => (e.audit ? [e.audit] : [])),
    ];
    const key = (e: Pick<AuditEntryView, 'actor' | 'role' | 'method' | 'path' | 'target' | 'outcome'>) => `${e.actor} ${e.role} ${e.method} ${e.path} ${e.target} → ${e.outcome}`;
    const entries = await eventually('the audit log holds every write', async () => {
      const got = await expectStatus<AuditEntryView[]>(200, bootstrap, 'GET', '/api/v1/audit?limit=1000');
      assert.deepEqual(got.map(key).sort(), expected.map(key).sort());
      return got;
    }, 10_000);
    assert.ok(expected.some((e) => e.outcome === 403) && expected.some((e) => e.outcome === 400) && expected.some((e) => e.outcome === 409) && expected.some((e) => e.actor === 'anonymous'), 'refused writes, by role or by content, and anonymous webhooks are among them');
    for (const e of entries) {
      if (e.outcome < 400) assert.equal(e.message, null, `${key(e)}: no message on success`);
      else assert.ok(e.message, `${key(e)}: the refusal says why`);
      if (e.outcome === 403) assert.match(e.message!, new RegExp(`^role "${e.role}" of "${e.actor}" may not ${e.method}`));
    }
    const times = entries.map((e) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    assert.ok(exchanges.some((e) => WRITES.includes(e.method) && e.status === 401 && !e.audit), 'writes without valid credentials were made, and (above) none of them is recorded');
  });

  it('no secret value is in plain text in the database', async () => {
    const dump = (await run('pg_dump', ['--data-only', fleet.databaseUrl])).stdout;
    assert.match(dump, /COPY public\.audit_log/, 'the dump holds the data');
    // (a password written into a source URL is moved into the sealed credentials too)
    const hits = scanText('pg_dump', dump, secrets());
    assert.deepEqual(hits, [], describeHits(hits));
  });

  it('the scanner finds a planted secret in every form it looks for', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gitfleet-scan-'));
    try {
      const all = secrets();
      const planted = path.join(dir, 'planted.log');
      writeFileSync(planted, [
        JSON.stringify({ level: 30, msg: 'clean line', req: { headers: { authorization: '[Redacted]' } } }),
        ...all.map((s, i) => JSON.stringify({ level: 30, msg: `line ${i}`, req: { headers: { authorization: `Bearer ${s.value}` } } })),
        `{"level":50,"err":"fetch failed: ${JSON.stringify(readFileSync(fleet.keys.privateKeyFile, 'utf8')).slice(1, -1)}"}`,
        `{"level":40,"header":"Basic ${basic(git.user, git.password)}"}`,
        `{"level":40,"url":"http://x/?key=${encodeURIComponent(secretsKey)}&more"}`,
      ].join('\n'));
      const hits = scanFiles([planted], all);
      for (const [i, s] of all.entries()) assert.ok(hits.some((h) => h.line === i + 2 && h.secret === s.label), `finds ${s.label}`);
      assert.ok(!hits.some((h) => h.line === 1), 'a clean line is clean');
      assert.ok(hits.some((h) => h.line === all.length + 2 && h.secret === 'signing key (PEM body)'), 'finds the PEM in a JSON-escaped error');
      assert.ok(hits.some((h) => h.line === all.length + 3 && h.secret === 'Git password (base64)'), 'finds a password inside a Basic header');
      assert.ok(hits.some((h) => h.line === all.length + 4 && h.secret === 'GITFLEET_SECRETS_KEY (URL-encoded)'), 'finds a URL-encoded secret');
      assert.throws(() => scanText('x', 'y', [{ label: 'too short', value: 'abc' }]), /too short/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no secret value appears in any log line of the suite\'s processes or in any API answer', async () => {
    await fleet.stop(); // every process exits, so its log is complete
    stopped = true;
    const files = fleet.logFiles();
    const all = secrets();
    const hits = scanFiles(files, all);
    assert.deepEqual(hits, [], `secrets found in logs:\n${describeHits(hits)}`);

    // the scan looked at real traffic: the hub logged the requests (credentials redacted) and the failed fetch
    const hubLog = readFileSync(fleet.hub.logFile, 'utf8');
    assert.ok(hubLog.split('\n').length > 100, `the hub log has content (${files.join(', ')})`);
    assert.match(hubLog, /"url":"\/api\/v1\/tokens"/, 'requests are logged');
    assert.match(hubLog, /"authorization":"\[Redacted\]"/, 'the Authorization header is logged redacted');
    assert.match(hubLog, /"x-gitlab-token":"\[Redacted\]"/, 'the GitLab webhook token is logged redacted');
    assert.match(hubLog, /fetch failed; published targets unchanged/, 'the refused Git fetch is logged');

    const leaks = exchanges.flatMap((e) => scanText(`${e.caller}: ${e.method} ${e.path} → ${e.status}`, e.body, all.filter((s) => !e.reveals.includes(s.value))));
    assert.deepEqual(leaks, [], `secrets found in API answers:\n${describeHits(leaks)}`);
    assert.equal(exchanges.filter((e) => e.reveals.length > 0).length, tokens.size, 'only the answers that created a token carried its value');
  });
});
