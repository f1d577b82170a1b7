// The whole hub over HTTP: real PostgreSQL, a real nats-server, and the test bed's smart-HTTP
// Git server (repos pushed with the git CLI).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import { CONTRACT_VERSION, create, DESIRED_STATE_BUCKET, desiredStateKey, DesiredStateSchema, fromBinary, HeartbeatSchema, heartbeatSubject, toBinary } from '@gitfleet/proto';
import { createHubApp } from '../src/app.factory.js';
import { createTempDatabase, GitRepo, NatsServer, type TestDatabase, waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';
import { apiClient } from './support/http.js';

const ADMIN_TOKEN = 'hub-app-test-admin-token';

describe('hub app (HTTP, real Git server, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let nc: NatsConnection;
  const repoName = `hub-test-${process.pid}-${Date.now()}`;

  let repo: GitRepo;
  const write = (file: string, text: string) => repo.write(file, text);
  const push = (message: string) => repo.commitAndPush(message);
  const api = apiClient(() => base, ADMIN_TOKEN);

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-git-'));
    repo = await GitRepo.create(tb, repoName);
    write('web/fleet.yaml', 'defaultNamespace: web\n');
    write('web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: blue\n');
    await push('first');

    app = await createHubApp({ databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: cacheDir, logLevel: 'silent', adminToken: ADMIN_TOKEN });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    nc = await connect({ servers: nats.url });
  });

  after(async () => {
    await nc?.close();
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    repo?.dispose({ bare: true });
  });

  it('is live and ready, and serves its OpenAPI document', async () => {
    assert.equal((await api('GET', '/healthz')).status, 200);
    assert.deepEqual((await api('GET', '/readyz')).body, { ready: true, database: true, nats: true });
    const doc = await api('GET', '/api/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/api/v1/sources/{name}/webhook']);
  });

  it('answers bad input with 400, unknown things with 404, duplicates with 409', async () => {
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'Not_A_Label' })).status, 400);
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'ok', unknown: 1 })).status, 400);
    assert.equal((await api('POST', '/api/v1/clusters', '{"name": ')).status, 400);
    assert.equal((await api('POST', '/api/v1/sources', { name: 's', url: 'file:///etc', pollIntervalSeconds: 0 })).status, 400);
    assert.equal((await api('POST', '/api/v1/clustergroups', { name: 'g', selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } })).status, 400);
    assert.equal((await api('GET', '/api/v1/clusters/nope')).status, 404);
    assert.equal((await api('GET', '/api/v1/no/such/route')).status, 404);
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'dup' })).status, 201);
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'dup' })).status, 409);
    assert.equal((await api('DELETE', '/api/v1/clusters/dup')).status, 204);
  });

  it('answers a cluster group without a selector, or a PUT without a body, with 400 naming the selector (not 500)', async () => {
    const noSelector = await api('POST', '/api/v1/clustergroups', { name: 'prod' });
    assert.equal(noSelector.status, 400, JSON.stringify(noSelector.body));
    assert.match(JSON.stringify(noSelector.body.message), /selector is required/);
    assert.equal((await api('POST', '/api/v1/clustergroups', { name: 'prod', selector: {} })).status, 201);
    const noBody = await fetch(`${base}/api/v1/clustergroups/prod`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(noBody.status, 400);
    assert.match(await noBody.text(), /selector is required/);
    const badKey = await api('PUT', '/api/v1/clustergroups/prod', { selector: { matchExpressions: [{ key: 'bad key!', operator: 'Exists' }] } });
    assert.equal(badKey.status, 400);
    assert.match(JSON.stringify(badKey.body.message), /matchExpressions key must be a Kubernetes label key/);
    assert.equal((await api('DELETE', '/api/v1/clustergroups/prod')).status, 204);
    // a value the validators allow but a column cannot hold is a 400, not a 500
    const huge = await api('POST', '/api/v1/registration-tokens', { name: 'huge', maxUses: 9546043237963 });
    assert.equal(huge.status, 400);
    assert.match(JSON.stringify(huge.body.message), /maxUses must be at most 1000000/);
    // a refused write whose error names a property holding NUL is still audited (without the NUL)
    const nul = await api('POST', '/api/v1/clusters', { name: 'nul', 'x\u0000y': 1 });
    assert.equal(nul.status, 400);
    const audit = await waitFor('audit entry of the NUL request', async () => (await api('GET', '/api/v1/audit?limit=5')).body.find((e: { path: string; outcome: number }) => e.path === '/api/v1/clusters' && e.outcome === 400 && /xy should not exist/.test(String((e as { message?: string }).message))), 5000);
    assert.ok(!String(audit.message).includes('\u0000'));
  });

  it('documents what it validates: OpenAPI 3.1 with patterns, closed request bodies, label maps and error answers', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    const create = doc.components.schemas.CreateClusterDto;
    assert.equal(create.additionalProperties, false);
    assert.deepEqual(create.required, ['name']);
    assert.equal(create.properties.name.pattern, '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$');
    assert.equal(create.properties.labels.propertyNames.maxLength, 317);
    assert.equal(create.properties.labels.additionalProperties.maxLength, 63);
    assert.deepEqual(doc.components.schemas.CreateClusterGroupDto.required.sort(), ['name', 'selector']);
    const post = doc.paths['/api/v1/clustergroups'].post.responses;
    for (const code of ['400', '401', '403', '409', '413']) assert.equal(post[code]?.content['application/json'].schema.$ref, '#/components/schemas/ErrorView', code);
    assert.ok(doc.paths['/api/v1/clustergroups/{name}'].put.responses['404']);
    const limit = doc.paths['/api/v1/targets/{cluster}/{bundleId}/history'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    assert.equal(limit.schema.type, 'integer');
    // nullable fields are 3.1 type unions
    assert.deepEqual(doc.components.schemas.ClusterView.properties.lastSeenAt.type, ['string', 'null']);
    assert.ok(doc.paths['/api/v1/status/dead-letters'].get);
    assert.deepEqual((await api('GET', '/api/v1/status/dead-letters')).body, []);
    const badLimit = await api('GET', '/api/v1/status/dead-letters?limit=0');
    assert.equal(badLimit.status, 400);
    assert.match(JSON.stringify(badLimit.body.message), /limit must not be less than 1/);
  });

  it('fetches a source, publishes its bundle, and a webhook push reaches the KV well under 1 s', async () => {
    const kv = await new Kvm(nc).open(DESIRED_STATE_BUCKET);
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'spoke-a', labels: { env: 'prod' } })).status, 201);
    assert.equal((await api('POST', '/api/v1/sources', { name: 'demo' })).status, 400); // url missing
    const tb = await loadTestbed();
    const src = await api('POST', '/api/v1/sources', {
      name: 'demo',
      url: `${tb.gitUrl}/${repoName}.git`,
      pollIntervalSeconds: 3600,
      targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
    });
    assert.equal(src.status, 201, JSON.stringify(src.body));
    const first = await waitFor('first publish', async () => (await api('GET', '/api/v1/targets?cluster=spoke-a')).body.find((t: { bundleId: string }) => t.bundleId === 'demo-web'), 10_000);
    assert.equal(first.status, 'Pending');
    assert.equal(first.desired.generation, 1);

    write('web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: green\n');
    const rev2 = await push('green');
    const started = performance.now();
    const hook = await api('POST', '/api/v1/sources/demo/webhook', { ref: 'refs/heads/main' }, { 'x-github-event': 'push' });
    assert.equal(hook.status, 202);
    await waitFor('webhook publish', async () => {
      const e = await kv.get(desiredStateKey('spoke-a', 'demo-web'));
      return e && e.operation === 'PUT' && fromBinary(DesiredStateSchema, e.value).revision === rev2;
    }, 5000);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `webhook → KV took ${Math.round(elapsed)} ms`);
    process.stdout.write(`# webhook → fetch → render → KV put: ${Math.round(elapsed)} ms\n`);

    const other = await api('POST', '/api/v1/sources/demo/webhook', { ref: 'refs/heads/dev' }, { 'x-github-event': 'push' });
    assert.equal(other.status, 202);
    assert.match(other.body.ignored, /refs\/heads\/dev/);

    const bundle = await api('GET', '/api/v1/bundles/demo-web');
    assert.equal(bundle.body.state, 'Ready');
    assert.equal(bundle.body.revision, rev2);
    assert.equal(bundle.body.targetCount, 1);
    const cluster = await api('GET', '/api/v1/clusters/spoke-a');
    assert.equal(cluster.body.targets.length, 1);
  });

  it('relabelling a cluster out of the source targets writes a signed tombstone at once; deleting the cluster too', async () => {
    const kv = await new Kvm(nc).open(DESIRED_STATE_BUCKET);
    const key = desiredStateKey('spoke-a', 'demo-web');
    // the key is never deleted: a withdrawal is a tombstone put (DesiredState.withdrawn)
    const gone = async () => {
      const e = await kv.get(key);
      if (e?.operation !== 'PUT') return undefined;
      const d = fromBinary(DesiredStateSchema, e.value);
      return d.withdrawn ? d : undefined;
    };
    assert.equal((await api('PATCH', '/api/v1/clusters/spoke-a', { labels: { env: 'dev' } })).status, 200);
    const tomb = await waitFor('tombstone after relabel', gone, 3000);
    assert.equal(tomb.generation, 3n); // published at 1, republished at 2 by the webhook test
    assert.equal(tomb.digest, '');
    assert.match(tomb.withdrawalReason, /cluster spoke-a is no longer targeted/);
    assert.deepEqual((await api('GET', '/api/v1/targets?cluster=spoke-a')).body, []);

    assert.equal((await api('PATCH', '/api/v1/clusters/spoke-a', { labels: { env: 'prod' } })).status, 200);
    const back = await waitFor('key back after relabel', async () => {
      const e = await kv.get(key);
      const d = e?.operation === 'PUT' ? fromBinary(DesiredStateSchema, e.value) : undefined;
      return d && !d.withdrawn ? d : undefined;
    }, 3000);
    assert.equal(back.generation, 4n); // generations never go back for a re-created target (the tombstone had 3)

    assert.equal((await api('DELETE', '/api/v1/clusters/spoke-a')).status, 204);
    const deleted = await waitFor('tombstone after cluster delete', gone, 3000);
    assert.equal(deleted.generation, 5n);
    assert.equal(deleted.withdrawalReason, 'cluster spoke-a was deleted');
  });

  it('shows the Kubernetes version a heartbeat reports in the clusters API', async () => {
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'kv-c' })).status, 201);
    assert.equal((await api('GET', '/api/v1/clusters/kv-c')).body.kubernetesVersion, null);
    const hb = create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'kv-c', agentVersion: '0.3.0', sentAt: new Date().toISOString(), kubernetesVersion: 'v1.35.2' });
    await jetstream(nc).publish(heartbeatSubject('kv-c'), toBinary(HeartbeatSchema, hb));
    await waitFor('kubernetes version in the API', async () => (await api('GET', '/api/v1/clusters/kv-c')).body.kubernetesVersion === 'v1.35.2', 10_000);
    const listed = (await api('GET', '/api/v1/clusters')).body as Array<{ name: string; kubernetesVersion: string | null; agentVersion: string | null }>;
    assert.deepEqual(listed.filter((c) => c.name === 'kv-c').map((c) => [c.kubernetesVersion, c.agentVersion]), [['v1.35.2', '0.3.0']]);
    assert.equal((await api('DELETE', '/api/v1/clusters/kv-c')).status, 204);
  });

  it('does not answer credentials requests without NATS operator mode (no subscriber on fleet.credentials.*)', async () => {
    await assert.rejects(nc.request('fleet.credentials.kv-c', new Uint8Array(), { timeout: 2000 }), /no responders/i);
  });

  it('records a fetch error on the source without touching published targets', async () => {
    const tb = await loadTestbed();
    const s = await api('POST', '/api/v1/sources', { name: 'broken', url: `${tb.gitUrl}/does-not-exist-${repoName}.git`, pollIntervalSeconds: 3600 });
    assert.equal(s.status, 201);
    const got = await waitFor('fetch error recorded', async () => {
      const r = await api('GET', '/api/v1/sources/broken');
      return r.body.lastError ? r.body : undefined;
    }, 10_000);
    assert.equal(got.lastRevision, null);
    assert.equal((await api('DELETE', '/api/v1/sources/broken')).status, 204);
  });
});
