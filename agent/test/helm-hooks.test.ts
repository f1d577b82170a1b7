/**
 * Helm hooks on a spoke with real workload controllers (GITFLEET_AGENT_WORKLOAD_SPOKE, default
 * spoke3; every spoke of the test bed runs kube-controller-manager, scheduler, KWOK fake nodes, so
 * Jobs really complete):
 *   - a pre-install Job (weight -5, hook-succeeded) completes before the Deployment is created,
 *     is deleted after success, and a post-install ConfigMap hook exists afterwards; a resync
 *     does not run the hooks again;
 *   - a failing pre-install Job (its pod can never be scheduled; activeDeadlineSeconds 1 → the
 *     Job controller marks it Failed, DeadlineExceeded) fails the target, naming the hook and the
 *     reason, and the Deployment is not applied.
 * Heartbeats carry the spoke's Kubernetes version. The order is recorded by two watches (Jobs, Deployments) of the suite's namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncState } from '@gitfleet/proto';
import { KubeClient } from '../src/kube/client.js';
import { waitFor } from '@gitfleet/testing';
import { closeSuite, configMap, deployment, kubeGet, openSuite, startAgent, type SuiteContext, type TestObject, waitBundleReport } from './testbed.js';

/** A Job hook; `unschedulable` gives its pod a node selector no node has, and a 1 s deadline. */
function hookJob(name: string, annotations: Record<string, string>, o: { unschedulable?: boolean } = {}): TestObject {
  return {
    obj: {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name, annotations },
      spec: {
        backoffLimit: 0,
        ...(o.unschedulable ? { activeDeadlineSeconds: 1 } : {}),
        template: {
          spec: {
            restartPolicy: 'Never',
            ...(o.unschedulable ? { nodeSelector: { nope: 'nope' } } : {}),
            containers: [{ name: 'migrate', image: 'registry.invalid/migrate:1' }],
          },
        },
      },
    },
  };
}

interface Seen { at: number; type: string; kind: string; name: string; complete: boolean }

describe('helm hooks', () => {
  let ctx: SuiteContext;
  let kube: KubeClient;
  const watches = new AbortController();
  const seen: Seen[] = [];

  before(async () => {
    ctx = await openSuite('hooks', undefined, process.env.GITFLEET_AGENT_WORKLOAD_SPOKE ?? 'spoke3');
    kube = await KubeClient.connect(ctx.tb.kubeconfig, { refreshIntervalMs: 0 });
    startAgent(ctx, { args: ['--resync-interval', '3'] });
  });
  after(async () => {
    watches.abort();
    kube?.close();
    await closeSuite(ctx);
  });

  /** Records Job and Deployment events of `ns` in arrival order. */
  async function watchNamespace(ns: string): Promise<void> {
    for (const [apiVersion, kind] of [['batch/v1', 'Job'], ['apps/v1', 'Deployment']] as const) {
      const path = await kube.collectionPath(apiVersion, kind, ns);
      void kube.watch(path, {}, (type, o) => {
        const obj = o as { metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } };
        const complete = (obj.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
        seen.push({ at: Date.now(), type, kind, name: obj.metadata.name, complete });
      }, watches.signal, 300_000).catch(() => undefined);
    }
    await sleep(300); // let both watches start
  }

  it('heartbeats carry the apiserver\'s gitVersion (kubernetes_version)', async () => {
    const want = await kube.readVersion();
    assert.match(want, /^v\d+\.\d+\./);
    // the first heartbeat may leave before the version is read; a later one (every 10 s) has it
    const hb = await waitFor('a heartbeat with the version', async () => (await ctx.hub.heartbeats(ctx.cluster)).find((h) => h.kubernetesVersion !== ''), 30_000);
    assert.equal(hb.kubernetesVersion, want);
  });

  it('pre-install Job completes before the Deployment, is deleted after success; post-install hook after', async () => {
    const BUNDLE = 'hooks-ok';
    const ns = `${ctx.id}-ok`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    await watchNamespace(ns);
    const post = configMap('post-cm', { done: 'yes' });
    (post.obj.metadata as Record<string, unknown>).annotations = { 'helm.sh/hook': 'post-install' };
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', [
      deployment('web', ns),
      hookJob('migrate', { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'hook-succeeded' }),
      post,
    ]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n, targetNamespace: ns });
    const r = await waitBundleReport(ctx, BUNDLE, 'apply report', (x) => x.trigger === 'update' && x.generation === 1n, { timeoutMs: 120_000 });
    assert.equal(r.state, SyncState.SYNCED, JSON.stringify(r.errors));

    const jobComplete = seen.findIndex((e) => e.kind === 'Job' && e.name === 'migrate' && e.complete);
    const jobDeleted = seen.findIndex((e) => e.kind === 'Job' && e.name === 'migrate' && e.type === 'DELETED');
    const depAdded = seen.findIndex((e) => e.kind === 'Deployment' && e.name === 'web' && e.type === 'ADDED');
    const order = JSON.stringify(seen.map((e) => `${e.type} ${e.kind}/${e.name}${e.complete ? ' complete' : ''}`));
    assert.ok(jobComplete >= 0, `the Job completed: ${order}`);
    assert.ok(depAdded > jobComplete, `the Deployment was created after the Job completed: ${order}`);
    assert.ok(jobDeleted > jobComplete, `the Job was deleted after success: ${order}`);
    assert.equal(await kubeGet(ctx.tb, 'job', 'migrate', ns), null, 'hook-succeeded: the Job is gone');
    assert.ok(await kubeGet(ctx.tb, 'deployment', 'web', ns), 'the Deployment exists');
    assert.ok(await kubeGet(ctx.tb, 'configmap', 'post-cm', ns), 'the post-install hook exists');
    const hookNames = r.resources.filter((x) => x.kind === 'Job' || x.name === 'post-cm').map((x) => `${x.kind}/${x.name}: ${x.message}`);
    assert.deepEqual(hookNames.sort(), ['ConfigMap/post-cm: post-install hook succeeded', 'Job/migrate: pre-install hook succeeded, deleted (hook-succeeded)']);

    // resyncs (every 3 s) re-apply the Deployment but never run the hooks again
    const since = Date.now();
    const jobEvents = seen.filter((e) => e.kind === 'Job').length;
    await waitBundleReport(ctx, BUNDLE, 'a resync', (x) => x.trigger === 'resync', { sinceMs: since, timeoutMs: 30_000 }).catch(() => undefined);
    await sleep(4000);
    assert.equal(seen.filter((e) => e.kind === 'Job').length, jobEvents, 'no Job was created again by a resync');
    assert.equal(await kubeGet(ctx.tb, 'job', 'migrate', ns), null);
  });

  it('a failing pre-install Job fails the target with its name and reason; the rest is not applied', async () => {
    const BUNDLE = 'hooks-fail';
    const ns = `${ctx.id}-fail`;
    ctx.namespaces.add(ns);
    ctx.bundles.add(BUNDLE);
    const digest = await ctx.hub.putBundle(BUNDLE, 'rev1', [
      deployment('web', ns),
      hookJob('broken', { 'helm.sh/hook': 'pre-install,pre-upgrade' }, { unschedulable: true }),
    ]);
    await ctx.hub.putDesired(ctx.cluster, BUNDLE, digest, { generation: 1n, targetNamespace: ns });
    const r = await waitBundleReport(ctx, BUNDLE, 'failed report', (x) => x.trigger === 'update' && x.generation === 1n, { timeoutMs: 120_000 });
    assert.equal(r.state, SyncState.FAILED);
    assert.ok(r.errors.some((e) => /^pre-install hook Job .*\/broken failed: DeadlineExceeded/.test(e)), JSON.stringify(r.errors));
    assert.equal(await kubeGet(ctx.tb, 'deployment', 'web', ns), null, 'the Deployment is not applied');
    assert.ok(await kubeGet(ctx.tb, 'job', 'broken', ns), 'before-hook-creation (default): the failed Job stays for inspection');
    assert.equal(r.resources.find((x) => x.name === 'web'), undefined, 'the Deployment is not in the report');
  });
});
