// Content gitfleet does not render (issue #11: a jsonnet directory was skipped silently) is
// reported on the source: the pipeline's scan warnings reach GET /api/v1/sources/:name, naming
// the directory and why, and go away with the content (real PostgreSQL, NATS and the test bed's
// smart-HTTP Git server).
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

const ADMIN_TOKEN = 'hub-source-warnings-test-token';

describe('sources: warnings for content gitfleet does not render (API, PostgreSQL, pipeline)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let repo: GitRepo;
  const repoName = `hub-source-warnings-${process.pid}-${Date.now()}`;
  const api = apiClient(() => base, ADMIN_TOKEN);

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-git-'));
    repo = await GitRepo.create(tb, repoName);
    // a plain bundle, and an Argo CD-style jsonnet app beside it that no bundle renders
    repo.write('app/fleet.yaml', 'defaultNamespace: app\n');
    repo.write('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n');
    repo.write('dashboards/main.jsonnet', "local lib = import 'lib/grafana.libsonnet';\n{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: lib.name } }\n");
    repo.write('dashboards/lib/grafana.libsonnet', "{ name: 'dashboards' }\n");
    await repo.commitAndPush('a bundle and a jsonnet app');
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

  it('a new source shows no warnings before its first scan', async () => {
    const created = await api('POST', '/api/v1/sources', { name: 'sw', url: repo.url, pollIntervalSeconds: 3600 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.warnings, []);
  });

  it('the source names each jsonnet directory and why; the bundle beside it deploys', async () => {
    const source = await waitFor('sw scanned', async () => {
      const s = (await api('GET', '/api/v1/sources/sw')).body;
      return s?.warnings?.length > 0 ? s : undefined;
    }, 20_000);
    assert.deepEqual(source.warnings, [
      'dashboards: *.jsonnet files: jsonnet is not rendered by gitfleet; skipped',
      'dashboards/lib: *.libsonnet files: jsonnet is not rendered by gitfleet; skipped',
    ]);
    const list = (await api('GET', '/api/v1/sources')).body as Array<{ name: string; warnings: string[] }>;
    assert.deepEqual(list.find((s) => s.name === 'sw')?.warnings, source.warnings, 'the list shows them too');
    // the warnings are stored at the scan, before the run deploys the bundles: wait for the run's bundle
    const bundles = await waitFor('sw-app recorded', async () => {
      const b = (await api('GET', '/api/v1/bundles')).body as Array<{ id: string; state: string }>;
      return b.some((x) => x.id === 'sw-app') ? b : undefined;
    }, 20_000);
    assert.deepEqual(bundles.map((b) => [b.id, b.state]), [['sw-app', 'Ready']], 'no bundle for the jsonnet directory; the plain one is Ready');
  });

  it('the warnings go away with the jsonnet directory', async () => {
    repo.remove('dashboards');
    const revision = await repo.commitAndPush('drop the jsonnet app');
    const hook = await api('POST', '/api/v1/sources/sw/webhook', { ref: 'refs/heads/main', after: revision });
    assert.equal(hook.status, 202, JSON.stringify(hook.body));
    const source = await waitFor('warnings cleared', async () => {
      const s = (await api('GET', '/api/v1/sources/sw')).body;
      return s?.lastRevision === revision && s.warnings.length === 0 ? s : undefined;
    }, 20_000);
    assert.deepEqual(source.warnings, []);
  });
});
