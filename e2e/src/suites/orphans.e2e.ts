// Issue #9, test 6: on a target with `selfHeal: false`, an object of the bundle is deleted by hand
// and re-created by someone else with the same name (a new uid, without the agent's marks); a
// commit then drops it from the bundle. The agent prunes only what is provably its own (marks and
// the uid it recorded): the re-created object is not deleted (checked with kubectl) and the hub
// reports it orphaned.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const SPOKE = 'spoke1';
const NS = 'e2e-orphans';
const SOURCE = 'orphans';
const BUNDLE = `${SOURCE}-app`;

const configMap = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;

describe('orphans: an object re-created by someone else is never pruned', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'orphans', clusters: { [SPOKE]: { env: 'dev' } }, namespaces: [NS] });
  });
  after(async () => fleet?.stop());

  it('leaves the re-created object alone when the commit drops it, and reports it orphaned', async () => {
    fleet.repo.write('app/fleet.yaml', `namespace: ${NS}\ngitfleet:\n  syncPolicy:\n    selfHeal: false\n`);
    fleet.repo.write('app/keep.yaml', configMap('keep', 'one'));
    fleet.repo.write('app/dropped.yaml', configMap('dropped', 'one'));
    const first = await fleet.repo.commitAndPush('keep and dropped');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, [SPOKE]);
    const k = fleet.kubectl(SPOKE);
    const applied = await k.get('configmap', 'dropped', NS);
    assert.equal(applied?.metadata.labels?.['gitfleet.io/bundle-id'], BUNDLE);

    // someone deletes it and creates their own with the same name (no gitfleet marks)
    await k.run('delete', 'configmap', 'dropped', '-n', NS, '--wait=true');
    await k.run('create', 'configmap', 'dropped', '-n', NS, '--from-literal=owner=someone-else');
    const theirs = await k.get('configmap', 'dropped', NS);
    const theirUid = (theirs?.metadata as { uid?: string } | undefined)?.uid;
    assert.ok(theirUid && theirUid !== (applied?.metadata as { uid?: string }).uid, 'a new object with a new uid');
    assert.equal(theirs?.metadata.labels?.['app.kubernetes.io/managed-by'], undefined, 'without the agent marks');

    // the next commit drops the object from the bundle
    fleet.repo.remove('app/dropped.yaml');
    const second = await fleet.repo.commitAndPush('drop it');
    await fleet.api.pushWebhook(SOURCE, second);
    const [target] = await fleet.waitForRevision(BUNDLE, second, [SPOKE]);
    assert.deepEqual(target!.applied!.resources.filter((r) => r.action === 'pruned'), [], 'nothing pruned');

    const after = await k.get('configmap', 'dropped', NS);
    assert.equal((after?.metadata as { uid?: string } | undefined)?.uid, theirUid, 'their object is still there (same uid)');
    assert.deepEqual(after?.['data'], { owner: 'someone-else' }, 'and untouched');
    assert.ok(await k.get('configmap', 'keep', NS), 'the rest of the bundle stays');
    const reported = await eventually('the hub to report it orphaned', async () => {
      const t = await fleet.api.target(SPOKE, BUNDLE);
      if (!t.orphaned.some((o) => o.kind === 'ConfigMap' && o.name === 'dropped' && o.namespace === NS)) throw new Error(`orphaned ${JSON.stringify(t.orphaned)}`);
      return t;
    }, 30_000);
    assert.deepEqual(reported.orphaned.map((o) => `${o.kind}/${o.namespace}/${o.name}`), [`ConfigMap/${NS}/dropped`]);
  });
});
