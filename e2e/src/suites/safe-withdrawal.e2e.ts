// Issue #9, tests 1-4: a target is withdrawn only by an unambiguous change in Git. A broken
// fleet.yaml, a moved bundle, two bundles with one name keep every object on every cluster (checked
// by uid with kubectl through several polls); a commit that removes most bundles is held until an
// operator confirms it, then pruned, and the confirmation is audited.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, HubApiError } from '../support/index.js';

const NS = 'e2e-withdraw';
const SOURCE = 'safe';
const SPOKES = ['spoke1', 'spoke2'];
/** the source's poll interval, s: the "three more polls" below wait longer than three of them */
const POLL_S = 2;

interface SourceView {
  lastRevision: string | null;
  withdrawalHold: null | { revision: string; total: number; reason: string; targets: Array<{ cluster: string; bundleId: string; reason: string }>; confirmedAt: string | null };
}

const fleetYaml = (name: string) => `name: ${name}\nnamespace: ${NS}\ntargetCustomizations:\n- {name: dev, clusterSelector: {matchLabels: {env: dev}}}\n`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  app: ${name}\n`;

describe('safe withdrawal: only an unambiguous change in Git withdraws a target', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'safe-withdrawal', clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'dev' } }, namespaces: [NS] });
  });
  after(async () => fleet?.stop());

  /** uid of each ConfigMap `name` per spoke (undefined: missing). */
  async function uids(name: string): Promise<Record<string, string | undefined>> {
    const out: Record<string, string | undefined> = {};
    for (const s of SPOKES) out[s] = (await fleet.kubectl(s).get('configmap', name, NS))?.metadata.uid;
    return out;
  }
  const source = () => fleet.api.get<SourceView>(`/api/v1/sources/${SOURCE}`);
  async function push(message: string): Promise<string> {
    const rev = await fleet.repo.commitAndPush(message);
    await fleet.api.pushWebhook(SOURCE, rev);
    await eventually(`source at ${rev.slice(0, 8)}`, async () => assert.equal((await source()).lastRevision, rev), 20_000);
    return rev;
  }
  /** Waits longer than three poll periods, then checks that the objects are still the same ones. */
  async function stillThere(names: string[], before: Record<string, Record<string, string | undefined>>, why: string): Promise<void> {
    await sleep((3 * POLL_S + 1) * 1000);
    for (const n of names) assert.deepEqual(await uids(n), before[n], `${n} kept on every cluster (${why})`);
  }

  it('test 1: a commit that breaks a named bundle\'s fleet.yaml keeps every object; the bundle is Failed with file and line; the fix deploys', async () => {
    fleet.repo.write('web/fleet.yaml', fleetYaml('web'));
    fleet.repo.write('web/cm.yaml', configMap('web'));
    const first = await fleet.repo.commitAndPush('web');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: POLL_S });
    await fleet.waitForRevision(`${SOURCE}-web`, first, SPOKES);
    const before = { web: await uids('web') };
    assert.ok(before.web.spoke1 && before.web.spoke2, 'deployed on both spokes');

    // one missing `}` in a targetCustomizations entry (the user's report)
    fleet.repo.write('web/fleet.yaml', `name: web\nnamespace: ${NS}\ntargetCustomizations:\n- {name: dev, clusterSelector: {matchLabels: {env: dev}}\n`);
    const broken = await push('break fleet.yaml');
    const bundle = await eventually('bundle Failed', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === `${SOURCE}-web`);
      assert.equal(b?.state, 'Failed');
      assert.equal(b?.revision, broken);
      return b!;
    }, 20_000);
    assert.equal(bundle.errors[0]?.file, 'web/fleet.yaml');
    assert.match(bundle.errors[0]!.message, /line \d+/);
    await stillThere(['web'], before, 'broken fleet.yaml');
    assert.deepEqual((await fleet.api.targets({ bundle: `${SOURCE}-web` })).map((t) => t.cluster).sort(), SPOKES, 'targets kept');

    fleet.repo.write('web/fleet.yaml', fleetYaml('web'));
    fleet.repo.write('web/cm.yaml', configMap('web').replace('app: web', 'app: web-fixed'));
    const fixed = await push('fix fleet.yaml');
    await fleet.waitForRevision(`${SOURCE}-web`, fixed, SPOKES);
    assert.deepEqual(await uids('web'), before.web, 'updated in place');
    assert.equal(((await fleet.kubectl('spoke1').get('configmap', 'web', NS))?.data as Record<string, string> | undefined)?.app, 'web-fixed');
  });

  it('test 2: the bundle moved to another directory with the same name: no object deleted or re-created', async () => {
    const before = { web: await uids('web') };
    fleet.repo.remove('web');
    fleet.repo.write('apps/web/fleet.yaml', fleetYaml('web'));
    fleet.repo.write('apps/web/cm.yaml', configMap('web').replace('app: web', 'app: web-fixed'));
    const moved = await push('move web to apps/web');
    await eventually('bundle at its new path', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === `${SOURCE}-web`);
      assert.deepEqual([b?.path, b?.state, b?.revision], ['apps/web', 'Ready', moved]);
    }, 20_000);
    await stillThere(['web'], before, 'moved bundle');
    for (const t of await fleet.api.targets({ bundle: `${SOURCE}-web` })) {
      assert.deepEqual(t.applied?.resources.filter((r) => r.action === 'pruned') ?? [], [], `${t.cluster} pruned nothing`);
    }
  });

  it('test 3: two bundles with the same name are both Failed, naming both paths; nothing is pruned', async () => {
    const before = { web: await uids('web') };
    fleet.repo.write('copy/fleet.yaml', fleetYaml('web'));
    fleet.repo.write('copy/cm.yaml', configMap('web-copy'));
    await push('a second bundle named web');
    const bundle = await eventually('bundle Failed for the duplicate', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === `${SOURCE}-web`);
      assert.equal(b?.state, 'Failed');
      return b!;
    }, 20_000);
    assert.deepEqual(bundle.errors.map((e) => e.file).sort(), ['apps/web', 'copy']);
    assert.ok(bundle.errors.every((e) => /also the id of/.test(e.message)), JSON.stringify(bundle.errors));
    await stillThere(['web'], before, 'duplicate name');
    assert.deepEqual(await uids('web-copy'), { spoke1: undefined, spoke2: undefined }, 'nothing published under the shared id');

    fleet.repo.remove('copy');
    const fixed = await push('drop the duplicate');
    await eventually('bundle Ready again', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === `${SOURCE}-web`);
      assert.deepEqual([b?.state, b?.revision], ['Ready', fixed]);
    }, 20_000);
    assert.deepEqual(await uids('web'), before.web);
  });

  it('test 4: a commit that removes most bundles waits for confirmation, then prunes; the confirmation is audited', async () => {
    for (const b of ['b1', 'b2', 'b3']) {
      fleet.repo.write(`${b}/fleet.yaml`, fleetYaml(b));
      fleet.repo.write(`${b}/cm.yaml`, configMap(b));
    }
    const added = await push('three more bundles');
    for (const b of ['b1', 'b2', 'b3']) await fleet.waitForRevision(`${SOURCE}-${b}`, added, SPOKES);
    const before = { b1: await uids('b1'), b2: await uids('b2'), b3: await uids('b3'), web: await uids('web') };

    // 6 of 8 targets: more than half, and at least 5 → held
    for (const b of ['b1', 'b2', 'b3']) fleet.repo.remove(b);
    const removed = await push('remove three bundles');
    const held = await eventually('withdrawal held', async () => {
      const s = await source();
      assert.equal(s.withdrawalHold?.revision, removed);
      return s.withdrawalHold!;
    }, 20_000);
    assert.equal(held.total, 8);
    assert.deepEqual(held.targets.map((t) => `${t.cluster}/${t.bundleId}`).sort(), SPOKES.flatMap((s) => ['b1', 'b2', 'b3'].map((b) => `${s}/${SOURCE}-${b}`)).sort());
    assert.match(held.reason, /would withdraw 6 of 8 targets/);
    await stillThere(['b1', 'b2', 'b3', 'web'], before, 'held mass withdrawal');
    assert.equal((await fleet.api.targets({ bundle: `${SOURCE}-b1` })).length, 2, 'targets still listed while held');

    // confirming another revision is refused; nothing held on another source
    await assert.rejects(fleet.api.post(`/api/v1/sources/${SOURCE}/confirm-withdrawal`, { revision: 'f'.repeat(40) }), (e: HubApiError) => e.status === 409);
    const confirmed = await fleet.api.post<SourceView>(`/api/v1/sources/${SOURCE}/confirm-withdrawal`, { revision: removed });
    assert.equal(confirmed.withdrawalHold, null, 'the hold is cleared by the run the confirmation starts');
    for (const b of ['b1', 'b2', 'b3']) {
      await eventually(`${b} pruned on every cluster`, async () => assert.deepEqual(await uids(b), { spoke1: undefined, spoke2: undefined }), 20_000);
    }
    assert.deepEqual(await uids('web'), before.web, 'the remaining bundle is untouched');
    const audit = await fleet.api.audit(200);
    const entry = audit.find((a) => a.path === `/api/v1/sources/${SOURCE}/confirm-withdrawal` && a.outcome === 200);
    assert.ok(entry, 'the confirmation is in the audit log');
    assert.equal(entry.actor, 'bootstrap-admin');
    assert.equal(entry.target, SOURCE);

    // the next commit under the guard (2 of 2 targets, fewer than 5) goes through at once
    fleet.repo.remove('apps');
    await push('remove the last bundle');
    await eventually('web pruned on every cluster', async () => assert.deepEqual(await uids('web'), { spoke1: undefined, spoke2: undefined }), 20_000);
    assert.equal((await source()).withdrawalHold, null);
  });
});
