/**
 * Helm's takeOwnership on a real kube-apiserver: a Deployment created beforehand by kubectl
 * (no gitfleet labels, in no inventory) is not taken over by a desired state with
 * take_ownership=false — that object FAILED with the reason, it is left as it was, the rest of
 * the bundle is applied — and it is adopted once take_ownership is true. Once adopted it is
 * gitfleet's, so take_ownership=false applies it again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResourceAction, type ResourceResult, type StatusReport, SyncState } from '@gitfleet/proto';
import { closeSuite, configMap, deployment, kubectl, kubeGet, openSuite, startAgent, type SuiteContext, waitBundleReport } from './testbed.js';

describe('take ownership (Helm takeOwnership)', () => {
  let ctx: SuiteContext;
  let ns: string;
  const BUNDLE = 'take-own';

  before(async () => {
    ctx = await openSuite('takeown', undefined, process.env.GITFLEET_AGENT_TEST_SPOKE ?? 'spoke1');
    ns = `${ctx.id}-app`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    await kubectl(ctx.tb, 'create', 'namespace', ns);
    await kubectl(ctx.tb, 'create', 'deployment', 'web', '-n', ns, '--image=registry.invalid/web:0');
    startAgent(ctx);
  });
  after(() => closeSuite(ctx));

  const objects = () => [deployment('web', ns, { image: 'registry.invalid/web:1' }), configMap('fresh', { v: '1' }, ns)];
  const resource = (r: StatusReport, kind: string, name: string): ResourceResult => {
    const found = r.resources.find((x) => x.kind === kind && x.name === name);
    assert.ok(found, `${kind} ${name} in the report`);
    return found;
  };

  it('take_ownership=false: refuses the existing Deployment, applies the rest', async () => {
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', objects());
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n, takeOwnership: false });
    const r = await waitBundleReport(ctx, BUNDLE, 'report of generation 1', (x) => x.generation === 1n && x.trigger === 'update');
    assert.equal(r.state, SyncState.FAILED);
    const web = resource(r, 'Deployment', 'web');
    assert.equal(web.action, ResourceAction.FAILED);
    assert.equal(web.message, `Deployment ${ns}/web exists and is not managed by gitfleet bundle ${BUNDLE}; set helm.takeOwnership: true to adopt it`);
    assert.equal(resource(r, 'ConfigMap', 'fresh').action, ResourceAction.CREATED);

    const live = await kubeGet(ctx.tb, 'deployment', 'web', ns);
    assert.equal(live?.spec.template.spec.containers[0].image, 'registry.invalid/web:0', 'left as kubectl created it');
    assert.equal(live?.metadata.labels?.['gitfleet.io/bundle-id'], undefined);
    assert.ok(!(live?.metadata.managedFields ?? []).some((m: { manager?: string }) => m.manager === 'gitfleet-agent'), 'no field written by the agent');
    assert.deepEqual((await kubeGet(ctx.tb, 'configmap', 'fresh', ns))?.data, { v: '1' });
  });

  it('take_ownership=true: adopts it', async () => {
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', objects());
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 2n, takeOwnership: true });
    const r = await waitBundleReport(ctx, BUNDLE, 'report of generation 2', (x) => x.generation === 2n && x.trigger === 'update');
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.resources.filter((x) => x.message)));
    assert.equal(resource(r, 'Deployment', 'web').action, ResourceAction.CONFIGURED);
    const live = await kubeGet(ctx.tb, 'deployment', 'web', ns);
    assert.equal(live?.spec.template.spec.containers[0].image, 'registry.invalid/web:1');
    assert.equal(live?.metadata.labels?.['app.kubernetes.io/managed-by'], 'gitfleet');
    assert.equal(live?.metadata.labels?.['gitfleet.io/bundle-id'], BUNDLE);
  });

  it('take_ownership=false afterwards: the adopted Deployment is gitfleet\'s and is applied', async () => {
    const changed = [deployment('web', ns, { image: 'registry.invalid/web:2' }), configMap('fresh', { v: '1' }, ns)];
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev2', changed);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { revision: 'rev2', generation: 3n, takeOwnership: false });
    const r = await waitBundleReport(ctx, BUNDLE, 'report of generation 3', (x) => x.generation === 3n && x.trigger === 'update');
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.resources.filter((x) => x.message)));
    assert.equal((await kubeGet(ctx.tb, 'deployment', 'web', ns))?.spec.template.spec.containers[0].image, 'registry.invalid/web:2');
  });
});
