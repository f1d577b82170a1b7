// Issue #11, test 5 (the spoke-side half): the spoke's own operators hold their cluster with a
// ConfigMap in the agent's namespace (kubectl, on a real apiserver); the agent reports it in its
// heartbeat, the clusters API shows it within the heartbeat period and the hub's holds
// (ClusterHoldsService.heldAt, GET /api/v1/holds) report it; deleting the ConfigMap lifts it. The
// agent keeps correcting drift while held. (That held clusters get no new revision is the
// rollout controller's test.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const SPOKE = 'spoke1';
const NS = 'e2e-holds';
const AGENT_NS = 'gitfleet-system';
// a name of this suite's own, so a hold left behind by a failed run never holds another suite's agent
const HOLD_CM = 'e2e-holds-hold';
const BUNDLE = 'holds-app';

interface ClusterHold { reason: string; since: string; source: string }

describe('holds: a spoke-side hold set with kubectl reaches the hub and is lifted', () => {
  let fleet: Fleet;
  const hold = async () => (await fleet.api.get<{ hold: ClusterHold | null }>(`/api/v1/clusters/${SPOKE}`)).hold;
  const held = async () => (await fleet.api.get<Array<{ cluster: string; reason: string }>>('/api/v1/holds')).find((h) => h.cluster === SPOKE);

  before(async () => {
    fleet = await Fleet.start({
      name: 'holds',
      clusters: { [SPOKE]: { env: 'e2e-holds' } },
      namespaces: [NS],
      // heartbeats every 2 s (support/processes.ts); the ConfigMap is read every 0.5 s
      agentArgs: ['--hold-configmap', HOLD_CM, '--hold-poll-interval', '0.5'],
    });
    await fleet.kubectl(SPOKE).run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS, '--ignore-not-found');
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`); // bundle id <source>-<path>: holds-app
    fleet.repo.write('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: holds-app\ndata:\n  color: blue\n');
    const revision = await fleet.repo.commitAndPush('an app');
    await fleet.api.createSource({ name: 'holds', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, revision, [SPOKE]);
  });
  after(async () => {
    await fleet?.kubectl(SPOKE).run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS, '--ignore-not-found');
    await fleet?.stop();
  });

  it('the ConfigMap holds the cluster: shown by the clusters API within the heartbeat period and reported by the hub\'s holds', async () => {
    await eventually('the agent heard from, not held', async () => {
      const c = await fleet.api.get<{ lastSeenAt: string | null; hold: ClusterHold | null }>(`/api/v1/clusters/${SPOKE}`);
      assert.ok(c.lastSeenAt, 'a heartbeat arrived');
      assert.equal(c.hold, null);
    }, 15_000);
    assert.equal(await held(), undefined, 'not in /api/v1/holds before the ConfigMap');

    const started = Date.now();
    await fleet.kubectl(SPOKE).run('create', 'configmap', HOLD_CM, '-n', AGENT_NS, '--from-literal=reason=change freeze: quarter-end close');
    const cm = await fleet.kubectl(SPOKE).get('configmap', HOLD_CM, AGENT_NS);
    const shown = await eventually('the hold in the clusters API', async () => {
      const h = await hold();
      assert.ok(h, 'no hold yet');
      return h;
    }, 10_000, 100);
    const tookMs = Date.now() - started;
    process.stdout.write(`# hold shown by the hub ${tookMs} ms after kubectl create (heartbeat period 2000 ms, ConfigMap poll 500 ms)\n`);
    assert.ok(tookMs < 2_000 + 500 + 1_500, `within the heartbeat period plus the poll period (and ingestion): ${tookMs} ms`);
    assert.deepEqual(shown, {
      reason: 'change freeze: quarter-end close',
      since: new Date(cm!.metadata.creationTimestamp!).toISOString(),
      source: `configmap ${AGENT_NS}/${HOLD_CM}`,
    });
    assert.deepEqual(await held(), { cluster: SPOKE, reason: `spoke-side hold: "change freeze: quarter-end close" (since ${shown.since})` });
  });

  it('while held the agent still corrects drift (it never refuses to apply)', async () => {
    assert.ok(await hold(), 'held');
    await fleet.kubectl(SPOKE).run('patch', 'configmap', 'holds-app', '-n', NS, '--type=merge', '-p', '{"data":{"color":"red"}}');
    await eventually('drift healed while held', async () => {
      const live = await fleet.kubectl(SPOKE).get('configmap', 'holds-app', NS);
      assert.equal((live as unknown as { data: { color: string } }).data.color, 'blue');
    }, 15_000);
    assert.ok(await hold(), 'still held');
  });

  it('a new reason in the ConfigMap is reported; deleting the ConfigMap lifts the hold', async () => {
    await fleet.kubectl(SPOKE).run('patch', 'configmap', HOLD_CM, '-n', AGENT_NS, '--type=merge', '-p', '{"data":{"reason":"extended to Monday"}}');
    await eventually('new reason shown', async () => assert.equal((await hold())?.reason, 'extended to Monday'), 10_000, 100);
    const started = Date.now();
    await fleet.kubectl(SPOKE).run('delete', 'configmap', HOLD_CM, '-n', AGENT_NS);
    await eventually('hold lifted in the clusters API', async () => assert.equal(await hold(), null), 10_000, 100);
    const tookMs = Date.now() - started;
    process.stdout.write(`# hold lifted at the hub ${tookMs} ms after kubectl delete\n`);
    assert.ok(tookMs < 2_000 + 500 + 1_500, `within the heartbeat period plus the poll period (and ingestion): ${tookMs} ms`);
    assert.equal(await held(), undefined, 'gone from /api/v1/holds');
  });
});
