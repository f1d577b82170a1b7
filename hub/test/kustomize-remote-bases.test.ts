// The per-source kustomizeRemoteBases setting, end to end in the hub: API validation, the
// migrated column, and the pipeline refusing then rendering a remote base (real PostgreSQL, NATS
// and the test bed's smart-HTTP Git server, which serves the remote base too).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { createHubApp } from '../src/app.factory.js';
import { createTempDatabase, GitRepo, NatsServer, type TestDatabase, waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';
import { apiClient } from './support/http.js';

const ADMIN_TOKEN = 'hub-kustomize-remote-test-token';

describe('sources: kustomizeRemoteBases (API, PostgreSQL, pipeline)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let repo: GitRepo;
  const repoName = `hub-kremote-${process.pid}-${Date.now()}`;
  const api = apiClient(() => base, ADMIN_TOKEN);

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-git-'));
    repo = await GitRepo.create(tb, repoName);
    repo.write('base/kustomization.yaml', 'resources:\n- cm.yaml\n');
    repo.write('base/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-remote\ndata:\n  k: v\n');
    repo.write('app/fleet.yaml', 'defaultNamespace: app\n');
    repo.write('app/kustomization.yaml', `resources:\n- ${repo.url}//base?ref=main\n`);
    await repo.commitAndPush('an app whose kustomization names a remote base');
    app = await createHubApp({ databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: cacheDir, logLevel: 'silent', adminToken: ADMIN_TOKEN });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'spoke-a', labels: {} })).status, 201);
  });

  after(async () => {
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    repo?.dispose({ bare: true });
  });

  it('validates the setting: a boolean, on create and on PATCH; default false', async () => {
    const bad = await api('POST', '/api/v1/sources', { name: 'typo', url: repo.url, kustomizeRemoteBases: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /kustomizeRemoteBases must be true or false/);
    const created = await api('POST', '/api/v1/sources', { name: 'kr', url: repo.url, pollIntervalSeconds: 3600 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.kustomizeRemoteBases, false);
    const badPatch = await api('PATCH', '/api/v1/sources/kr', { kustomizeRemoteBases: 1 });
    assert.equal(badPatch.status, 400);
    // null is no boolean either (the column is NOT NULL: it used to fail with a 500)
    const nullPatch = await api('PATCH', '/api/v1/sources/kr', { kustomizeRemoteBases: null });
    assert.equal(nullPatch.status, 400, JSON.stringify(nullPatch.body));
    assert.match(JSON.stringify(nullPatch.body), /kustomizeRemoteBases must be true or false/);
    assert.equal((await api('GET', '/api/v1/sources/kr')).body.kustomizeRemoteBases, false);
  });

  it('refuses the remote base by default, naming the kustomization; renders it once the source allows it', async () => {
    const failed = await waitFor('kr-app Failed', async () => {
      const b = (await api('GET', '/api/v1/bundles/kr-app')).body;
      return b?.state === 'Failed' ? b : undefined;
    }, 20_000);
    assert.deepEqual(failed.errors.map((e: { file: string }) => e.file), ['app/kustomization.yaml']);
    assert.match(failed.errors[0].message, /^resources\[0\]: .* is a remote base; remote kustomize bases are off for this source/);
    assert.equal((await api('GET', '/api/v1/targets?bundle=kr-app')).body.length, 0, 'nothing published');

    const patched = await api('PATCH', '/api/v1/sources/kr', { kustomizeRemoteBases: true });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.kustomizeRemoteBases, true);
    // the bundle row is written before its targets are published: wait for both
    const ready = await waitFor('kr-app Ready and published', async () => {
      const b = (await api('GET', '/api/v1/bundles/kr-app')).body;
      return b?.state === 'Ready' && b.targetCount === 1 ? b : undefined;
    }, 60_000);
    assert.deepEqual(ready.errors, []);
  });
});
