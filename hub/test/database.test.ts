// Migrations and repositories on a real PostgreSQL (a throwaway database of the test bed).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { ClusterGroupsRepository } from '../src/clusters/cluster-groups.repository.js';
import { ClustersRepository } from '../src/clusters/clusters.repository.js';
import { dataSourceOptions, MIGRATIONS } from '../src/data-source.js';
import { BundlesRepository } from '../src/bundles/bundles.repository.js';
import { SourcesRepository } from '../src/sources/sources.repository.js';
import { StatusRepository, type StatusRecord } from '../src/targets/status.repository.js';
import { TargetsRepository } from '../src/targets/targets.repository.js';
import { RolloutsRepository } from '../src/rollouts/rollouts.repository.js';
import { createTempDatabase, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

function record(over: Partial<StatusRecord> = {}): StatusRecord {
  return {
    reportId: 'r1',
    cluster: 'c1',
    bundleId: 'src-web',
    revision: 'rev1',
    digest: 'sha256-1',
    generation: 2,
    state: 'Synced',
    resources: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web', action: 'created', message: '' }],
    errors: [],
    timings: { fetchMs: 1, applyMs: 2, pruneMs: 3, totalMs: 6 },
    observedAt: new Date('2026-01-01T00:00:00Z'),
    receivedAt: new Date('2026-01-01T00:00:01Z'),
    syncStatus: 'Synced',
    health: 'Healthy',
    healthMessage: '',
    drift: [],
    orphaned: [],
    trigger: 'update',
    syncRequest: 0,
    applied: true,
    ...over,
  };
}

describe('database (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    ds = new DataSource({ ...dataSourceOptions(db.url), logging: false });
    await ds.initialize(); // migrationsRun: the schema is created here
  });

  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('applies every migration on an empty database, and a second run is a no-op', async () => {
    const tables: Array<{ table_name: string }> = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    const names = tables.map((t) => t.table_name);
    for (const t of ['api_tokens', 'audit_log', 'bundle_gc_candidates', 'bundles', 'cluster_credentials', 'cluster_groups', 'clusters', 'migrations', 'registration_tokens', 'sources', 'status_dead_letters', 'status_history', 'target_revisions', 'target_status', 'targets']) {
      assert.ok(names.includes(t), `table ${t}`);
    }
    assert.deepEqual(await ds.runMigrations(), []);
    const idx: Array<{ indexdef: string }> = await ds.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'status_history_target_idx'`);
    assert.match(idx[0]!.indexdef, /\(cluster, bundle_id, observed_at\)/);
    const applied: Array<{ name: string }> = await ds.query(`SELECT name FROM migrations ORDER BY id`);
    // every migration, in the order of MIGRATIONS (a migration's name is its class name)
    assert.deepEqual(applied.map((m) => m.name), MIGRATIONS.map((m) => m.name));
  });

  it('the sync/drift/health, cluster Kubernetes version, take ownership, auth/audit, commit signature, kustomize remote bases and namespace metadata migrations add their columns, and revert cleanly', async () => {
    const columns = async (table: string) =>
      ((await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1`, [table])) as Array<{ column_name: string }>).map((c) => c.column_name);
    const added = ['sync_status', 'health', 'health_message', 'drift', 'orphaned', 'trigger', 'sync_request'];
    for (const table of ['target_status', 'status_history']) for (const c of added) assert.ok((await columns(table)).includes(c), `${table}.${c}`);
    assert.ok((await columns('target_status')).includes('applied_at'));
    assert.ok((await columns('targets')).includes('ignore_differences'));
    assert.ok((await columns('targets')).includes('sync_request'));
    assert.ok((await columns('clusters')).includes('kubernetes_version'));
    assert.ok((await columns('targets')).includes('take_ownership'));
    assert.ok((await columns('sources')).includes('credentials_enc'));
    assert.ok((await columns('sources')).includes('webhook_secret_enc'));
    assert.ok((await columns('sources')).includes('commit_signatures'));
    assert.ok((await columns('sources')).includes('commit_signature'));
    assert.ok((await columns('sources')).includes('kustomize_remote_bases'));
    assert.ok((await columns('sources')).includes('withdrawal_hold'));
    assert.ok((await columns('sources')).includes('withdrawal_confirmation'));
    assert.ok((await columns('targets')).includes('namespace_labels'));
    assert.ok((await columns('targets')).includes('namespace_annotations'));
    // down then up again on the live schema, newest first: first the migrations after enrollment
    // (each must revert cleanly), then enrollment, commit signatures, auth/audit, …
    const newer = MIGRATIONS.length - 1 - MIGRATIONS.findIndex((m) => m.name === 'Enrollment1767744000000');
    for (let i = 0; i < newer; i++) await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('targets')).includes('namespace_labels'));
    assert.ok(!(await columns('targets')).includes('namespace_annotations'));
    assert.ok(!(await columns('sources')).includes('withdrawal_hold'));
    assert.ok(!(await columns('sources')).includes('withdrawal_confirmation'));
    assert.deepEqual(await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_name IN ('status_dead_letters', 'target_revisions', 'bundle_gc_candidates')`), []);
    assert.ok(!(await columns('sources')).includes('kustomize_remote_bases'));
    await ds.undoLastMigration({ transaction: 'each' });
    assert.deepEqual(await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_name IN ('registration_tokens', 'cluster_credentials')`), []);
    await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('sources')).includes('commit_signatures'));
    assert.ok(!(await columns('sources')).includes('commit_signature'));
    await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('sources')).includes('credentials_enc'));
    assert.deepEqual(await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_name IN ('api_tokens', 'audit_log')`), []);
    await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('targets')).includes('take_ownership'));
    await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('clusters')).includes('kubernetes_version'));
    await ds.undoLastMigration({ transaction: 'each' });
    assert.ok(!(await columns('targets')).includes('sync_request'));
    assert.equal((await ds.runMigrations()).length, 6 + newer);
    assert.ok((await columns('sources')).includes('withdrawal_hold'));
    assert.ok((await columns('targets')).includes('namespace_labels'));
    assert.ok((await columns('sources')).includes('kustomize_remote_bases'));
    assert.ok((await columns('sources')).includes('webhook_secret_enc'));
    assert.ok((await columns('sources')).includes('commit_signatures'));
    assert.ok((await columns('targets')).includes('sync_request'));
    assert.ok((await columns('targets')).includes('take_ownership'));
    assert.ok((await columns('clusters')).includes('kubernetes_version'));
  });

  it('sources round-trip; a duplicate name is refused', async () => {
    const repo = new SourcesRepository(ds);
    const src = { name: 's1', url: 'http://git/x.git', branch: 'main', path: 'apps', pollIntervalSeconds: 15, targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }], credentialsEnc: null, webhookSecretEnc: null };
    assert.equal(await repo.create(src), true);
    assert.equal(await repo.create(src), false);
    await repo.saveFetchResult('s1', { lastRevision: 'abc', lastFetchedAt: new Date(), lastError: null });
    const got = await repo.get('s1');
    assert.equal(got?.lastRevision, 'abc');
    assert.deepEqual(got?.targets, src.targets);
    assert.equal(await repo.delete('s1'), true);
    assert.equal(await repo.get('s1'), null);
  });

  it('clusters and groups round-trip; heartbeats only move last_seen_at forward and skip unknown clusters', async () => {
    const clusters = new ClustersRepository(ds);
    const groups = new ClusterGroupsRepository(ds);
    assert.equal(await clusters.create('c1', { env: 'prod' }), true);
    assert.equal(await clusters.create('c1', {}), false);
    assert.equal(await clusters.setLabels('c1', { env: 'dev' }), true);
    assert.deepEqual((await clusters.get('c1'))?.labels, { env: 'dev' });
    const t1 = new Date('2026-01-01T00:00:10Z');
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t1 }, { cluster: 'nope', agentVersion: '1.0', seenAt: t1 }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: [] });
    await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '0.9', seenAt: new Date('2026-01-01T00:00:05Z') }]);
    const c = await clusters.get('c1');
    assert.equal(c?.lastSeenAt?.toISOString(), t1.toISOString());
    assert.equal(c?.agentVersion, '1.0');
    assert.equal(c?.kubernetesVersion, null);
    // Kubernetes version: a change (from null too) is reported, the same again or an empty one is not
    const t2 = new Date('2026-01-01T00:00:20Z');
    const t3 = new Date('2026-01-01T00:00:30Z');
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', kubernetesVersion: 'v1.36.3', seenAt: t2 }]), { updated: 1, kubernetesVersionChanged: ['c1'], holdChanged: [] });
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', kubernetesVersion: 'v1.36.3', seenAt: t3 }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: [] });
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', kubernetesVersion: '', seenAt: t3 }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: [] });
    assert.equal((await clusters.get('c1'))?.kubernetesVersion, 'v1.36.3');
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', kubernetesVersion: 'v1.37.0', seenAt: t3 }]), { updated: 1, kubernetesVersionChanged: ['c1'], holdChanged: [] });
    // spoke-side hold: a hold sets it (reported as changed), the same again does not change it,
    // undefined (a status report) leaves it, null (a heartbeat without one) lifts it
    const hold = { reason: 'freeze', since: new Date('2026-01-01T00:00:00Z'), source: 'setting' };
    const t4 = new Date('2026-01-01T00:00:40Z');
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t4, hold }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: ['c1'] });
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t4, hold }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: [] });
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t4 }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: [] });
    const heldRow = await clusters.get('c1');
    assert.deepEqual([heldRow?.holdReason, heldRow?.holdSince?.toISOString(), heldRow?.holdSource], ['freeze', '2026-01-01T00:00:00.000Z', 'setting']);
    // an older heartbeat does not lift it
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t3, hold: null }]), { updated: 0, kubernetesVersionChanged: [], holdChanged: [] });
    assert.deepEqual(await clusters.recordHeartbeats([{ cluster: 'c1', agentVersion: '1.0', seenAt: t4, hold: null }]), { updated: 1, kubernetesVersionChanged: [], holdChanged: ['c1'] });
    assert.equal((await clusters.get('c1'))?.holdReason, null);

    assert.equal(await groups.create('g1', { matchLabels: { env: 'dev' } }), true);
    assert.equal(await groups.setSelector('g1', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }), true);
    assert.deepEqual((await groups.get('g1'))?.selector, { matchExpressions: [{ key: 'env', operator: 'Exists' }] });
    assert.equal(await groups.delete('g1'), true);
  });

  it('bundles and targets round-trip; lastGeneration spans targets and target_status', async () => {
    const bundles = new BundlesRepository(ds);
    const targets = new TargetsRepository(ds);
    await bundles.upsert([{ id: 'src-web', source: 'src', path: 'web', name: 'web', labels: { a: 'b' }, revision: 'r1', state: 'Failed', errors: [{ file: 'web/x.yaml', message: 'bad' }], warnings: ['w'], updatedAt: new Date() }]);
    await targets.upsert({ cluster: 'c1', bundleId: 'src-web', source: 'src', revision: 'r1', digest: 'sha256-1', generation: 5, targetNamespace: '', defaultNamespace: 'web', syncPolicy: { automated: true, prune: false, selfHeal: true }, publishedAt: new Date(), ignoreDifferences: [], syncRequest: 0 });
    const b = await bundles.getWithTargetCount('src-web');
    assert.equal(b?.targetCount, 1);
    assert.deepEqual(b?.errors, [{ file: 'web/x.yaml', message: 'bad' }]);
    const t = await targets.get({ cluster: 'c1', bundleId: 'src-web' });
    assert.equal(t?.generation, 5);
    assert.deepEqual(t?.syncPolicy, { automated: true, prune: false, selfHeal: true });
    assert.equal(t?.takeOwnership, true, 'take_ownership defaults to true');
    await targets.upsert({ ...t!, takeOwnership: false });
    assert.equal((await targets.get({ cluster: 'c1', bundleId: 'src-web' }))?.takeOwnership, false);
    assert.deepEqual([t?.namespaceLabels, t?.namespaceAnnotations], [{}, {}], 'namespace labels/annotations default to {}');
    const meta = { namespaceLabels: { team: 'payments', 'pod-security.kubernetes.io/enforce': 'baseline' }, namespaceAnnotations: { 'example.com/owner': 'pay <p@example.com>' } };
    await targets.upsert({ ...t!, takeOwnership: false, ...meta });
    const back = await targets.get({ cluster: 'c1', bundleId: 'src-web' });
    assert.deepEqual([back?.namespaceLabels, back?.namespaceAnnotations], [meta.namespaceLabels, meta.namespaceAnnotations]);
    assert.equal(await targets.lastGeneration({ cluster: 'c1', bundleId: 'src-web' }), 5);
    await targets.delete({ cluster: 'c1', bundleId: 'src-web' });
    await new StatusRepository(ds).storeReports([record({ reportId: 'gen9', generation: 9 })]);
    assert.equal(await targets.lastGeneration({ cluster: 'c1', bundleId: 'src-web' }), 9);
    assert.equal(await targets.lastGeneration({ cluster: 'c1', bundleId: 'other' }), 0);
    await bundles.delete(['src-web']);
    assert.equal(await bundles.getWithTargetCount('src-web'), null);
    await ds.query('DELETE FROM target_status; DELETE FROM status_history');
  });

  it('status: a digest is marked Healthy once, by the first report that says it is applied, Synced and Healthy (what a rollback goes back to)', async () => {
    const repo = new StatusRepository(ds);
    const rollouts = new RolloutsRepository(ds);
    const key = { cluster: 'hc', bundleId: 'src-h' };
    const at = (s: string) => new Date(`2026-02-01T00:00:${s}Z`);
    // applied but Progressing: kept, not healthy
    await repo.storeReports([record({ ...key, reportId: 'h1', digest: 'sha256-a', revision: 'ra', generation: 1, health: 'Progressing', observedAt: at('01') })]);
    assert.deepEqual(await rollouts.healthyRevisions('hc', 'src-h'), []);
    // a later health report (not an apply) says Healthy: marked at its observed_at
    await repo.storeReports([record({ ...key, reportId: 'h2', digest: 'sha256-a', revision: 'ra', generation: 1, applied: false, observedAt: at('05') })]);
    // a second Healthy report does not move it
    await repo.storeReports([record({ ...key, reportId: 'h3', digest: 'sha256-a', revision: 'ra', generation: 1, applied: false, observedAt: at('09') })]);
    // another digest applied and Degraded, and one Healthy but OutOfSync: neither is healthy
    await repo.storeReports([
      record({ ...key, reportId: 'h4', digest: 'sha256-b', revision: 'rb', generation: 2, health: 'Degraded', observedAt: at('10') }),
      record({ ...key, reportId: 'h5', digest: 'sha256-c', revision: 'rc', generation: 3, syncStatus: 'OutOfSync', observedAt: at('11') }),
    ]);
    assert.deepEqual(await rollouts.healthyRevisions('hc', 'src-h'), [{ digest: 'sha256-a', revision: 'ra', healthyAt: at('05') }]);
    assert.deepEqual(await rollouts.appliedDigestsAt('hc', 'src-h', 'rb'), ['sha256-b']);
    await ds.query('DELETE FROM target_status; DELETE FROM status_history; DELETE FROM target_revisions');
  });

  it('rollouts: a new rollout supersedes the bundle\'s active one in the same transaction; pins round-trip', async () => {
    const repo = new RolloutsRepository(ds);
    const base = {
      bundleId: 'src-r', source: 'src', contentKey: 'k1', phase: 'Progressing' as const, gated: true, cause: null,
      settings: { minHealthyDurationMs: 1, progressDeadlineMs: 2, maxFailures: 0, autoRollback: true, onStale: 'block' as const },
      dependsOn: [], plan: { stages: [{ name: 'All', clusters: ['c1'], maxUnavailable: 1 }], maxUnavailable: 1, maxUnavailablePartitions: 0 },
      stages: [{ name: 'All' }], commit: { message: 'm', author: 'a <a@x>' }, finishedAt: null,
    };
    const cluster = {
      cluster: 'c1', stage: 'All', path: 'web', previous: null, unchanged: false, publishedAt: null, publishedGeneration: null, healthySince: null, rolledBackAt: null, rollback: null,
      draft: { cluster: 'c1', bundleId: 'src-r', source: 'src', revision: 'r1', digest: 'sha256-1', targetNamespace: '', defaultNamespace: '', syncPolicy: { automated: true, prune: true, selfHeal: true }, ignoreDifferences: [], takeOwnership: true, namespaceLabels: {}, namespaceAnnotations: {}, overrides: { onStale: 'skip' as const } },
    };
    const t0 = new Date('2026-03-01T00:00:00Z');
    const first = await repo.start({ ...base, revision: 'r1', createdAt: t0, updatedAt: t0 }, [cluster], 'superseded by r1');
    const t1 = new Date('2026-03-01T00:01:00Z');
    const second = await repo.start({ ...base, revision: 'r2', contentKey: 'k2', createdAt: t1, updatedAt: t1 }, [{ ...cluster, draft: { ...cluster.draft, revision: 'r2' } }], 'superseded by revision r2');
    assert.equal((await repo.get(first.id))?.phase, 'Superseded');
    assert.equal((await repo.get(first.id))?.cause, 'superseded by revision r2');
    assert.equal((await repo.latest('src-r'))?.id, second.id);
    assert.deepEqual((await repo.inPhase()).map((r) => r.id), [second.id]);
    await repo.updateCluster(second.id, 'c1', { publishedAt: t1, publishedGeneration: 7 });
    const [c] = await repo.clustersOf(second.id);
    assert.equal(c?.publishedGeneration, 7);
    assert.deepEqual(c?.draft.overrides, { onStale: 'skip' });
    await repo.putPin({ bundleId: 'src-r', cluster: '', revision: 'r1', reason: 'why', createdBy: 'admin' });
    await repo.putPin({ bundleId: 'src-r', cluster: '', revision: 'r2', reason: 'why', createdBy: 'admin' });
    assert.deepEqual((await repo.pins('src-r')).map((p) => [p.cluster, p.revision]), [['', 'r2']]);
    assert.equal(await repo.deletePin('src-r', ''), true);
    assert.equal(await repo.deletePin('src-r', ''), false);
  });

  it('status: history once per report_id; latest status only moves to a newer generation', async () => {
    const repo = new StatusRepository(ds);
    assert.equal(await repo.storeReports([record({ reportId: 'a', generation: 2 }), record({ reportId: 'a', generation: 2 })]), 1);
    assert.equal(await repo.storeReports([record({ reportId: 'a', generation: 2 })]), 0);
    // an older generation arriving late is kept in history but does not replace the status
    assert.equal(await repo.storeReports([record({ reportId: 'old', generation: 1, state: 'Failed' })]), 1);
    let s = (await repo.getStatuses([{ cluster: 'c1', bundleId: 'src-web' }])).get('c1.src-web');
    assert.equal(s?.generation, 2);
    assert.equal(s?.state, 'Synced');
    // within one batch, the newest generation of a target wins
    await repo.storeReports([record({ reportId: 'b', generation: 4, state: 'Failed' }), record({ reportId: 'c', generation: 3 })]);
    s = (await repo.getStatuses([{ cluster: 'c1', bundleId: 'src-web' }])).get('c1.src-web');
    assert.equal(s?.generation, 4);
    assert.equal(s?.state, 'Failed');
    assert.deepEqual(s?.timings, { fetchMs: 1, applyMs: 2, pruneMs: 3, totalMs: 6 });
    const history = await repo.history('c1', 'src-web');
    assert.deepEqual(history.map((h) => h.reportId).sort(), ['a', 'b', 'c', 'old']);
    await ds.query('DELETE FROM target_status; DELETE FROM status_history');
  });

  it('status: same generation with a later observed_at replaces the latest, an earlier one does not; drift and health round-trip', async () => {
    const repo = new StatusRepository(ds);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 0, 0, s));
    const latest = async () => (await repo.getStatuses([{ cluster: 'c1', bundleId: 'src-web' }])).get('c1.src-web')!;
    await repo.storeReports([record({ reportId: 'apply', generation: 5, observedAt: at(10), trigger: 'update', applied: true })]);
    const drift = [{
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
      missing: false,
      diffs: [{ path: '/spec/replicas', desired: '3', live: '5', manager: 'kubectl-edit' }],
      healed: false,
      conflict: { manager: 'hpa', message: 'writes /spec/replicas back' },
    }];
    const orphaned = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old' }];
    await repo.storeReports([record({
      reportId: 'drift', generation: 5, observedAt: at(20), trigger: 'drift', applied: false, syncStatus: 'OutOfSync',
      health: 'Degraded', healthMessage: 'Deployment web/web: 0 of 3 available', drift, orphaned, syncRequest: 2,
    })]);
    let s = await latest();
    assert.deepEqual(
      [s.syncStatus, s.health, s.healthMessage, s.drift, s.orphaned, s.trigger, s.syncRequest],
      ['OutOfSync', 'Degraded', 'Deployment web/web: 0 of 3 available', drift, orphaned, 'drift', 2],
    );
    assert.equal(s.appliedAt?.toISOString(), at(10).toISOString()); // the drift report did not apply
    // an earlier report of the same generation arriving late does not replace it
    await repo.storeReports([record({ reportId: 'late', generation: 5, observedAt: at(15), trigger: 'health', health: 'Healthy', applied: false })]);
    s = await latest();
    assert.deepEqual([s.trigger, s.health], ['drift', 'Degraded']);
    // a later heal replaces it and moves applied_at; in one batch the later of two wins
    await repo.storeReports([
      record({ reportId: 'heal', generation: 5, observedAt: at(30), trigger: 'drift', applied: true }),
      record({ reportId: 'health', generation: 5, observedAt: at(40), trigger: 'health', applied: false }),
    ]);
    s = await latest();
    assert.deepEqual([s.trigger, s.health, s.syncStatus, s.drift], ['health', 'Healthy', 'Synced', []]);
    assert.equal(s.appliedAt?.toISOString(), at(30).toISOString());
    const [h] = await repo.history('c1', 'src-web', 10).then((rows) => rows.filter((r) => r.reportId === 'drift'));
    assert.deepEqual([h!.syncStatus, h!.health, h!.drift, h!.orphaned, h!.trigger], ['OutOfSync', 'Degraded', drift, orphaned, 'drift']);
  });
});
