// Issue #9, tests 5, 9 and 10: what the agent writes, checked with kubectl on spoke3 (which runs
// kube-controller-manager and KWOK, so a real HorizontalPodAutoscaler acts there).
//   5. replicas set by a real HPA (minReplicas 4 above Git's 2: it scales without metrics) and by
//      a field manager named in an ignore rule (`kubectl apply --server-side --field-manager
//      my-autoscaler`) stay where the autoscaler put them through more than three resyncs (period
//      2 s), a heal of another field and a manual sync.
//  10. an object made by client-side `kubectl apply` with keys a and b, adopted by a bundle with a
//      only: b is gone after the agent's apply.
//   9. the agent restarted while NATS is stopped heals a manual edit within seconds (from its
//      state cache); its status reaches the hub once NATS is back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const NS = 'e2e-writes';
const SPOKE = 'spoke3';
const SOURCE = 'writes';
const BUNDLE = 'writes-app';
const RESYNC_S = 2;

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: registry.invalid/web:1
        resources: {requests: {cpu: 100m}}
`;

/** Lines of the agent's log files (every start) whose msg matches, parsed. */
function agentLog(fleet: Fleet, msg: string): Array<Record<string, unknown>> {
  return fleet.logFiles().filter((f) => /agent-/.test(f)).flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === msg);
}

describe('writes: ignored fields are never written; client-side apply is taken over; cold start without NATS', () => {
  let fleet: Fleet;
  let dir: string;
  const k = () => fleet.kubectl(SPOKE);
  const replicas = async (name: string) => ((await k().get('deployment', name, NS))?.spec as { replicas?: number } | undefined)?.replicas;
  const resyncsSince = (t: number) => agentLog(fleet, 'reconciled').filter((l) => l.trigger === 'resync' && l.mode === 'apply' && l.bundleId === BUNDLE && Number(l.time) > t).length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gf-e2e-writes-'));
    fleet = await Fleet.start({ name: 'writes', clusters: { [SPOKE]: { env: 'prod' } }, namespaces: [NS], agentArgs: ['--resync-interval', String(RESYNC_S)] });
    await k().run('delete', 'horizontalpodautoscalers', '-n', NS, '--all', '--ignore-not-found');
    // test 10's object exists before any bundle: made by client-side kubectl apply
    await k().run('create', 'namespace', NS).catch(() => undefined);
    const legacy = join(dir, 'legacy.json');
    writeFileSync(legacy, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'legacy', namespace: NS }, data: { a: '1', b: '2' } }));
    await k().run('delete', 'configmap', 'legacy', '-n', NS, '--ignore-not-found');
    await k().run('apply', '-f', legacy);

    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}
gitfleet:
  ignoreDifferences:
  - kind: Deployment
    name: by-manager
    jsonPointers: [/spec/replicas]
    managers: [my-autoscaler]
`);
    fleet.repo.write('app/by-hpa.yaml', deployment('by-hpa'));
    fleet.repo.write('app/by-manager.yaml', deployment('by-manager'));
    fleet.repo.write('app/hpa.yaml', `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: by-hpa
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: by-hpa}
  minReplicas: 4
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`);
    fleet.repo.write('app/legacy.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\ndata:\n  a: "1"\n');
    const revision = await fleet.repo.commitAndPush('writes app');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, revision, [SPOKE]);
  });
  after(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('test 10: a key created by client-side kubectl apply and left out of the bundle is gone', async () => {
    const cm = await k().get('configmap', 'legacy', NS);
    assert.deepEqual(cm?.['data'], { a: '1' }, 'b removed by the agent\'s apply');
    assert.equal(cm?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  });

  it('test 5: replicas stay where a real HPA and an ignore-rule manager put them through resyncs, a heal and a manual sync', async () => {
    await eventually('the HPA scaled by-hpa to its minReplicas 4', async () => assert.equal(await replicas('by-hpa'), 4), 60_000, 500);
    const managed = JSON.parse(await k().run('get', 'deployment', 'by-hpa', '-n', NS, '--show-managed-fields', '-o', 'json')) as { metadata: { managedFields?: Array<{ manager: string; subresource?: string }> } };
    const hpaWriter = managed.metadata.managedFields?.find((m) => m.subresource === 'scale');
    assert.ok(hpaWriter, `the HPA wrote replicas through the scale subresource: ${JSON.stringify(managed.metadata.managedFields?.map((m) => m.manager))}`);
    process.stderr.write(`HPA's field manager on the scale subresource: ${hpaWriter.manager}\n`);
    const scale = join(dir, 'scale.json');
    writeFileSync(scale, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'by-manager', namespace: NS }, spec: { replicas: 5 } }));
    await k().run('apply', '--server-side', '--force-conflicts', '--field-manager', 'my-autoscaler', '-f', scale);

    // more than three resync periods, each a full re-apply
    const t0 = Date.now();
    await sleep((3 * RESYNC_S + 2) * 1000);
    await eventually('3 resyncs', async () => assert.ok(resyncsSince(t0) >= 3, `${resyncsSince(t0)} resyncs`), 20_000);
    assert.equal(await replicas('by-hpa'), 4, 'HPA replicas after 3+ resyncs');
    assert.equal(await replicas('by-manager'), 5, 'my-autoscaler replicas after 3+ resyncs');

    // a heal of another field
    await k().run('set', 'image', 'deployment/by-manager', '-n', NS, 'web=registry.invalid/web:drifted');
    await k().run('set', 'image', 'deployment/by-hpa', '-n', NS, 'web=registry.invalid/web:drifted');
    for (const name of ['by-manager', 'by-hpa']) {
      await eventually(`${name} image healed`, async () => {
        const d = await k().get('deployment', name, NS);
        assert.equal((d?.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]?.image, 'registry.invalid/web:1');
      }, 15_000);
    }
    assert.equal(await replicas('by-hpa'), 4, 'HPA replicas after the heal');
    assert.equal(await replicas('by-manager'), 5, 'my-autoscaler replicas after the heal');

    // a manual sync through the hub API
    const before = (await fleet.api.targets({ cluster: SPOKE, bundle: BUNDLE }))[0]?.syncRequest ?? 0;
    await fleet.api.sync(BUNDLE, SPOKE);
    await eventually('the manual sync acted on', async () => {
      const t = (await fleet.api.targets({ cluster: SPOKE, bundle: BUNDLE }))[0];
      assert.ok((t?.syncRequest ?? 0) > before, `syncRequest ${t?.syncRequest}`);
      assert.equal(t?.status, 'Synced');
    }, 30_000);
    assert.equal(await replicas('by-hpa'), 4, 'HPA replicas after the manual sync');
    assert.equal(await replicas('by-manager'), 5, 'my-autoscaler replicas after the manual sync');
    const t = (await fleet.api.targets({ cluster: SPOKE, bundle: BUNDLE }))[0];
    assert.deepEqual(t?.drift.filter((d) => !d.healed), [], 'no unhealed drift reported');
  });

  it('test 9: the agent restarted while NATS is stopped heals a manual edit within seconds; its status arrives after NATS returns', async () => {
    await fleet.stopAgent(SPOKE);
    await fleet.nats.stop();
    await k().run('patch', 'configmap', 'legacy', '-n', NS, '--type=merge', '-p', '{"data":{"a":"edited"}}');
    const startedAt = Date.now();
    fleet.startAgent(SPOKE);
    await eventually('edit healed without NATS', async () => assert.deepEqual((await k().get('configmap', 'legacy', NS))?.['data'], { a: '1' }), 20_000, 200);
    const healMs = Date.now() - startedAt;
    process.stderr.write(`agent start without NATS → manual edit healed: ${healMs} ms\n`);
    assert.ok(healMs < 20_000);
    await sleep(1_000);
    await fleet.nats.start();
    const natsBackAt = Date.now();
    await eventually('a report made while NATS was down reaches the hub', async () => {
      const history = await fleet.api.get<Array<{ reportId: string; observedAt: string }>>(`/api/v1/targets/${SPOKE}/${BUNDLE}/history?limit=1000`);
      assert.ok(history.some((h) => Date.parse(h.observedAt) >= startedAt && Date.parse(h.observedAt) < natsBackAt), `history: ${history.length} entries`);
    }, 60_000, 500);
  });
});
