// Issue #9, test 8: an agent SIGKILLed in the middle of applying a 500-object bundle (kill -9
// while kubectl sees some but not all of the objects), then restarted, converges; its inventory
// matches the cluster exactly (every object with the bundle's label is in the inventory, with its
// uid, and vice versa); nothing leaked, nothing wrongly deleted. Twice: a first apply (all new
// objects), and a commit that replaces half of them (the kept half keeps its uids, the dropped
// half is pruned, the new half is owned); and a commit that adds objects, killed mid-way, then
// reverted by the next commit while the agent is down: what the killed run created is found (the
// inventory recorded it as pending before the apply) and pruned, nothing leaks. The agent applies
// two objects at a time so that the kill lands mid-apply.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, type Kubectl } from '../support/index.js';

const SPOKE = 'spoke2';
const NS = 'e2e-crash-safety';
const SOURCE = 'crash-safety';
const BUNDLE = `${SOURCE}-app`;
const N = 500;
const AGENT_NAMESPACE = 'gitfleet-system';

/** One multi-document YAML file of ConfigMaps `<prefix>-<i>` for i in [from, to). */
function configMaps(prefix: string, from: number, to: number): string {
  const docs: string[] = [];
  for (let i = from; i < to; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${String(i).padStart(3, '0')}\ndata:\n  i: "${i}"\n`);
  return docs.join('---\n');
}

describe('crash safety: SIGKILL in the middle of a 500-object apply', () => {
  let fleet: Fleet;
  let k: Kubectl;

  /** name → uid of every ConfigMap that carries the bundle's label (kubectl). */
  async function labelled(): Promise<Map<string, string>> {
    const out = await k.run('get', 'configmaps', '-n', NS, '-l', `gitfleet.io/bundle-id=${BUNDLE}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.uid}{"\\n"}{end}');
    return new Map(out.split('\n').filter(Boolean).map((l) => l.split('=') as [string, string]));
  }

  /** name → uid of the objects in the agent's inventory of the bundle (kubectl). */
  async function inventory(): Promise<{ objects: Map<string, string | undefined>; pending: unknown[] | undefined }> {
    const cm = await k.get('configmap', `gitfleet-inventory-${BUNDLE}`, AGENT_NAMESPACE);
    const doc = JSON.parse((cm?.['data'] as Record<string, string>)['inventory.json']!) as { objects: Array<{ name: string; uid?: string }>; pending?: unknown[] };
    return { objects: new Map(doc.objects.map((o) => [o.name, o.uid])), pending: doc.pending };
  }

  /** Publishes `revision` and SIGKILLs the agent once kubectl sees the apply under way. */
  async function killMidApply(revision: string, applying: (live: Map<string, string>) => number): Promise<void> {
    await fleet.api.pushWebhook(SOURCE, revision);
    const seen = await eventually('the apply to be under way (kubectl sees some, not all)', async () => {
      const n = applying(await labelled());
      if (n < 5 || n >= N / 2) throw new Error(`${n} applied`);
      return n;
    }, 120_000, 50);
    const agent = fleet.agents.get(SPOKE)!;
    agent.child.kill('SIGKILL');
    await agent.stop();
    assert.equal(agent.child.signalCode, 'SIGKILL');
    const done = applying(await labelled());
    assert.ok(done > 0 && done < N / 2, `killed in the middle: ${seen} seen, ${done} of ${N / 2} applied when it died`);
  }

  /** Waits until the hub has published `revision` for the spoke (the agent may be down). */
  async function published(revision: string): Promise<void> {
    await eventually(`the hub to publish ${revision.slice(0, 8)}`, async () => {
      const t = await fleet.api.target(SPOKE, BUNDLE);
      if (t.desired.revision !== revision) throw new Error(`desired ${t.desired.revision.slice(0, 8)}`);
    }, 60_000);
  }

  /** Restarts the agent and checks convergence: the hub shows `revision` applied, inventory = cluster. */
  async function restartAndConverge(revision: string): Promise<Map<string, string>> {
    fleet.startAgent(SPOKE);
    await fleet.waitForRevision(BUNDLE, revision, [SPOKE], { timeoutMs: 180_000 });
    const live = await labelled();
    const inv = await inventory();
    assert.deepEqual([...inv.objects].sort(), [...live].sort(), 'inventory = cluster: the same names with the same uids');
    assert.equal(inv.pending, undefined, 'nothing left pending');
    return live;
  }

  before(async () => {
    fleet = await Fleet.start({ name: 'crash-safety', clusters: { [SPOKE]: { env: 'test' } }, namespaces: [NS], agentArgs: ['--apply-concurrency', '2'] });
    k = fleet.kubectl(SPOKE);
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('app/keep.yaml', configMaps('keep', 0, N / 2));
    fleet.repo.write('app/old.yaml', configMaps('old', N / 2, N));
  });
  after(async () => fleet?.stop());

  it('a first apply killed mid-way converges after a restart: inventory = cluster, nothing leaked', async () => {
    const revision = await fleet.repo.commitAndPush('500 ConfigMaps');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    // createSource syncs at once; the webhook below only repeats it
    await killMidApply(revision, (live) => (live.size < N ? live.size : N));
    const live = await restartAndConverge(revision);
    assert.equal(live.size, N, 'every object of the bundle exists once');
  });

  it('a commit that replaces half the objects, killed mid-way: the kept half keeps its uids, the dropped half is pruned', async () => {
    const before = await labelled();
    fleet.repo.remove('app/old.yaml');
    fleet.repo.write('app/new.yaml', configMaps('new', N / 2, N));
    const revision = await fleet.repo.commitAndPush('replace old by new');
    await killMidApply(revision, (live) => [...live.keys()].filter((n) => n.startsWith('new-')).length);
    const live = await restartAndConverge(revision);
    assert.equal(live.size, N);
    assert.deepEqual([...live.keys()].filter((n) => n.startsWith('old-')), [], 'the dropped objects are pruned');
    for (const [name, uid] of before) {
      if (name.startsWith('keep-')) assert.equal(live.get(name), uid, `${name} was not deleted or re-created`);
    }
    assert.equal([...live.keys()].filter((n) => n.startsWith('new-')).length, N / 2);
  });

  it('objects a killed run created, then dropped by the next commit while the agent is down, are pruned: nothing leaks', async () => {
    fleet.repo.write('app/extra.yaml', configMaps('extra', N, N + N / 2));
    const adding = await fleet.repo.commitAndPush('add extra');
    await killMidApply(adding, (live) => [...live.keys()].filter((n) => n.startsWith('extra-')).length);
    const created = [...(await labelled()).keys()].filter((n) => n.startsWith('extra-'));
    assert.ok(created.length > 0, 'the killed run created some extra objects');
    fleet.repo.remove('app/extra.yaml');
    const reverting = await fleet.repo.commitAndPush('drop extra again');
    await fleet.api.pushWebhook(SOURCE, reverting);
    await published(reverting);
    const live = await restartAndConverge(reverting);
    assert.deepEqual([...live.keys()].filter((n) => n.startsWith('extra-')), [], `the ${created.length} extra objects the killed run created are pruned`);
    assert.equal(live.size, N);
  });
});
