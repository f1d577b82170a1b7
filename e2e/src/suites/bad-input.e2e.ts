// Issue #2, test 5 and "Bad input": a malformed YAML commit marks that bundle failed with the
// file named, every cluster keeps the previous revision, and other bundles carry on; an object
// the apiserver rejects fails alone, with the apiserver's reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, fixturePath, needsSharedFixtures, writeStamp } from '../support/index.js';

const SPOKES = ['spoke1', 'spoke3'];
const GUESTBOOK = 'bad-input-guestbook';
const CONFIG = 'bad-input-config';

const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  value: "${value}"
`;

describe('bad input: a broken commit does not break the fleet', needsSharedFixtures(), () => {
  let fleet: Fleet;
  let good: string;
  before(async () => {
    fleet = await Fleet.start({ name: 'bad-input', clusters: { spoke1: { env: 'dev' }, spoke3: { env: 'prod' } }, namespaces: ['e2e-bad-guestbook', 'e2e-bad-config'] });
    fleet.repo.copy(fixturePath('argocd-example-apps/guestbook'), 'guestbook');
    fleet.repo.write('guestbook/fleet.yaml', 'namespace: e2e-bad-guestbook\n');
    fleet.repo.write('config/fleet.yaml', 'namespace: e2e-bad-config\n');
    fleet.repo.write('config/settings.yaml', configMap('one'));
    good = await fleet.repo.commitAndPush('guestbook and config');
    await fleet.api.createSource({ name: 'bad-input', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(GUESTBOOK, good, SPOKES);
    await fleet.waitForRevision(CONFIG, good, SPOKES);
  });
  after(async () => fleet?.stop());

  it('malformed YAML: the bundle is failed naming the file; clusters keep the previous revision; other bundles carry on', async () => {
    // write stamps, not resourceVersions: kube-controller-manager on spoke1 writes the Deployment's status
    const uiBefore = await fleet.kubectl('spoke1').get('deployment', 'guestbook-ui', 'e2e-bad-guestbook', { managedFields: true });
    fleet.repo.write('guestbook/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n');
    fleet.repo.write('config/settings.yaml', configMap('two'));
    const broken = await fleet.repo.commitAndPush('a malformed manifest, and a good change elsewhere');
    await fleet.api.pushWebhook('bad-input', broken);

    await fleet.waitForRevision(CONFIG, broken, SPOKES);
    const cm = await fleet.kubectl('spoke3').get('configmap', 'settings', 'e2e-bad-config');
    assert.equal((cm?.['data'] as Record<string, string>)['value'], 'two', 'the good bundle carried on');

    const bundle = (await fleet.api.bundles()).find((b) => b.id === GUESTBOOK);
    assert.equal(bundle?.state, 'Failed');
    assert.ok(bundle?.errors.some((e) => e.file.endsWith('guestbook/broken.yaml')), `error names the file: ${JSON.stringify(bundle?.errors)}`);
    for (const t of await fleet.api.targets({ bundle: GUESTBOOK })) {
      assert.equal(t.desired.revision, good, `${t.cluster} keeps the previous desired revision`);
      assert.equal(t.applied?.revision, good, `${t.cluster} keeps the previous applied revision`);
    }
    const uiAfter = await fleet.kubectl('spoke1').get('deployment', 'guestbook-ui', 'e2e-bad-guestbook', { managedFields: true });
    assert.ok(uiBefore && uiAfter, 'guestbook-ui exists on spoke1');
    assert.equal(writeStamp(uiAfter), writeStamp(uiBefore), 'nothing of the broken bundle was written');

    // Fixing the file recovers the bundle.
    fleet.repo.remove('guestbook/broken.yaml');
    const fixed = await fleet.repo.commitAndPush('fix');
    await fleet.api.pushWebhook('bad-input', fixed);
    await eventually('guestbook bundle Ready again', async () => {
      const b = (await fleet.api.bundles()).find((x) => x.id === GUESTBOOK);
      if (b?.state !== 'Ready' || b.revision !== fixed) throw new Error(`state ${b?.state} at ${b?.revision}`);
    });
  });

  it('an object the apiserver rejects fails alone, with the apiserver\'s reason', async () => {
    fleet.repo.write('config/bad-deployment.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: negative
spec:
  replicas: -1
  selector:
    matchLabels: { app: negative }
  template:
    metadata:
      labels: { app: negative }
    spec:
      containers:
        - name: app
          image: registry.invalid/app:1
`);
    fleet.repo.write('config/settings.yaml', configMap('three'));
    const revision = await fleet.repo.commitAndPush('a deployment the apiserver refuses');
    await fleet.api.pushWebhook('bad-input', revision);
    const target = await eventually('config bundle reported failed', async () => {
      const t = (await fleet.api.targets({ cluster: 'spoke1', bundle: CONFIG }))[0];
      if (t?.applied?.revision !== revision || t.status !== 'Failed') throw new Error(`status ${t?.status} at ${t?.applied?.revision}`);
      return t;
    });
    const failed = target.applied!.resources.filter((r) => r.action === 'failed');
    assert.deepEqual(failed.map((r) => `${r.kind}/${r.name}`), ['Deployment/negative']);
    assert.match(failed[0]!.message, /replicas/i, 'the apiserver\'s reason is reported');
    const cm = await fleet.kubectl('spoke1').get('configmap', 'settings', 'e2e-bad-config');
    assert.equal((cm?.['data'] as Record<string, string>)['value'], 'three', 'the other objects were applied');
  });
});
