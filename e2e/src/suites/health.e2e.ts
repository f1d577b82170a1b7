// Issue #3, test 5: health on a spoke with a real controller-manager, scheduler and KWOK nodes.
// A good Deployment goes Progressing → Healthy; one with an impossible node selector goes
// Degraded with the cause; a CRD goes Healthy once Established. Worst resources come first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';

const SPOKE = 'spoke3'; // the test bed runs kube-controller-manager, kube-scheduler and KWOK here
const APPS = 'health-apps';
const CRDS = 'health-crds';

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  progressDeadlineSeconds: 15
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:${extra}
      containers:
      - name: app
        image: registry.invalid/app:1
`;

describe('health: honest status from real controllers', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: 'health', clusters: { [SPOKE]: { env: 'prod' } }, namespaces: ['e2e-health'] });
    fleet.repo.write('apps/fleet.yaml', 'namespace: e2e-health\n');
    fleet.repo.write('apps/good.yaml', deployment('good'));
    fleet.repo.write('apps/stuck.yaml', deployment('stuck', '\n      nodeSelector: { nope: nope }'));
    fleet.repo.write('crds/fleet.yaml', 'labels:\n  tier: crds\n'); // its own bundle (Fleet: a folder without fleet.yaml belongs to the bundle above)
    fleet.repo.write('crds/widgets.yaml', `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.e2e.gitfleet.io
spec:
  group: e2e.gitfleet.io
  names: { kind: Widget, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`);
    const revision = await fleet.repo.commitAndPush('apps and a CRD');
    await fleet.api.createSource({ name: 'health', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    // applied (Synced or Failed, either way: health is what the tests look at)
    await eventually(`${APPS} applied at ${revision.slice(0, 8)}`, async () => assert.equal((await fleet.api.target(SPOKE, APPS)).applied?.revision, revision), 60_000, 300);
  });
  after(async () => fleet?.stop());

  it('a good Deployment goes Healthy; an unschedulable one goes Degraded with the cause', async () => {
    const t = await eventually('good Healthy and stuck Degraded', async () => {
      const x = await fleet.api.target(SPOKE, APPS);
      const res = (name: string) => x.applied?.resources.find((r) => r.name === name) as unknown as { health?: { status: string; message: string } } | undefined;
      assert.equal(res('good')?.health?.status, 'Healthy', JSON.stringify(res('good')));
      assert.equal(res('stuck')?.health?.status, 'Degraded', JSON.stringify(res('stuck')));
      return x;
    }, 90_000, 500);
    const stuck = t.applied!.resources.find((r) => r.name === 'stuck') as unknown as { health: { message: string } };
    assert.match(stuck.health.message, /unschedulable|ProgressDeadlineExceeded|node/i, 'the cause is named');
    assert.equal(t.health.status, 'Degraded', 'the target rolls up to its worst object');
    assert.equal(t.applied!.resources[0]!.name, 'stuck', 'worst resources first');
    const bundle = await fleet.api.get<{ health: { status: string } }>(`/api/v1/bundles/${APPS}`);
    assert.equal(bundle.health.status, 'Degraded', 'the bundle rolls up across the fleet');
    const cluster = await fleet.api.get<{ health: { status: string } }>(`/api/v1/clusters/${SPOKE}`);
    assert.equal(cluster.health.status, 'Degraded', 'the cluster rolls up over its targets');
  });

  it('a CRD goes Healthy once Established', async () => {
    await eventually('CRD healthy', async () => {
      const x = await fleet.api.target(SPOKE, CRDS);
      const crd = x.applied?.resources.find((r) => r.kind === 'CustomResourceDefinition') as unknown as { health?: { status: string } } | undefined;
      assert.equal(crd?.health?.status, 'Healthy', JSON.stringify(crd));
      assert.equal(x.health.status, 'Healthy');
    }, 30_000);
  });
});
