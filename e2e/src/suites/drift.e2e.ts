// Issue #3, tests 1–3: an operator changes a cluster with kubectl. Drift is reported with a
// readable diff and the field manager; with selfHeal it is reverted, without it stays reported.
// A deleted object is re-created or reported Missing. Server defaults, status and a field owned
// by an autoscaler never show as drift; a fight with another writer is reported, not looped.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@gitfleet/testing';
import { Fleet, fixturePath, needsSharedFixtures, type ObjectDriftView, type TargetView } from '../support/index.js';

const NS = 'e2e-drift';
const BUNDLE = 'drift-simple';
const HEAL = 'spoke1'; // selfHeal (gitfleet's default)
const REPORT = 'spoke2'; // correctDrift.enabled=false (Fleet's alias): drift is only reported

const driftOf = (t: TargetView, name: string): ObjectDriftView | undefined => t.drift.find((d) => d.object.name === name);
const replicas = async (fleet: Fleet, spoke: string, name: string) =>
  ((await fleet.kubectl(spoke).get('deployment', name, NS))?.spec as { replicas?: number } | undefined)?.replicas;

describe('drift: live edits are reported, healed or left', needsSharedFixtures(), () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'drift', clusters: { [HEAL]: { env: 'dev' }, [REPORT]: { env: 'test' } }, namespaces: [NS] });
    fleet.repo.copy(fixturePath('fleet-examples/simple'), 'simple');
    fleet.repo.write('simple/fleet.yaml', `namespace: ${NS}
targetCustomizations:
- name: test
  clusterSelector:
    matchLabels:
      env: test
  correctDrift:
    enabled: false
`);
    const revision = await fleet.repo.commitAndPush('simple app');
    await fleet.api.createSource({ name: 'drift', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, revision, [HEAL, REPORT]);
  });
  after(async () => fleet?.stop());

  it('server defaults and status are never drift', async () => {
    await sleep(2_000);
    for (const spoke of [HEAL, REPORT]) {
      const t = await fleet.api.target(spoke, BUNDLE);
      assert.deepEqual(t.drift, [], `${spoke} reports no drift right after the apply`);
      assert.equal(t.syncStatus, 'Synced');
    }
  });

  it('kubectl scale: reverted with selfHeal; reported with path, values and manager without it', async () => {
    await fleet.kubectl(HEAL).run('scale', 'deployment', 'frontend', '-n', NS, '--replicas=5');
    await fleet.kubectl(REPORT).run('scale', 'deployment', 'frontend', '-n', NS, '--replicas=5');

    await eventually('frontend scaled back to 3 on the self-healing cluster', async () => assert.equal(await replicas(fleet, HEAL, 'frontend'), 3), 10_000);
    const drift = await eventually('drift reported on the report-only cluster', async () => {
      const t = await fleet.api.target(REPORT, BUNDLE);
      const d = driftOf(t, 'frontend');
      assert.ok(d, `no drift for frontend yet: ${JSON.stringify(t.drift)}`);
      assert.equal(t.syncStatus, 'OutOfSync');
      return d;
    }, 10_000);
    const diff = drift.diffs.find((x) => x.path === '/spec/replicas');
    assert.ok(diff, `diff names /spec/replicas: ${JSON.stringify(drift.diffs)}`);
    assert.equal(JSON.parse(diff.desired), 3);
    assert.equal(JSON.parse(diff.live), 5);
    assert.match(diff.manager, /kubectl/, 'the field manager that wrote it is named');
    assert.equal(drift.healed, false);
    await sleep(2_000);
    assert.equal(await replicas(fleet, REPORT, 'frontend'), 5, 'without selfHeal the edit stays');
    const healed = await fleet.api.get<Array<{ drift?: ObjectDriftView[] }>>(`/api/v1/targets/${HEAL}/${BUNDLE}/history?limit=100`);
    assert.ok(healed.some((r) => (r.drift ?? []).some((d) => d.object.name === 'frontend' && d.healed)), 'the self-healing cluster reported the drift it healed');
  });

  it('kubectl set image is drift', async () => {
    await fleet.kubectl(REPORT).run('set', 'image', 'deployment/redis-master', '-n', NS, 'master=registry.invalid/redis:drifted');
    const d = await eventually('image drift reported', async () => {
      const x = driftOf(await fleet.api.target(REPORT, BUNDLE), 'redis-master');
      assert.ok(x?.diffs.some((f) => f.path === '/spec/template/spec/containers/0/image'), JSON.stringify(x));
      return x!;
    }, 10_000);
    const image = d.diffs.find((f) => f.path === '/spec/template/spec/containers/0/image')!;
    assert.equal(JSON.parse(image.live), 'registry.invalid/redis:drifted');
  });

  it('kubectl delete: re-created with selfHeal, reported Missing without', async () => {
    await fleet.kubectl(HEAL).run('delete', 'deployment', 'redis-slave', '-n', NS, '--wait=true');
    await fleet.kubectl(REPORT).run('delete', 'deployment', 'redis-slave', '-n', NS, '--wait=true');
    await eventually('redis-slave re-created', async () => assert.ok(await fleet.kubectl(HEAL).get('deployment', 'redis-slave', NS)), 10_000);
    await eventually('redis-slave reported missing', async () => {
      const t = await fleet.api.target(REPORT, BUNDLE);
      assert.equal(driftOf(t, 'redis-slave')?.missing, true, JSON.stringify(t.drift));
      assert.equal(t.health.status, 'Missing', `target health: ${JSON.stringify(t.health)}`);
    }, 10_000);
    assert.equal(await fleet.kubectl(REPORT).get('deployment', 'redis-slave', NS), undefined, 'not re-created without selfHeal');
  });

  it('a field an autoscaler owns is not drift', async () => {
    await fleet.kubectl(HEAL).run('patch', 'deployment', 'redis-master', '-n', NS, '--type=merge', '--field-manager=horizontal-pod-autoscaler', '-p', '{"spec":{"replicas":4}}');
    await sleep(3_000);
    assert.equal(await replicas(fleet, HEAL, 'redis-master'), 4, 'the autoscaler\'s value stays');
    const t = await fleet.api.target(HEAL, BUNDLE);
    assert.equal(driftOf(t, 'redis-master'), undefined, `no drift for the autoscaled field: ${JSON.stringify(t.drift)}`);
  });

  it('a fight with another writer is reported, not looped', async () => {
    let fighting = true;
    const fighter = (async () => {
      while (fighting) {
        await fleet.kubectl(HEAL).run('patch', 'deployment', 'frontend', '-n', NS, '--type=merge', '--field-manager=fighter', '-p', '{"spec":{"replicas":7}}').catch(() => undefined);
        await sleep(300);
      }
    })();
    try {
      const conflict = await eventually('conflict reported', async () => {
        const d = driftOf(await fleet.api.target(HEAL, BUNDLE), 'frontend');
        assert.ok(d?.conflict, JSON.stringify(d));
        return d.conflict;
      }, 30_000, 300);
      assert.equal(conflict.manager, 'fighter');
      assert.match(conflict.message, /replicas/);
    } finally {
      fighting = false;
      await fighter;
    }
    await sleep(3_000);
    assert.equal(await replicas(fleet, HEAL, 'frontend'), 7, 'self-heal backed off instead of looping');
  });
});
