// Issue #11, tests 1-7: staged rollouts on five real spokes (each with
// kube-controller-manager, kube-scheduler and KWOK nodes, so Deployments really become Available
// or fail to). A good revision goes canary → second → the rest, each stage only after the one
// before reported the new digest applied and stayed Healthy; a bad one fails the canary, is
// rolled back there and reaches no other cluster; pause, resume, pin and rollback; a hub
// SIGKILLed mid-rollout resumes without publishing a stage twice; a maintenance window and a
// spoke-side hold each delay their cluster until they open; a stopped agent blocks the gate
// (or is skipped with onStale: skip); dependsOn holds a bundle until its dependency is Ready.
// Every claim about a cluster is checked with kubectl; the rollout API is sampled meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, rolloutAppFiles } from '../support/index.js';

const NS = 'e2e-rollout';
const SPOKES = ['spoke1', 'spoke2', 'spoke3', 'spoke4', 'spoke5'];
const BUNDLE = 'rollout-app';
const MIN_HEALTHY_MS = 3_000;
const AGENT_NS = 'gitfleet-system';
/** The spoke-side hold ConfigMap of this suite's agents (its own name: a leftover never holds another suite). */
const HOLD_CM = 'e2e-rollout-hold';
const DEADLINE = '20s';

/** The rollout status view of GET /api/v1/bundles/:id/rollout (the fields the tests read). */
interface RolloutStatus {
  current?: {
    id: string;
    revision: string;
    phase: string;
    cause?: string;
    previousRevisions: string[];
    skippedStale: string[];
    stages: Array<{ name: string; startedAt?: string; finishedAt?: string }>;
    stageDetails: Array<{
      name: string;
      phase: string;
      maxUnavailable: number;
      counts: { updated: number; healthy: number; failed: number; waiting: number; held: number; stale: number };
      clusters: Array<{ cluster: string; state: string; reason?: string; publishedAt?: string; healthySince?: string; rollback?: { revision?: string; reason: string } }>;
    }>;
  };
  pins: Array<{ cluster: string; revision: string }>;
  history: Array<{ revision: string; phase: string; cause?: string; commitMessage?: string }>;
}

/** A Deployment that cannot schedule (no node has the label) until the nodeSelector goes. */
const DB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 1
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      nodeSelector: { nope: nope }
      containers:
      - name: db
        image: registry.invalid/db:1
`;

const fleetYaml = (extra = '') => `namespace: ${NS}
rolloutStrategy:
  partitions:
  - name: canary
    clusterSelector: { matchLabels: { stage: canary } }
  - name: second
    clusterSelector: { matchLabels: { stage: second } }
  - name: rest
    clusterSelector: { matchLabels: { stage: rest } }
    maxUnavailable: 1
gitfleet:
  rollout:
    minHealthyDuration: ${MIN_HEALTHY_MS / 1000}s
    progressDeadline: ${DEADLINE}
${extra}`;

/** The app at `version`: a ConfigMap naming it and a Deployment that becomes Available (or, `bad`, never schedules). */
function writeApp(fleet: Fleet, version: string, options: { bad?: boolean; yaml?: string } = {}): void {
  fleet.repo.write('app/fleet.yaml', options.yaml ?? fleetYaml());
  for (const [file, text] of Object.entries(rolloutAppFiles(version, options))) fleet.repo.write(`app/${file}`, text);
}

describe('rollout: staged delivery with health gates and automatic rollback', { timeout: 15 * 60_000 }, () => {
  let fleet: Fleet;
  /** Every sample of the live ConfigMap version per spoke: [ms since epoch, spoke, version]. */
  const samples: Array<[number, string, string]> = [];
  /** Every rollout view sampled. */
  const views: RolloutStatus[] = [];
  /** Failed reads of the rollout view while sampling ([ms since epoch, message]): expected only while test 4 restarts the hub. */
  const viewErrors: Array<[number, string]> = [];
  let sampling = false;
  let sampler: Promise<void> | undefined;

  const liveVersion = async (spoke: string) => ((await fleet.kubectl(spoke).get('configmap', 'version', NS))?.['data'] as Record<string, string> | undefined)?.['version'];
  const rollout = () => fleet.api.get<RolloutStatus>(`/api/v1/bundles/${BUNDLE}/rollout`);
  const push = async (message: string) => {
    const revision = await fleet.repo.commitAndPush(message);
    await fleet.api.pushWebhook('rollout', revision);
    return revision;
  };
  /** Samples every spoke's live version and the rollout view every ~300 ms until stopped. */
  const startSampling = () => {
    sampling = true;
    sampler = (async () => {
      while (sampling) {
        const now = Date.now();
        const versions = await Promise.all(SPOKES.map(async (s) => [s, (await liveVersion(s)) ?? ''] as const));
        for (const [s, v] of versions) samples.push([now, s, v]);
        // the hub may be down (test 4 kills it): the error is kept and checked, kubectl sampling goes on
        await rollout().then((v) => views.push(v), (err: unknown) => viewErrors.push([now, String(err)]));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
  };
  const stopSampling = async () => {
    sampling = false;
    await sampler;
  };
  /** When `spoke` was first seen at `version` (ms), or undefined. */
  const firstSeen = (spoke: string, version: string, since = 0) => samples.find(([t, s, v]) => t >= since && s === spoke && v === version)?.[0];
  const waitForVersion = (spokes: string[], version: string, timeoutMs = 90_000) =>
    eventually(`${spokes.join(',')} at ${version}`, async () => {
      for (const s of spokes) assert.equal(await liveVersion(s), version, `${s} runs ${await liveVersion(s)}`);
    }, timeoutMs, 300);
  const waitForPhase = (revision: string, phase: string, timeoutMs = 120_000) =>
    eventually(`rollout of ${revision.slice(0, 8)} ${phase}`, async () => {
      const r = await rollout();
      assert.equal(r.current?.revision, revision, `current rollout is of ${r.current?.revision}`);
      assert.equal(r.current?.phase, phase, `phase ${r.current?.phase}: ${JSON.stringify(r.current?.stageDetails.map((s) => [s.name, s.phase, s.clusters.map((c) => `${c.cluster}:${c.state}`)]))}`);
      return r;
    }, timeoutMs, 300);

  before(async () => {
    fleet = await Fleet.start({
      name: 'rollout',
      clusters: {
        spoke1: { stage: 'canary' },
        spoke2: { stage: 'second' },
        spoke3: { stage: 'rest' },
        spoke4: { stage: 'rest', window: 'nightly' },
        spoke5: { stage: 'rest' },
      },
      namespaces: [NS],
      agentArgs: ['--heartbeat-interval', '1', '--hold-configmap', HOLD_CM, '--hold-poll-interval', '0.5'],
      hubEnv: { GITFLEET_ROLLOUT_INTERVAL_SECONDS: '0.5', GITFLEET_STALE_AFTER_SECONDS: '5' },
    });
    await fleet.kubectl('spoke3').run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS, '--ignore-not-found');
    writeApp(fleet, 'v1');
    const v1 = await fleet.repo.commitAndPush('v1');
    await fleet.api.createSource({ name: 'rollout', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await waitForVersion(SPOKES, 'v1', 120_000);
    await waitForPhase(v1, 'Succeeded');
    startSampling();
  });
  after(async () => {
    try {
      await stopSampling();
    } finally {
      await fleet?.kubectl('spoke3').run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS, '--ignore-not-found');
      await fleet?.api.request('DELETE', '/api/v1/maintenance-windows/rollout-nightly').catch((err: unknown) => {
        if (!String(err).includes('→ 404')) throw err; // deleted by test 5 already
      });
      await fleet?.stop();
    }
  });

  it('1. a good revision goes canary → second → the rest, each stage after the one before stayed Healthy; maxUnavailable holds', async () => {
    const since = Date.now();
    writeApp(fleet, 'v2');
    const v2 = await push('v2: a good change');
    await waitForVersion(SPOKES, 'v2');
    const done = await waitForPhase(v2, 'Succeeded');

    // kubectl: the canary first, then the second stage, then the rest
    const at = (s: string) => firstSeen(s, 'v2', since)!;
    assert.ok(at('spoke1') <= at('spoke2'), `canary ${at('spoke1')} before second ${at('spoke2')}`);
    for (const s of ['spoke3', 'spoke4', 'spoke5']) assert.ok(at('spoke2') <= at(s), `second ${at('spoke2')} before ${s} ${at(s)}`);

    // the gate: each stage started only after the one before finished, and a stage finished only
    // after its clusters stayed Healthy for minHealthyDuration
    const c = done.current!;
    assert.deepEqual(c.stages.map((s) => s.name), ['canary', 'second', 'rest']);
    for (let i = 1; i < c.stages.length; i++) {
      assert.ok(Date.parse(c.stages[i]!.startedAt!) >= Date.parse(c.stages[i - 1]!.finishedAt!), `stage ${c.stages[i]!.name} started after ${c.stages[i - 1]!.name} finished`);
    }
    for (const stage of c.stageDetails) {
      for (const cl of stage.clusters) {
        assert.equal(cl.state, 'Done', `${cl.cluster}: ${cl.state}`);
        const finished = Date.parse(c.stages.find((s) => s.name === stage.name)!.finishedAt!);
        assert.ok(finished - Date.parse(cl.healthySince!) >= MIN_HEALTHY_MS, `${cl.cluster} Healthy ${finished - Date.parse(cl.healthySince!)} ms before its stage finished`);
        assert.ok(Date.parse(cl.healthySince!) >= Date.parse(cl.publishedAt!), `${cl.cluster} Healthy only after it got the new revision`);
      }
    }
    // the second stage's cluster got it only after the canary had been Healthy for minHealthyDuration
    const canary = c.stageDetails[0]!.clusters[0]!;
    const second = c.stageDetails[1]!.clusters[0]!;
    assert.ok(Date.parse(second.publishedAt!) - Date.parse(canary.healthySince!) >= MIN_HEALTHY_MS);
    // maxUnavailable 1: never two clusters of a stage updating at once (every sampled view)
    const sampled = views.filter((v) => v.current?.revision === v2);
    assert.ok(sampled.length > 5, `sampled the rollout ${sampled.length} times`);
    for (const v of sampled) for (const s of v.current!.stageDetails) {
      const unavailable = s.clusters.filter((x) => x.state === 'Updating' || x.state === 'Failed').length;
      assert.ok(unavailable <= 1, `stage ${s.name}: ${unavailable} clusters unavailable at once`);
    }
    // the rest stage really went one at a time (kubectl): three distinct arrival times
    const rest = ['spoke3', 'spoke4', 'spoke5'].map(at).sort((a, b) => a - b);
    assert.ok(rest[1]! - rest[0]! >= MIN_HEALTHY_MS - 1500 && rest[2]! - rest[1]! >= MIN_HEALTHY_MS - 1500, `rest arrivals ${rest.map((t) => t - rest[0]!)}`);
    assert.equal(done.history[0]!.commitMessage, 'v2: a good change');
    assert.deepEqual(viewErrors, [], 'the rollout API answered every sample');
  });

  it('2. a bad revision fails the canary, is rolled back there automatically, and reaches no other cluster', async () => {
    const since = Date.now();
    writeApp(fleet, 'v3', { bad: true });
    const v3 = await push('v3: an unschedulable Deployment');
    await waitForVersion(['spoke1'], 'v3');
    const failed = await waitForPhase(v3, 'RolledBack', 90_000);
    // kubectl: the canary is back on v2, and its Deployment schedules again
    await waitForVersion(['spoke1'], 'v2', 30_000);
    const web = await fleet.kubectl('spoke1').get('deployment', 'web', NS);
    assert.equal((web?.['spec'] as { template: { spec: { nodeSelector?: unknown } } }).template.spec.nodeSelector, undefined, 'the bad nodeSelector is gone');
    // no other cluster ever ran v3
    for (const s of SPOKES.slice(1)) assert.equal(firstSeen(s, 'v3', since), undefined, `${s} never got v3`);
    for (const s of SPOKES.slice(1)) assert.equal(await liveVersion(s), 'v2');
    // the status says why
    const c = failed.current!;
    assert.match(c.cause ?? '', /spoke1/);
    assert.match(c.cause ?? '', /progressDeadline/);
    const canary = c.stageDetails[0]!.clusters[0]!;
    assert.equal(canary.state, 'RolledBack');
    assert.match(canary.rollback?.reason ?? '', /rolled back to/);
    assert.ok(c.stageDetails.slice(1).every((s) => s.clusters.every((x) => !x.publishedAt)), 'later stages never published');
    // a later poll of the same commit does not start it again
    await fleet.api.pushWebhook('rollout', v3);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal((await rollout()).current?.phase, 'RolledBack');
    assert.equal(await liveVersion('spoke1'), 'v2');
  });

  it('2b. a failed first revision of a new bundle is kept where it went (a rollback never withdraws), and goes no further', async () => {
    fleet.repo.write('fresh/fleet.yaml', fleetYaml());
    fleet.repo.write('fresh/web.yaml', DB.replaceAll('db', 'fresh'));
    const rev = await push('a new bundle whose first revision never becomes Available');
    const failed = await eventually('the fresh rollout stopped', async () => {
      const r = await fleet.api.get<RolloutStatus>('/api/v1/bundles/rollout-fresh/rollout');
      assert.equal(r.current?.revision, rev);
      assert.equal(r.current?.phase, 'RolledBack', JSON.stringify(r.current?.stageDetails.map((st) => st.clusters.map((c) => `${c.cluster}:${c.state}`))));
      return r;
    }, 90_000, 500);
    const canary = failed.current!.stageDetails[0]!.clusters[0]!;
    assert.match(canary.rollback?.reason ?? '', /no earlier revision on this cluster: kept on the failed revision/);
    // kubectl: the object is still there on the canary, and nowhere else
    assert.ok(await fleet.kubectl('spoke1').get('deployment', 'fresh', NS), 'kept on the canary');
    for (const s of SPOKES.slice(1)) assert.equal(await fleet.kubectl(s).get('deployment', 'fresh', NS), undefined, `${s} never got it`);
    const targets = await fleet.api.targets({ bundle: 'rollout-fresh' });
    assert.deepEqual(targets.map((t) => t.cluster), ['spoke1'], 'the canary target is not withdrawn');
    fleet.repo.remove('fresh/fleet.yaml');
    fleet.repo.remove('fresh/web.yaml');
    await push('remove the fresh bundle');
    await eventually('fresh withdrawn by the commit that removed it', async () => assert.equal(await fleet.kubectl('spoke1').get('deployment', 'fresh', NS), undefined), 60_000, 500);
  });

  it('3. pause holds the stage, resume continues; a pin holds the fleet while commits arrive; rollback returns every cluster', async () => {
    writeApp(fleet, 'v4');
    const v4 = await push('v4');
    await waitForVersion(['spoke1'], 'v4');
    const paused = await fleet.api.request<RolloutStatus>('POST', `/api/v1/bundles/${BUNDLE}/rollout/pause`);
    assert.equal(paused.current?.phase, 'Paused');
    // well past minHealthyDuration and many gate periods: the second stage does not start
    await new Promise((r) => setTimeout(r, MIN_HEALTHY_MS + 4_000));
    assert.equal(await liveVersion('spoke2'), 'v2', 'paused: the second stage waits');
    const resumed = await fleet.api.request<RolloutStatus>('POST', `/api/v1/bundles/${BUNDLE}/rollout/resume`);
    assert.equal(resumed.current?.phase, 'Progressing');
    await waitForVersion(SPOKES, 'v4');
    await waitForPhase(v4, 'Succeeded');

    // pin the bundle at v4; a new commit waits
    await fleet.api.request('PUT', `/api/v1/bundles/${BUNDLE}/pin`, { revision: v4 });
    writeApp(fleet, 'v5');
    const v5 = await push('v5');
    await new Promise((r) => setTimeout(r, MIN_HEALTHY_MS + 3_000));
    for (const s of SPOKES) assert.equal(await liveVersion(s), 'v4', `${s} stays on the pin`);
    assert.deepEqual((await rollout()).pins.map((p) => [p.cluster, p.revision]), [['', v4]]);

    // roll back to v2: every cluster goes there at once
    const v2 = (await rollout()).history.find((h) => h.commitMessage === 'v2: a good change')!.revision;
    await fleet.api.request('POST', `/api/v1/bundles/${BUNDLE}/rollback`, { revision: v2 });
    await waitForVersion(SPOKES, 'v2', 30_000);
    // a revision the bundle never deployed is refused
    await assert.rejects(fleet.api.request('POST', `/api/v1/bundles/${BUNDLE}/rollback`, { revision: 'abcdef1' }), /→ 400: .*never applied revision abcdef1/);

    // unpin: Git's v5 rolls out again through the stages
    await fleet.api.request('DELETE', `/api/v1/bundles/${BUNDLE}/pin`);
    await waitForVersion(SPOKES, 'v5');
    await waitForPhase(v5, 'Succeeded');
  });

  it('4. a hub SIGKILLed mid-rollout resumes: no stage published twice, no gate skipped', async () => {
    const before = new Map((await fleet.api.targets({ bundle: BUNDLE })).map((t) => [t.cluster, t.desired.generation]));
    writeApp(fleet, 'v6');
    const v6 = await push('v6');
    // kill once the second stage has the new revision and the rest has not
    await waitForVersion(['spoke2'], 'v6');
    assert.equal(await liveVersion('spoke3'), 'v5');
    const killedAt = Date.now();
    await fleet.killAndRestartHub();
    const readyAt = Date.now();
    await waitForVersion(SPOKES, 'v6');
    const done = await waitForPhase(v6, 'Succeeded');
    // the rollout API failed only while the hub was down
    for (const [t, e] of viewErrors) assert.ok(t >= killedAt - 1_000 && t <= readyAt, `rollout API error outside the restart: ${e}`);
    // each target was published exactly once more: generation + 1
    for (const t of await fleet.api.targets({ bundle: BUNDLE })) assert.equal(t.desired.generation, before.get(t.cluster)! + 1, `${t.cluster}: one publish`);
    // the gate held across the restart: each stage after the one before finished
    const c = done.current!;
    for (let i = 1; i < c.stages.length; i++) assert.ok(Date.parse(c.stages[i]!.startedAt!) >= Date.parse(c.stages[i - 1]!.finishedAt!));
    for (const s of c.stageDetails.slice(1)) for (const cl of s.clusters) {
      const prev = c.stageDetails[c.stageDetails.indexOf(s) - 1]!;
      for (const p of prev.clusters) assert.ok(Date.parse(cl.publishedAt!) - Date.parse(p.healthySince!) >= MIN_HEALTHY_MS, `${cl.cluster} after ${p.cluster} stayed Healthy`);
    }
  });

  it('5. a maintenance window and a spoke-side hold each delay their cluster until they open', async () => {
    // spoke3's own operators hold it; spoke4 is covered by a window that opens at the start of a minute at least 25 s away
    await fleet.kubectl('spoke3').run('create', 'configmap', HOLD_CM, '-n', AGENT_NS, '--from-literal=reason=change freeze');
    const opensAt = Math.ceil((Date.now() + 25_000) / 60_000) * 60_000;
    const open = new Date(opensAt);
    await fleet.api.request('POST', '/api/v1/maintenance-windows', {
      name: 'rollout-nightly', schedule: `${open.getUTCMinutes()} ${open.getUTCHours()} * * *`, duration: '30m', clusterSelector: { matchLabels: { window: 'nightly' } },
    });
    await eventually('spoke3 held at the hub', async () => {
      const held = await fleet.api.get<Array<{ cluster: string; reason: string }>>('/api/v1/holds');
      assert.ok(held.some((h) => h.cluster === 'spoke3'), JSON.stringify(held));
    }, 15_000, 300);
    const since = Date.now();
    writeApp(fleet, 'v6b');
    const rev = await push('v6b');
    await waitForVersion(['spoke1', 'spoke2', 'spoke5'], 'v6b', 60_000);
    const r = await rollout();
    const state = (c: string) => r.current!.stageDetails.flatMap((st) => st.clusters).find((x) => x.cluster === c)!;
    assert.equal(state('spoke3').state, 'Held');
    assert.match(state('spoke3').reason!, /spoke-side hold: "change freeze"/);
    assert.equal(state('spoke4').state, 'Held');
    assert.match(state('spoke4').reason!, /outside maintenance window "rollout-nightly"/);
    assert.ok(Date.now() < opensAt, 'the window is still closed');
    assert.equal(await liveVersion('spoke4'), 'v6', 'outside its window: waits');
    assert.equal(await liveVersion('spoke3'), 'v6', 'held: waits');

    // the window opens: spoke4 goes, not before
    await waitForVersion(['spoke4'], 'v6b', 90_000);
    assert.ok(firstSeen('spoke4', 'v6b', since)! >= opensAt, `spoke4 got it ${firstSeen('spoke4', 'v6b', since)! - opensAt} ms after the window opened`);
    assert.equal(await liveVersion('spoke3'), 'v6', 'still held');
    assert.equal((await rollout()).current?.phase, 'Progressing', 'a held cluster keeps its stage open');

    // the spoke lifts its hold: spoke3 goes
    const lifted = Date.now();
    await fleet.kubectl('spoke3').run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS);
    await waitForVersion(['spoke3'], 'v6b', 60_000);
    assert.ok(firstSeen('spoke3', 'v6b', since)! >= lifted);
    await waitForPhase(rev, 'Succeeded');
    await fleet.api.request('DELETE', '/api/v1/maintenance-windows/rollout-nightly');
  });

  it('6. a stopped agent blocks the gate and shows as stale; with onStale: skip the rollout goes on and reports it', async () => {
    await fleet.stopAgent('spoke5');
    // longer than GITFLEET_STALE_AFTER_SECONDS (5) plus a heartbeat period (1 s)
    await new Promise((r) => setTimeout(r, 7_000));
    writeApp(fleet, 'v7');
    const v7 = await push('v7');
    const blocked = await eventually('spoke5 stale in the gate', async () => {
      const r = await rollout();
      assert.equal(r.current?.revision, v7);
      const spoke5 = r.current!.stageDetails.flatMap((st) => st.clusters).find((c) => c.cluster === 'spoke5')!;
      assert.equal(spoke5.state, 'Stale', JSON.stringify(spoke5));
      return r;
    }, 30_000, 300);
    assert.match(blocked.current!.stageDetails.flatMap((st) => st.clusters).find((c) => c.cluster === 'spoke5')!.reason!, /stopped reporting \(the gate waits: onStale block\)/);
    // onStale block: the stale cluster counts as unavailable in its stage, whose maxUnavailable 1
    // then lets no other cluster of it go; the stages before it are not held up
    await waitForVersion(['spoke1', 'spoke2'], 'v7');
    await new Promise((r) => setTimeout(r, MIN_HEALTHY_MS + 3_000));
    const still = await rollout();
    assert.equal(still.current?.phase, 'Progressing', 'the gate waits for the stale cluster');
    assert.equal(still.current?.stageDetails[0]!.counts.stale, 0);
    assert.equal(still.current?.stageDetails[2]!.counts.stale, 1, 'shown as stale in its stage');
    for (const s of ['spoke3', 'spoke4']) assert.equal(await liveVersion(s), 'v6b', `${s} waits`);

    writeApp(fleet, 'v8', { yaml: fleetYaml().replace('    progressDeadline:', '    onStale: skip\n    progressDeadline:') });
    const v8 = await push('v8: onStale skip');
    const done = await waitForPhase(v8, 'Succeeded');
    assert.deepEqual(done.current!.skippedStale, ['spoke5']);
    for (const s of SPOKES.slice(0, 4)) assert.equal(await liveVersion(s), 'v8');
    assert.equal(await liveVersion('spoke5'), 'v6b', 'the stopped agent applied nothing');
    // skipped, not forgotten: it was published the new revision and applies it when it returns
    fleet.startAgent('spoke5');
    await waitForVersion(['spoke5'], 'v8', 60_000);
  });

  it('7. dependsOn: the dependent bundle waits until its dependency is Ready on that cluster', async () => {
    fleet.repo.write('db/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('db/db.yaml', DB);
    fleet.repo.write('uses-db/fleet.yaml', `namespace: ${NS}\ndependsOn:\n- name: rollout-db\n`);
    fleet.repo.write('uses-db/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: uses-db\ndata:\n  a: b\n');
    await push('db (not schedulable yet) and a bundle that depends on it');
    await eventually('db published', async () => assert.ok(await fleet.kubectl('spoke1').get('deployment', 'db', NS)), 30_000);
    await new Promise((r) => setTimeout(r, 5_000));
    for (const s of SPOKES) assert.equal(await fleet.kubectl(s).get('configmap', 'uses-db', NS), undefined, `${s}: the dependent waits`);
    const held = await fleet.api.get<RolloutStatus>('/api/v1/bundles/rollout-uses-db/rollout');
    const c1 = held.current!.stageDetails.flatMap((s) => s.clusters).find((c) => c.cluster === 'spoke1')!;
    assert.equal(c1.state, 'Held');
    assert.match(c1.reason!, /depends on bundle "rollout-db", which is (NotReady|WaitApplied)/);

    fleet.repo.write('db/db.yaml', DB.replace('      nodeSelector: { nope: nope }\n', ''));
    await push('db schedulable');
    await eventually('the dependent deployed once db is Ready', async () => {
      for (const s of SPOKES) assert.ok(await fleet.kubectl(s).get('configmap', 'uses-db', NS), `${s}: uses-db`);
    }, 90_000, 500);
  });
});
