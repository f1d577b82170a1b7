// Issue #11, test 8 ("Preview before merge"): a preview of a branch lists, per cluster, the
// objects it would create, change and prune and the targets it would withdraw, from each agent's
// server-side dry run against its live cluster; and nothing on any cluster changed (the
// resourceVersion of every object in the bundle namespace and of the agents' inventories), nor
// anything published (targets API, every desired-state KV key's revision, the bundles API). An
// agent that does not answer (SIGSTOPped: connected, silent) is reported on its cluster's targets
// after the 10 s agent request timeout; the preview still completes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, HubApi, HubApiError, NatsStore, type PreviewTargetView, type PreviewView } from '../support/index.js';

const NS = 'e2e-preview';
const SOURCE = 'preview';
const APP = 'preview-app';
const SIDE = 'preview-side';
const SPOKES = ['spoke1', 'spoke2', 'spoke3'];
const BRANCH = 'feature/preview-me';

/** A ConfigMap manifest with `data.k = value`. */
const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${JSON.stringify(value)}\n`;

/** resourceVersion of every ConfigMap in the bundle namespace, of the namespace itself, and of every agent inventory, per spoke. */
async function liveVersions(fleet: Fleet): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const spoke of SPOKES) {
    const k = fleet.kubectl(spoke);
    for (const o of await k.list('configmaps', NS)) out[`${spoke}/ConfigMap/${NS}/${o.metadata.name}`] = o.metadata.resourceVersion ?? '';
    for (const o of await k.list('configmaps', undefined, 'gitfleet.io/inventory=true')) out[`${spoke}/inventory/${o.metadata.namespace}/${o.metadata.name}`] = o.metadata.resourceVersion ?? '';
    const ns = await k.get('namespace', NS);
    out[`${spoke}/Namespace/${NS}`] = ns?.metadata.resourceVersion ?? '';
  }
  return out;
}

/** What is published: every target's revision, digest and generation, and the bundles' revisions. */
async function published(fleet: Fleet): Promise<{ targets: string[]; bundles: string[] }> {
  const targets = (await fleet.api.targets()).map((t) => `${t.cluster}/${t.bundleId} ${t.desired.revision} ${t.desired.digest} g${t.desired.generation}`).sort();
  const bundles = (await fleet.api.bundles()).map((b) => `${b.id} ${b.revision} ${b.state}`).sort();
  return { targets, bundles };
}

/** Waits until preview `id` is Completed or Failed. */
async function finished(fleet: Fleet, id: string): Promise<PreviewView> {
  return eventually(`preview ${id} finished`, async () => {
    const p = await fleet.api.preview(id);
    if (p.phase !== 'Completed' && p.phase !== 'Failed') throw new Error(`phase ${p.phase}`);
    return p;
  }, 90_000);
}

/** `cluster/bundle change` with its objects as `action Kind/name`, sorted: what the suite compares. */
function summary(p: PreviewView): Record<string, { change: string; objects: string[]; errors: string[]; dryRun: boolean }> {
  const out: Record<string, { change: string; objects: string[]; errors: string[]; dryRun: boolean }> = {};
  for (const c of p.result?.clusters ?? []) {
    for (const t of c.targets) out[`${c.cluster}/${t.bundleId}`] = { change: t.change, objects: t.objects.map((o) => `${o.action} ${o.kind}/${o.name}`).sort(), errors: t.errors, dryRun: t.dryRun };
  }
  return out;
}

const target = (p: PreviewView, cluster: string, bundleId: string): PreviewTargetView | undefined =>
  p.result?.clusters.find((c) => c.cluster === cluster)?.targets.find((t) => t.bundleId === bundleId);

describe('preview: a branch rendered and dry-run on every targeted cluster, nothing applied', () => {
  let fleet: Fleet;
  let store: NatsStore;
  let branchHead = '';

  before(async () => {
    fleet = await Fleet.start({ name: 'preview', clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'dev' }, spoke3: { env: 'dev' } }, namespaces: [NS] });
    store = await NatsStore.open(fleet.nats.url);
  });
  after(async () => {
    await store?.close();
    await fleet?.stop();
  });

  it('deploys two bundles to three spokes, then previews a branch that adds, changes, removes an object and withdraws a target', async () => {
    // main: bundle app (a, b, c) and bundle side (side) on every spoke
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/a.yaml', configMap('a', 'v1'));
    fleet.repo.write('app/b.yaml', configMap('b', 'v1'));
    fleet.repo.write('app/c.yaml', configMap('c', 'v1'));
    fleet.repo.write('side/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('side/side.yaml', configMap('side', 'v1'));
    const main = await fleet.repo.commitAndPush('app and side');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600, targets: [{ clusterSelector: { matchLabels: { env: 'dev' } } }] });
    await fleet.waitForRevision(APP, main, SPOKES);
    await fleet.waitForRevision(SIDE, main, SPOKES);

    // the branch: d added, b changed, c removed from app; side no longer on spoke2
    await fleet.repo.git('checkout', '--quiet', '-b', BRANCH);
    fleet.repo.write('app/d.yaml', configMap('d', 'new'));
    fleet.repo.write('app/b.yaml', configMap('b', 'v2'));
    fleet.repo.remove('app/c.yaml');
    fleet.repo.write('side/fleet.yaml', `namespace: ${NS}\ntargetCustomizations:\n  - name: not-spoke2\n    clusterName: spoke2\n    doNotDeploy: true\n`);
    await fleet.repo.git('add', '--all');
    await fleet.repo.git('commit', '--quiet', '-m', 'preview me');
    await fleet.repo.git('push', '--quiet', 'origin', `HEAD:refs/heads/${BRANCH}`);
    branchHead = await fleet.repo.git('rev-parse', 'HEAD');
    await fleet.repo.git('checkout', '--quiet', 'main');

    const liveBefore = await liveVersions(fleet);
    const kvBefore = await store.desiredKeys();
    const publishedBefore = await published(fleet);
    assert.equal(Object.keys(kvBefore).length, 6, 'two bundles on three spokes');

    // spoke3's agent stays connected but silent: its targets say so after the 10 s timeout
    const spoke3 = fleet.agents.get('spoke3')!;
    spoke3.child.kill('SIGSTOP');
    let p: PreviewView;
    try {
      const started = await fleet.api.createPreview(SOURCE, { branch: BRANCH });
      assert.equal(started.phase, 'Pending');
      assert.equal(started.branch, BRANCH);
      p = await finished(fleet, started.id);
    } finally {
      spoke3.child.kill('SIGCONT');
    }

    assert.equal(p.phase, 'Completed', `preview failed: ${p.message}`);
    assert.equal(p.revision, branchHead, 'the branch head was previewed');
    assert.ok(p.startedAt && p.finishedAt);
    assert.deepEqual(p.result?.bundles.map((b) => `${b.bundleId} ${b.state} ${b.errors.length}`), [`${APP} Ready 0`, `${SIDE} Ready 0`]);
    const appPlan = { change: 'changed', objects: ['change ConfigMap/b', 'create ConfigMap/d', 'prune ConfigMap/c'], errors: [], dryRun: true };
    const s = summary(p);
    assert.deepEqual(s[`spoke1/${APP}`], appPlan);
    assert.deepEqual(s[`spoke2/${APP}`], appPlan);
    assert.deepEqual(s[`spoke1/${SIDE}`], { change: 'unchanged', objects: [], errors: [], dryRun: false });
    assert.deepEqual(s[`spoke2/${SIDE}`], { change: 'withdrawn', objects: ['prune ConfigMap/side'], errors: [], dryRun: true });
    assert.deepEqual(s[`spoke3/${SIDE}`], { change: 'unchanged', objects: [], errors: [], dryRun: false });
    assert.equal(s[`spoke3/${APP}`]?.change, 'changed');
    assert.equal(s[`spoke3/${APP}`]?.dryRun, false);
    assert.match(s[`spoke3/${APP}`]?.errors.join() ?? '', /agent of cluster "spoke3" did not answer: the agent did not answer within 10 s/);
    assert.equal(Object.keys(s).length, 6, 'every target listed once');
    assert.match(target(p, 'spoke2', SIDE)!.reason, /cluster spoke2 is no longer targeted by bundle preview-side/);

    // the field diff of the change, as the apiserver's dry run computed it
    const b = target(p, 'spoke1', APP)!.objects.find((o) => o.name === 'b')!;
    assert.deepEqual(b.diffs.map((d) => [d.path, JSON.parse(d.desired), JSON.parse(d.live)]), [['/data/k', 'v2', 'v1']]);
    assert.equal(b.namespace, NS);

    // nothing changed anywhere
    assert.deepEqual(await liveVersions(fleet), liveBefore, 'no object on any cluster was written');
    assert.deepEqual(await store.desiredKeys(), kvBefore, 'no desired state was written');
    assert.deepEqual(await published(fleet), publishedBefore, 'targets and bundles as before');
    for (const spoke of SPOKES) {
      const k = fleet.kubectl(spoke);
      assert.equal(await k.get('configmap', 'd', NS), undefined, `${spoke}: d not created`);
      assert.ok(await k.get('configmap', 'c', NS), `${spoke}: c not pruned`);
      assert.ok(await k.get('configmap', 'side', NS), `${spoke}: side not pruned`);
    }
  });

  it('previews a commit by SHA (every agent answering), lists previews, and changes nothing', async () => {
    assert.ok(branchHead, 'the previous test pushed the branch');
    const liveBefore = await liveVersions(fleet);
    const kvBefore = await store.desiredKeys();
    const publishedBefore = await published(fleet);

    const started = await fleet.api.createPreview(SOURCE, { revision: branchHead.slice(0, 12) });
    const p = await finished(fleet, started.id);
    assert.equal(p.phase, 'Completed', `preview failed: ${p.message}`);
    assert.equal(p.revision, branchHead);
    const s = summary(p);
    for (const spoke of SPOKES) {
      assert.deepEqual(s[`${spoke}/${APP}`], { change: 'changed', objects: ['change ConfigMap/b', 'create ConfigMap/d', 'prune ConfigMap/c'], errors: [], dryRun: true }, spoke);
    }
    assert.equal(s[`spoke2/${SIDE}`]?.change, 'withdrawn');

    const listed = await fleet.api.previews(SOURCE);
    assert.deepEqual(listed.map((x) => x.id).slice(0, 2), [started.id, listed[1]!.id], 'newest first');
    assert.equal(listed.length, 2);
    assert.deepEqual((await fleet.api.get<PreviewView>(`/api/v1/sources/${SOURCE}/previews/${started.id}`)).id, started.id);

    assert.deepEqual(await liveVersions(fleet), liveBefore, 'no object on any cluster was written');
    assert.deepEqual(await store.desiredKeys(), kvBefore, 'no desired state was written');
    assert.deepEqual(await published(fleet), publishedBefore, 'targets and bundles as before');
  });

  it('needs role operator and audits the request; refuses a body without exactly one of revision and branch, an unknown source, and a commit no branch holds', async () => {
    const status = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return 0;
      } catch (err) {
        if (err instanceof HubApiError) return err.status;
        throw err;
      }
    };
    assert.equal(await status(() => fleet.api.post(`/api/v1/sources/${SOURCE}/previews`, {})), 400);
    assert.equal(await status(() => fleet.api.post(`/api/v1/sources/${SOURCE}/previews`, { branch: 'main', revision: branchHead })), 400);
    assert.equal(await status(() => fleet.api.post(`/api/v1/sources/${SOURCE}/previews`, { branch: '../etc' })), 400);
    assert.equal(await status(() => fleet.api.createPreview('no-such-source', { branch: 'main' })), 404);
    const p = await finished(fleet, (await fleet.api.createPreview(SOURCE, { revision: 'deadbeefdeadbeef' })).id);
    assert.equal(p.phase, 'Failed');
    assert.match(p.message ?? '', /no branch of the repository holds commit deadbeefdeadbeef/);

    // roles: a viewer reads previews but cannot start one; an operator can
    const token = async (name: string, role: string) => new HubApi(fleet.hub.url, (await fleet.api.post<{ token: string }>('/api/v1/tokens', { name, role })).token);
    const viewer = await token('preview-viewer', 'viewer');
    const operator = await token('preview-operator', 'operator');
    assert.equal(await status(() => viewer.createPreview(SOURCE, { branch: BRANCH })), 403);
    assert.equal((await viewer.previews(SOURCE)).length, 3);
    const byOperator = await operator.createPreview(SOURCE, { branch: BRANCH });
    assert.equal(byOperator.requestedBy, 'preview-operator');
    assert.equal((await finished(fleet, byOperator.id)).phase, 'Completed');

    // audited: who, what, outcome
    const audit = (await fleet.api.audit()).filter((e) => e.path === `/api/v1/sources/${SOURCE}/previews`);
    assert.ok(audit.some((e) => e.actor === 'preview-operator' && e.method === 'POST' && e.outcome === 202), JSON.stringify(audit));
    assert.ok(audit.some((e) => e.actor === 'preview-viewer' && e.outcome === 403), JSON.stringify(audit));
  });
});
