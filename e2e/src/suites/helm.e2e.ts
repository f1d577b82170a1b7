// Issue #5, tests 1–5: Helm chart bundles with per-cluster values, on the real test bed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, NatsStore, fixturePath, needsSharedFixtures, run, type KubeObject } from '../support/index.js';

const SOURCE = 'helm-e2e';
const MC_NS = 'fleet-mc-helm-example';
const CLUSTERS = { spoke1: { env: 'dev', region: 'eu' }, spoke2: { env: 'test', region: 'us' }, spoke3: { env: 'prod', region: 'ap' } };

const spec = <T>(o: KubeObject | undefined) => o?.spec as T | undefined;
const chartYaml = (name: string, version: string) => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;

describe('helm: chart bundles with per-cluster values', needsSharedFixtures(), () => {
  let fleet: Fleet;
  let store: NatsStore;
  before(async () => {
    fleet = await Fleet.start({ name: SOURCE, clusters: CLUSTERS, namespaces: [MC_NS, 'e2e-helm-guestbook', 'e2e-helm-labels', 'e2e-helm-repo', 'e2e-helm-hooks', 'e2e-helm-tgz'] });
    store = await NatsStore.open(fleet.nats.url);
    fleet.repo.copy(fixturePath('fleet-examples/multi-cluster/helm'), 'multi-cluster/helm');
    fleet.repo.copy(fixturePath('argocd-example-apps/helm-guestbook'), 'guestbook');
    fleet.repo.write('guestbook/fleet.yaml', `namespace: e2e-helm-guestbook
helm:
  releaseName: guestbook
targetCustomizations:
- name: prod
  clusterSelector: { matchLabels: { env: prod } }
  helm:
    valuesFiles: [values-production.yaml]
`);
    fleet.repo.write('labels/Chart.yaml', chartYaml('labels', '0.1.0'));
    fleet.repo.write('labels/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\ndata:\n  region: {{ .Values.region | quote }}\n  cluster: {{ .Values.cluster | quote }}\n');
    fleet.repo.write('labels/fleet.yaml', 'namespace: e2e-helm-labels\nhelm:\n  values:\n    region: "${ .ClusterLabels.region }"\n    cluster: "${ .ClusterName }"\n');
    const revision = await fleet.repo.commitAndPush('helm bundles');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(`${SOURCE}-multi-cluster-helm`, revision, ['spoke1', 'spoke2', 'spoke3']);
  });
  after(async () => {
    await store?.close();
    await fleet?.stop();
  });

  it('the multi-cluster helm fixture deploys with each env\'s values', async () => {
    const [dev, test, prod] = ['spoke1', 'spoke2', 'spoke3'].map((s) => fleet.kubectl(s));
    assert.equal(await dev!.get('deployment', 'redis-slave', MC_NS), undefined, 'dev without replication');
    assert.ok(await test!.get('deployment', 'redis-slave', MC_NS), 'test keeps replication');
    assert.equal(spec<{ replicas: number }>(await test!.get('deployment', 'frontend', MC_NS))?.replicas, 3, 'test has 3 replicas');
    assert.equal(spec<{ replicas: number }>(await prod!.get('deployment', 'frontend', MC_NS))?.replicas, 3, 'prod has 3 replicas');
    assert.equal(spec<{ type: string }>(await prod!.get('service', 'frontend', MC_NS))?.type, 'LoadBalancer', 'prod has a LoadBalancer service');
    assert.equal(spec<{ type: string }>(await dev!.get('service', 'frontend', MC_NS))?.type, 'NodePort', 'dev keeps the chart default');
  });

  it('helm-guestbook takes values-production.yaml on clusters labelled env=prod', async () => {
    const head = await fleet.repo.git('rev-parse', 'HEAD');
    await fleet.waitForRevision(`${SOURCE}-guestbook`, head, ['spoke1', 'spoke2', 'spoke3']);
    const type = async (spoke: string) => spec<{ type: string }>((await fleet.kubectl(spoke).list('services', 'e2e-helm-guestbook'))[0])?.type;
    assert.equal(await type('spoke3'), 'LoadBalancer');
    assert.equal(await type('spoke1'), 'ClusterIP');
  });

  it('a cluster label change re-renders and re-applies only that cluster', async () => {
    const bundle = `${SOURCE}-labels`;
    const data = async (spoke: string) => (await fleet.kubectl(spoke).get('configmap', 'cluster-info', 'e2e-helm-labels'))?.['data'] as Record<string, string> | undefined;
    assert.deepEqual(await data('spoke1'), { region: 'eu', cluster: 'spoke1' });
    assert.deepEqual(await data('spoke2'), { region: 'us', cluster: 'spoke2' });
    const otherKv = await store.desiredRevision('spoke2', bundle);
    const otherRv = (await fleet.kubectl('spoke2').get('configmap', 'cluster-info', 'e2e-helm-labels'))?.metadata.resourceVersion;

    await fleet.api.relabelCluster('spoke1', { ...CLUSTERS.spoke1, region: 'eu-west' });
    await eventually('spoke1 re-rendered with its new label', async () => assert.equal((await data('spoke1'))?.['region'], 'eu-west'), 20_000);
    assert.equal(await store.desiredRevision('spoke2', bundle), otherKv, 'spoke2 desired state not rewritten');
    assert.equal((await fleet.kubectl('spoke2').get('configmap', 'cluster-info', 'e2e-helm-labels'))?.metadata.resourceVersion, otherRv, 'spoke2 not re-applied');
  });

  it('a chart from the loopback Helm repository at a pinned version; bumping the version rolls it', async () => {
    assert.ok(fleet.testbed.chartRepoUrl && fleet.testbed.chartRepoDir, 'the test bed serves a chart repository (GITFLEET_CHART_REPO_URL/_DIR in testbed.env)');
    const repoUrl = `${fleet.testbed.chartRepoUrl}/e2e-helm`;
    const repoDir = path.join(fleet.testbed.chartRepoDir, 'e2e-helm');
    rmSync(repoDir, { recursive: true, force: true });
    mkdirSync(repoDir, { recursive: true });
    const work = mkdtempSync(path.join(tmpdir(), 'gitfleet-chart-'));
    try {
      for (const version of ['0.1.0', '0.2.0']) {
        const dir = path.join(work, `e2e-app-${version}`, 'e2e-app');
        mkdirSync(path.join(dir, 'templates'), { recursive: true });
        writeFileSync(path.join(dir, 'Chart.yaml'), chartYaml('e2e-app', version));
        writeFileSync(path.join(dir, 'templates', 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2e-app\ndata:\n  chartVersion: "${version}"\n`);
        await run(path.join(fleet.testbed.binDir, 'helm'), ['package', dir, '--destination', repoDir]);
      }
      await run(path.join(fleet.testbed.binDir, 'helm'), ['repo', 'index', repoDir, '--url', repoUrl]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const fleetYaml = (version: string) => `namespace: e2e-helm-repo\nhelm:\n  repo: ${repoUrl}\n  chart: e2e-app\n  version: ${version}\n`;
    fleet.repo.write('remote/fleet.yaml', fleetYaml('0.1.0'));
    const first = await fleet.repo.commitAndPush('a chart from the repository');
    await fleet.api.pushWebhook(SOURCE, first);
    await fleet.waitForRevision(`${SOURCE}-remote`, first, ['spoke1', 'spoke2', 'spoke3']);
    const version = async () => ((await fleet.kubectl('spoke2').get('configmap', 'e2e-app', 'e2e-helm-repo'))?.['data'] as Record<string, string>)['chartVersion'];
    assert.equal(await version(), '0.1.0');
    fleet.repo.write('remote/fleet.yaml', fleetYaml('0.2.0'));
    const second = await fleet.repo.commitAndPush('bump the chart');
    await fleet.api.pushWebhook(SOURCE, second);
    await fleet.waitForRevision(`${SOURCE}-remote`, second, ['spoke1', 'spoke2', 'spoke3']);
    assert.equal(await version(), '0.2.0');
  });

  // Issue #11: "A chart given as a `.tgz` URL in `helm.chart` with per-cluster values fails with
  // `helm pull: expected one chart, found 2`" — each variant pulls the archive into its own dir.
  it('a chart given as a .tgz URL with per-cluster values: one render per variant, each deployed', async () => {
    assert.ok(fleet.testbed.chartRepoUrl && fleet.testbed.chartRepoDir, 'the test bed serves a chart repository (GITFLEET_CHART_REPO_URL/_DIR in testbed.env)');
    const dir = path.join(fleet.testbed.chartRepoDir, 'e2e-helm-tgz');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(path.join(tmpdir(), 'gitfleet-chart-'));
    try {
      const chart = path.join(work, 'tgz-app');
      mkdirSync(path.join(chart, 'templates'), { recursive: true });
      writeFileSync(path.join(chart, 'Chart.yaml'), chartYaml('tgz-app', '0.1.0'));
      writeFileSync(path.join(chart, 'values.yaml'), 'color: grey\nreplicas: 1\n');
      writeFileSync(path.join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tgz-app\ndata:\n  color: {{ .Values.color | quote }}\n  replicas: {{ .Values.replicas | quote }}\n');
      await run(path.join(fleet.testbed.binDir, 'helm'), ['package', chart, '--destination', dir]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // a URL of the archive itself (no `repo`), the form Fleet's examples use
    fleet.repo.write('tgz/fleet.yaml', `namespace: e2e-helm-tgz
helm:
  chart: ${fleet.testbed.chartRepoUrl}/e2e-helm-tgz/tgz-app-0.1.0.tgz
  releaseName: tgz-app
targetCustomizations:
- name: dev
  clusterSelector: { matchLabels: { env: dev } }
  helm: { values: { color: green, replicas: 1 } }
- name: prod
  clusterSelector: { matchLabels: { env: prod } }
  helm: { values: { color: red, replicas: 3 } }
`);
    const revision = await fleet.repo.commitAndPush('a chart as a .tgz URL with per-cluster values');
    await fleet.api.pushWebhook(SOURCE, revision);
    const bundle = `${SOURCE}-tgz`;
    const targets = await fleet.waitForRevision(bundle, revision, ['spoke1', 'spoke2', 'spoke3']);
    const b = (await fleet.api.bundles()).find((x) => x.id === bundle);
    assert.equal(b?.state, 'Ready', JSON.stringify(b?.errors));
    const data = async (spoke: string) => (await fleet.kubectl(spoke).get('configmap', 'tgz-app', 'e2e-helm-tgz'))?.['data'];
    assert.deepEqual(await data('spoke1'), { color: 'green', replicas: '1' }, 'dev: its targetCustomization');
    assert.deepEqual(await data('spoke2'), { color: 'grey', replicas: '1' }, 'test: the chart defaults');
    assert.deepEqual(await data('spoke3'), { color: 'red', replicas: '3' }, 'prod: its targetCustomization');
    const digests = new Set(targets.map((t) => t.desired.digest));
    assert.equal(digests.size, 3, `three variants, three renders: ${[...digests].join(', ')}`);
  });

  it('a hook Job runs before the Deployment; a broken template fails with Helm\'s message', async () => {
    fleet.repo.write('hooks/Chart.yaml', chartYaml('hooks', '0.1.0'));
    // Hooks on prod (spoke3) only, to keep the suite short; every spoke runs a controller-manager
    // and KWOK nodes, so Jobs complete on any of them.
    fleet.repo.write('hooks/fleet.yaml', `namespace: e2e-helm-hooks
targetCustomizations:
- name: elsewhere
  clusterSelector: { matchExpressions: [{ key: env, operator: NotIn, values: [prod] }] }
  doNotDeploy: true
`);
    fleet.repo.write('hooks/templates/migrate.yaml', `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - { name: migrate, image: registry.invalid/migrate:1 }
`);
    fleet.repo.write('hooks/templates/app.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector: { matchLabels: { app: hooks } }
  template:
    metadata: { labels: { app: hooks } }
    spec:
      containers:
      - { name: app, image: registry.invalid/app:1 }
`);
    fleet.repo.write('broken/Chart.yaml', chartYaml('broken', '0.1.0'));
    fleet.repo.write('broken/fleet.yaml', 'namespace: e2e-helm-broken\n');
    fleet.repo.write('broken/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  v: {{ .Values.missing.field }}\n');
    const revision = await fleet.repo.commitAndPush('a hook and a broken chart');
    await fleet.api.pushWebhook(SOURCE, revision);

    const broken = await eventually('broken chart reported', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === `${SOURCE}-broken`);
      assert.equal(b?.state, 'Failed', JSON.stringify(b));
      return b!;
    }, 20_000);
    assert.match(broken.errors.map((e) => `${e.file}: ${e.message}`).join('\n'), /nil pointer|missing|template/i, 'Helm\'s message is reported');

    await fleet.waitForRevision(`${SOURCE}-hooks`, revision, ['spoke3'], { timeoutMs: 120_000 });
    const k = fleet.kubectl('spoke3');
    const job = await eventually('hook Job completed on spoke3', async () => {
      const j = await k.get('job', 'migrate', 'e2e-helm-hooks');
      const done = (j?.['status'] as { completionTime?: string } | undefined)?.completionTime;
      assert.ok(done, 'completed');
      return j!;
    }, 120_000, 500);
    const deployment = await eventually('Deployment applied after the hook', async () => {
      const d = await k.get('deployment', 'app', 'e2e-helm-hooks');
      assert.ok(d);
      return d;
    }, 60_000);
    const completed = Date.parse((job['status'] as { completionTime: string }).completionTime);
    const created = Date.parse(deployment.metadata.creationTimestamp ?? '');
    assert.ok(completed <= created, `the Job completed (${new Date(completed).toISOString()}) before the Deployment was created (${new Date(created).toISOString()})`);
  });
});
