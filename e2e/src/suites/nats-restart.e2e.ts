// Issue #2, test 6: NATS restarted while an agent runs. The agent keeps enforcing its last
// desired state and buffers its status reports; after the restart the desired-state watch and
// the hub's status consumer both resume, and every report the agent made reaches the hub.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@gitfleet/testing';
import { Fleet, fixturePath, needsSharedFixtures } from '../support/index.js';

const NS = 'e2e-nats';
const BUNDLE = 'nats-restart-guestbook';
const SPOKE = 'spoke2';

/** Report ids the agent logged as produced (it logs every report it sends or buffers). */
function reportIdsInLog(logFile: string, bundleId: string): string[] {
  const ids: string[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { reportId?: string; bundleId?: string; msg?: string };
    if (entry.reportId && entry.bundleId === bundleId && entry.msg === 'status report produced') ids.push(entry.reportId);
  }
  return ids;
}

describe('NATS restart: nothing is lost', needsSharedFixtures(), () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'nats-restart', clusters: { [SPOKE]: { env: 'test' } }, namespaces: [NS], agentArgs: ['--resync-interval', '2'] });
  });
  after(async () => {
    await fleet?.stop();
  });

  it('keeps enforcing while NATS is down, then recovers desired state and status', async () => {
    fleet.repo.copy(fixturePath('argocd-example-apps/kustomize-guestbook'), 'guestbook');
    fleet.repo.write('guestbook/fleet.yaml', `namespace: ${NS}\n`);
    const first = await fleet.repo.commitAndPush('kustomize guestbook');
    await fleet.api.createSource({ name: 'nats-restart', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, [SPOKE]);
    const k = fleet.kubectl(SPOKE);
    const deployment = (await k.list('deployments', NS))[0]?.metadata.name;
    assert.ok(deployment, 'the kustomize app is deployed');

    await fleet.nats.stop();
    // While NATS is down the agent still enforces: a deleted object comes back from its resync.
    await k.run('delete', 'deployment', deployment, '-n', NS, '--wait=true');
    await eventually('deployment re-created without NATS', async () => assert.ok(await k.get('deployment', deployment, NS)), 30_000);
    await sleep(3_000); // at least one more resync, so reports pile up in the agent's buffer
    await fleet.nats.start();

    const agentLog = fleet.agents.get(SPOKE)!.logFile;
    await eventually('every report the agent produced is in the hub history', async () => {
      const produced = reportIdsInLog(agentLog, BUNDLE);
      const history = await fleet.api.get<Array<{ reportId: string }>>(`/api/v1/targets/${SPOKE}/${BUNDLE}/history?limit=1000`);
      const stored = new Set(history.map((h) => h.reportId));
      const missing = produced.filter((id) => !stored.has(id));
      assert.ok(produced.length >= 3, `agent produced ${produced.length} reports`);
      assert.deepEqual(missing, [], `${missing.length} of ${produced.length} reports missing`);
    }, 60_000, 500);

    // The desired-state watch resumed: a new commit still reaches the cluster.
    fleet.repo.write('guestbook/extra.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-restart\ndata:\n  ok: "yes"\n');
    fleet.repo.write('guestbook/kustomization.yaml', readFileSync(`${fleet.repo.workdir}/guestbook/kustomization.yaml`, 'utf8').replace(/resources:\n/, 'resources:\n- extra.yaml\n'));
    const second = await fleet.repo.commitAndPush('after the restart');
    await fleet.api.pushWebhook('nats-restart', second);
    await fleet.waitForRevision(BUNDLE, second, [SPOKE]);
    assert.ok(await k.get('configmap', 'kustomize-after-restart', NS), 'the new object arrived (the fixture adds namePrefix kustomize-)');
  });
});
