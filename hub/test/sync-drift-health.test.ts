// Sync policies, drift, health, manual sync and the diff proxy through the whole hub over HTTP:
// real PostgreSQL, a private nats-server, and the test bed's smart-HTTP Git server. Status
// reports are published to JetStream the way an agent does; a plain NATS subscriber plays the
// agent's side of the diff request/reply.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  CONTRACT_VERSION,
  create,
  DESIRED_STATE_BUCKET,
  desiredStateKey,
  DesiredStateSchema,
  diffSubject,
  DiffRequestSchema,
  DiffResponseSchema,
  fromBinary,
  HealthStatus,
  ResourceAction,
  StatusReportSchema,
  statusSubject,
  SyncState,
  SyncStatus,
  toBinary,
  type DesiredState,
} from '@gitfleet/proto';
import { createHubApp } from '../src/app.factory.js';
import { createTempDatabase, GitRepo, NatsServer, type TestDatabase, waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';
import { apiClient } from './support/http.js';

const BUNDLE = 'demo-web';

const FLEET_YAML = (selfHeal: boolean) => `defaultNamespace: web
correctDrift: {enabled: ${selfHeal}}
diff:
  comparePatches:
  - apiVersion: apps/v1
    kind: Deployment
    name: web
    operations: [{op: remove, path: /spec/replicas}]
targetCustomizations:
- name: manual
  clusterName: spoke-b
  gitfleet:
    syncPolicy: {automated: false}
    ignoreDifferences: [{kind: ConfigMap, managers: [operator]}]
`;

describe('sync policy, drift, health, manual sync, diff (HTTP, real Git server, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let kv: KV;
  const repoName = `hub-sync-test-${process.pid}-${Date.now()}`;

  let repo: GitRepo;
  const write = (file: string, text: string) => repo.write(file, text);
  const push = (message: string) => repo.commitAndPush(message);
  const api = apiClient(() => base, 'sync-drift-health-admin-token');
  const desired = async (cluster: string): Promise<DesiredState | undefined> => {
    const e = await kv.get(desiredStateKey(cluster, BUNDLE));
    return e?.operation === 'PUT' ? fromBinary(DesiredStateSchema, e.value) : undefined;
  };
  /** Publishes a status report the way an agent does (JetStream, Nats-Msg-Id = report_id). */
  const report = async (reportId: string, fields: Record<string, unknown>) => {
    const r = create(StatusReportSchema, {
      contractVersion: CONTRACT_VERSION,
      reportId,
      cluster: 'spoke-a',
      bundleId: BUNDLE,
      revision: 'rev',
      digest: 'sha256-x',
      state: SyncState.SYNCED,
      agentVersion: 'test',
      ...fields,
    });
    await js.publish(statusSubject('spoke-a'), toBinary(StatusReportSchema, r), { msgID: reportId });
  };
  const history = async () => (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/history`)).body as Array<{ reportId: string }>;
  const stored = (reportId: string) => waitFor(`report ${reportId} stored`, async () => (await history()).some((h) => h.reportId === reportId), 5000);

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-git-'));
    repo = await GitRepo.create(tb, repoName);
    write('web/fleet.yaml', FLEET_YAML(false));
    write('web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: blue\n');
    await push('first');

    app = await createHubApp({
      databaseUrl: db.url,
      natsUrls: [nats.url],
      httpHost: '127.0.0.1',
      httpPort: 0,
      gitCacheDir: cacheDir,
      logLevel: 'silent',
      adminToken: 'sync-drift-health-admin-token',
      agentRequestTimeoutMs: 1000,
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    kv = await new Kvm(nc).open(DESIRED_STATE_BUCKET);

    for (const name of ['spoke-a', 'spoke-b']) assert.equal((await api('POST', '/api/v1/clusters', { name, labels: { env: 'prod' } })).status, 201);
    const src = await api('POST', '/api/v1/sources', { name: 'demo', url: `${tb.gitUrl}/${repoName}.git`, pollIntervalSeconds: 3600 });
    assert.equal(src.status, 201, JSON.stringify(src.body));
    await waitFor('first publish', async () => (await desired('spoke-a')) && (await desired('spoke-b')), 10_000);
  });

  after(async () => {
    await nc?.close();
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    repo?.dispose({ bare: true });
  });

  it('publishes the sync policy and ignore rules from fleet.yaml (Fleet aliases, customization overrides)', async () => {
    const a = (await desired('spoke-a'))!;
    assert.deepEqual([a.syncPolicy?.automated, a.syncPolicy?.prune, a.syncPolicy?.selfHeal], [true, true, false]);
    assert.deepEqual(a.ignoreDifferences.map((r) => [r.group, r.kind, r.name, r.jsonPointers, r.managers]), [['apps', 'Deployment', 'web', ['/spec/replicas'], []]]);
    assert.equal(a.syncRequest, 0n);
    const b = (await desired('spoke-b'))!;
    assert.deepEqual([b.syncPolicy?.automated, b.syncPolicy?.prune, b.syncPolicy?.selfHeal], [false, true, false]);
    assert.deepEqual(b.ignoreDifferences.map((r) => [r.kind, r.jsonPointers, r.managers]), [['Deployment', ['/spec/replicas'], []], ['ConfigMap', [], ['operator']]]);
    const bundle = await api('GET', `/api/v1/bundles/${BUNDLE}`);
    assert.deepEqual(bundle.body.warnings, []);
  });

  it('a policy-only change republishes with generation + 1 and the same digest', async () => {
    const before = (await desired('spoke-a'))!;
    write('web/fleet.yaml', FLEET_YAML(true));
    await push('self-heal on');
    assert.equal((await api('POST', '/api/v1/sources/demo/webhook', { ref: 'refs/heads/main' })).status, 202);
    const after = await waitFor('republish after policy change', async () => {
      const d = await desired('spoke-a');
      return d?.syncPolicy?.selfHeal ? d : undefined;
    }, 5000);
    assert.equal(after.generation, before.generation + 1n);
    assert.equal(after.digest, before.digest);
    // the pipeline writes the KV entry first, then the target row: wait for the row too
    const t = await waitFor('target row after the republish', async () => {
      const body = (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}`)).body;
      return body.desired.generation === Number(after.generation) ? body : undefined;
    }, 5000);
    assert.equal(t.desired.generation, Number(after.generation));
    assert.equal(t.desired.syncPolicy.selfHeal, true);
    assert.deepEqual(t.desired.ignoreDifferences, [{ group: 'apps', kind: 'Deployment', namespace: '', name: 'web', jsonPointers: ['/spec/replicas'], managers: [] }]);
  });

  it('a target with no report yet reads Unknown; unknown targets are 404', async () => {
    const t = await api('GET', `/api/v1/targets/spoke-b/${BUNDLE}`);
    assert.equal(t.status, 200);
    assert.deepEqual(
      [t.body.status, t.body.syncStatus, t.body.health, t.body.drift, t.body.orphaned, t.body.lastAppliedAt, t.body.syncRequest, t.body.applied],
      ['Pending', 'Unknown', { status: 'Unknown', message: 'no status report yet' }, [], [], null, 0, null],
    );
    assert.equal((await api('GET', `/api/v1/targets/spoke-c/${BUNDLE}`)).status, 404);
    assert.equal((await api('GET', '/api/v1/targets/spoke-a/Not_A_Bundle')).status, 404);
  });

  it('a report with drift and health round-trips into the API; same generation later replaces, earlier does not', async () => {
    const generation = (await desired('spoke-a'))!.generation;
    const t0 = Date.now() - 60_000;
    const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
    await report('apply-1', {
      generation,
      observedAt: iso(1),
      trigger: 'update',
      syncStatus: SyncStatus.SYNCED,
      health: HealthStatus.PROGRESSING,
      resources: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: ResourceAction.CREATED, health: HealthStatus.HEALTHY },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web', action: ResourceAction.CREATED, health: HealthStatus.PROGRESSING, healthMessage: '1 of 3 updated' },
      ],
    });
    await stored('apply-1');
    await report('drift-1', {
      generation,
      observedAt: iso(5),
      trigger: 'drift',
      syncStatus: SyncStatus.OUT_OF_SYNC,
      health: HealthStatus.DEGRADED,
      healthMessage: 'Deployment web/web: 0 of 3 available',
      syncRequest: 0n,
      resources: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: ResourceAction.UNCHANGED, health: HealthStatus.HEALTHY },
        { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'web', action: ResourceAction.UNCHANGED, health: HealthStatus.UNKNOWN },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web', action: ResourceAction.UNCHANGED, health: HealthStatus.DEGRADED, healthMessage: '0 of 3 available' },
      ],
      drift: [{
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
        diffs: [{ path: '/spec/template/spec/containers/0/image', desired: '"web:1"', live: '"web:evil"', manager: 'kubectl-edit' }],
        conflictManager: 'kubectl-edit',
        conflictMessage: 'writes the image back after every heal',
      }],
      orphaned: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'legacy' }],
    });
    await stored('drift-1');

    const t = (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}`)).body;
    assert.equal(t.status, 'Synced');
    assert.equal(t.syncStatus, 'OutOfSync');
    assert.deepEqual(t.health, { status: 'Degraded', message: 'Deployment web/web: 0 of 3 available' });
    assert.deepEqual(t.drift, [{
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
      missing: false,
      diffs: [{ path: '/spec/template/spec/containers/0/image', desired: '"web:1"', live: '"web:evil"', manager: 'kubectl-edit' }],
      healed: false,
      conflict: { manager: 'kubectl-edit', message: 'writes the image back after every heal' },
    }]);
    assert.deepEqual(t.orphaned, [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'legacy' }]);
    assert.equal(t.lastAppliedAt, iso(1)); // the drift report observed, it did not apply
    assert.deepEqual(t.applied.resources.map((r: { kind: string; health: { status: string } }) => [r.kind, r.health.status]), [['Deployment', 'Degraded'], ['Service', 'Unknown'], ['ConfigMap', 'Healthy']]);
    assert.deepEqual(t.applied.resources[0].health, { status: 'Degraded', message: '0 of 3 available' });
    assert.equal(t.applied.trigger, 'drift');
    const listed = (await api('GET', `/api/v1/targets?cluster=spoke-a&bundle=${BUNDLE}`)).body[0];
    assert.deepEqual([listed.syncStatus, listed.health.status, listed.drift.length, listed.lastAppliedAt], ['OutOfSync', 'Degraded', 1, iso(1)]);

    // an earlier report of the same generation arriving late changes nothing
    await report('late-1', { generation, observedAt: iso(3), trigger: 'health', syncStatus: SyncStatus.SYNCED, health: HealthStatus.HEALTHY });
    await stored('late-1');
    let now = (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}`)).body;
    assert.deepEqual([now.syncStatus, now.health.status], ['OutOfSync', 'Degraded']);
    // a later one (self-heal) replaces it and moves lastAppliedAt
    await report('heal-1', {
      generation,
      observedAt: iso(9),
      trigger: 'drift',
      syncStatus: SyncStatus.SYNCED,
      health: HealthStatus.HEALTHY,
      drift: [{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' }, healed: true }],
    });
    await stored('heal-1');
    now = (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}`)).body;
    assert.deepEqual([now.syncStatus, now.health.status, now.drift[0].healed, now.lastAppliedAt], ['Synced', 'Healthy', true, iso(9)]);
    // history keeps every report with its new fields
    const h = (await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/history`)).body.find((x: { reportId: string }) => x.reportId === 'drift-1');
    assert.deepEqual([h.syncStatus, h.health.status, h.trigger, h.drift.length, h.orphaned.length], ['OutOfSync', 'Degraded', 'drift', 1, 1]);
    assert.equal((await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/history?limit=2`)).body.length, 2);
    assert.equal((await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/history?limit=0`)).status, 400);
  });

  it('rolls health up per bundle and per cluster, worst first', async () => {
    const generation = (await desired('spoke-a'))!.generation;
    await report('degraded-2', { generation, observedAt: new Date().toISOString(), trigger: 'health', syncStatus: SyncStatus.SYNCED, health: HealthStatus.DEGRADED, healthMessage: 'Deployment web/web: crash loop' });
    await stored('degraded-2');
    const expected = { status: 'Degraded', message: 'spoke-a: Deployment web/web: crash loop', counts: { Degraded: 1, Missing: 0, Unknown: 1, Progressing: 0, Suspended: 0, Healthy: 0 } };
    const listed = (await api('GET', '/api/v1/bundles')).body.find((b: { id: string }) => b.id === BUNDLE);
    assert.deepEqual(listed.health, expected);
    assert.deepEqual(listed.sync, { Failed: 0, OutOfSync: 0, Unknown: 1, Synced: 1 });
    const one = (await api('GET', `/api/v1/bundles/${BUNDLE}`)).body;
    assert.deepEqual({ status: one.health.status, message: one.health.message, counts: one.health.counts }, expected);
    assert.deepEqual(one.health.targets.map((t: { cluster: string; status: string }) => [t.cluster, t.status]), [['spoke-a', 'Degraded'], ['spoke-b', 'Unknown']]);
    assert.deepEqual(one.sync, listed.sync);
    const cluster = (await api('GET', '/api/v1/clusters/spoke-a')).body;
    assert.equal(cluster.health.status, 'Degraded');
    assert.equal(cluster.health.message, `${BUNDLE}: Deployment web/web: crash loop`);
    assert.deepEqual(cluster.health.targets.map((t: { bundleId: string }) => t.bundleId), [BUNDLE]);
  });

  it('manual sync republishes with sync_request + 1 and generation + 1 (one cluster, then all)', async () => {
    const b0 = (await desired('spoke-b'))!;
    const a0 = (await desired('spoke-a'))!;
    const one = await api('POST', `/api/v1/bundles/${BUNDLE}/sync`, { cluster: 'spoke-b' });
    assert.equal(one.status, 202, JSON.stringify(one.body));
    assert.deepEqual(one.body, { targets: [{ cluster: 'spoke-b', bundleId: BUNDLE, syncRequest: 1, generation: Number(b0.generation) + 1 }] });
    const b1 = (await desired('spoke-b'))!;
    assert.deepEqual([b1.syncRequest, b1.generation, b1.digest, b1.revision], [1n, b0.generation + 1n, b0.digest, b0.revision]);
    assert.deepEqual([b1.syncPolicy?.automated, b1.ignoreDifferences.length, b1.path, b1.defaultNamespace], [false, 2, 'web', 'web']);
    assert.equal((await desired('spoke-a'))!.generation, a0.generation); // the other target untouched

    const all = await api('POST', `/api/v1/bundles/${BUNDLE}/sync`);
    assert.equal(all.status, 202);
    assert.deepEqual(all.body.targets.map((t: { cluster: string; syncRequest: number }) => [t.cluster, t.syncRequest]), [['spoke-a', 1], ['spoke-b', 2]]);
    assert.equal((await desired('spoke-a'))!.generation, a0.generation + 1n);
    assert.equal((await api('GET', `/api/v1/targets/spoke-b/${BUNDLE}`)).body.syncRequest, 2);

    // a pipeline run afterwards keeps the counter and does not reuse a generation
    assert.equal((await api('POST', '/api/v1/sources/demo/webhook', { ref: 'refs/heads/main' })).status, 202);
    await new Promise((r) => setTimeout(r, 300));
    const b2 = (await desired('spoke-b'))!;
    assert.deepEqual([b2.syncRequest, b2.generation], [2n, b0.generation + 2n]);

    assert.equal((await api('POST', `/api/v1/bundles/${BUNDLE}/sync`, { cluster: 'spoke-z' })).status, 404);
    assert.equal((await api('POST', '/api/v1/bundles/nope/sync', {})).status, 404);
    assert.equal((await api('POST', `/api/v1/bundles/${BUNDLE}/sync`, { cluster: 'Bad_Name' })).status, 400);
  });

  it('diff: 504 when no agent answers (no responders, timeout), the agent\'s DiffResponse when one does', async () => {
    const none = await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/diff`);
    assert.equal(none.status, 504);
    assert.match(none.body.message, /agent of cluster "spoke-a" did not answer: no agent is connected/);

    // an agent that never answers: the request times out (1 s in this test; 10 s by default)
    const silent = nc.subscribe(diffSubject('spoke-a'));
    const slow = await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/diff`);
    silent.unsubscribe();
    assert.equal(slow.status, 504);
    assert.match(slow.body.message, /did not answer within 1 s/);

    // the agent's side of the request/reply on the real server
    const requests: Array<{ cluster: string; bundleId: string; contractVersion: string }> = [];
    const agent = nc.subscribe(diffSubject('spoke-a'), {
      callback: (err, m) => {
        if (err) return;
        const req = fromBinary(DiffRequestSchema, m.data);
        requests.push({ cluster: req.cluster, bundleId: req.bundleId, contractVersion: req.contractVersion });
        const resp = create(DiffResponseSchema, {
          contractVersion: CONTRACT_VERSION,
          cluster: req.cluster,
          bundleId: req.bundleId,
          revision: 'abc123',
          objects: [
            { object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' }, diffs: [{ path: '/data/color', desired: '"green"', live: '"blue"', manager: 'gitfleet' }] },
            { object: { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'new' }, missing: true },
          ],
          prune: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old' }],
          errors: ['Widget web/w: no matches for kind "Widget"'],
        });
        m.respond(toBinary(DiffResponseSchema, resp));
      },
    });
    await nc.flush();
    const ok = await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/diff`);
    agent.unsubscribe();
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(requests, [{ cluster: 'spoke-a', bundleId: BUNDLE, contractVersion: CONTRACT_VERSION }]);
    assert.deepEqual(ok.body, {
      cluster: 'spoke-a',
      bundleId: BUNDLE,
      revision: 'abc123',
      objects: [
        { object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' }, missing: false, diffs: [{ path: '/data/color', desired: '"green"', live: '"blue"', manager: 'gitfleet' }], healed: false, conflict: null },
        { object: { apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'new' }, missing: true, diffs: [], healed: false, conflict: null },
      ],
      prune: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old' }],
      errors: ['Widget web/w: no matches for kind "Widget"'],
    });

    // garbage from the agent is a 502, an unknown target a 404 (no request sent)
    const bad = nc.subscribe(diffSubject('spoke-a'), { callback: (_e, m) => void m.respond(new Uint8Array([0xff, 0xff, 0xff])) });
    await nc.flush();
    const garbage = await api('GET', `/api/v1/targets/spoke-a/${BUNDLE}/diff`);
    bad.unsubscribe();
    assert.equal(garbage.status, 502);
    assert.equal((await api('GET', '/api/v1/targets/spoke-a/nope/diff')).status, 404);
  });

  it('documents the new endpoints and fields in OpenAPI', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body;
    assert.ok(doc.paths['/api/v1/targets/{cluster}/{bundleId}'].get);
    assert.ok(doc.paths['/api/v1/targets/{cluster}/{bundleId}/diff'].get.responses['504']);
    assert.ok(doc.paths['/api/v1/bundles/{id}/sync'].post.responses['202']);
    const s = doc.components.schemas;
    for (const f of ['syncStatus', 'health', 'drift', 'orphaned', 'lastAppliedAt', 'syncRequest']) assert.ok(s.TargetView.properties[f], `TargetView.${f}`);
    for (const f of ['health', 'sync']) assert.ok(s.BundleView.properties[f], `BundleView.${f}`);
    assert.ok(s.ClusterDetailView.properties.health);
    assert.ok(s.ResourceView.properties.health);
    assert.deepEqual(s.HealthView.properties.status.enum, ['Degraded', 'Missing', 'Unknown', 'Progressing', 'Suspended', 'Healthy']);
    assert.ok(s.DiffView.properties.prune);
    assert.ok(s.SyncBundleDto.properties.cluster);
  });
});
