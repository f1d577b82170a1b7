// Issue #5, "Our own charts": the agent chart's RBAC is sufficient and no wider than needed. The
// real agent runs with a token of the chart's ServiceAccount (TokenRequest against the spoke's
// apiserver) and deploys the fixtures; a namespace-restricted install refuses, with a clear
// status, to touch another namespace.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { eventually } from '@gitfleet/testing';
import { Fleet, fixturePath, needsSharedFixtures, kubeconfigOf, loadTestbed, repoRoot, run, type Testbed } from '../support/index.js';

const WIDE = 'spoke1'; // rbac.scope=cluster
const NARROW = 'spoke2'; // rbac.scope=namespaces, rbac.namespaces=[ALLOWED]
const ALLOWED = 'e2e-rbac-allowed';
const DENIED = 'e2e-rbac-denied';
const installs = {
  [WIDE]: { release: 'rbac-wide', namespace: 'e2e-rbac-wide-system', values: ['--set', 'rbac.scope=cluster'] },
  [NARROW]: { release: 'rbac-narrow', namespace: 'e2e-rbac-narrow-system', values: ['--set', 'rbac.scope=namespaces', '--set', `rbac.namespaces={${ALLOWED}}`, '--set', 'rbac.createNamespaces=true'] },
};
const kubeconfigs: string[] = [];

/**
 * Installs the agent chart's objects on the spoke (as `helm template | kubectl apply` would) and
 * returns a kubeconfig that authenticates as the chart's ServiceAccount with a TokenRequest token.
 */
async function installChart(testbed: Testbed, spoke: keyof typeof installs): Promise<string> {
  const { release, namespace, values } = installs[spoke];
  const admin = kubeconfigOf(testbed, spoke);
  const rendered = (await run(path.join(testbed.binDir, 'helm'), [
    'template', release, path.join(repoRoot(), 'charts/agent'), '-n', namespace,
    '--set', `cluster.name=${spoke}`, '--set', `hub.natsUrl=${testbed.natsUrl}`, ...values,
  ])).stdout;
  await run('kubectl', ['--kubeconfig', admin, 'apply', '--server-side', '--force-conflicts', '-f', '-'], { input: rendered });
  const serviceAccount = (parse(rendered.split('\n---\n').find((d) => /kind: ServiceAccount/.test(d)) ?? '') as { metadata: { name: string } }).metadata.name;
  const token = (await run('kubectl', ['--kubeconfig', admin, 'create', 'token', serviceAccount, '-n', namespace, '--duration=1h'])).stdout.trim();
  const config = parse(readFileSync(admin, 'utf8')) as { users: Array<{ user: Record<string, unknown> }> };
  for (const u of config.users) u.user = { token };
  const file = path.join(tmpdir(), `gitfleet-${spoke}-${serviceAccount}.kubeconfig`);
  writeFileSync(file, stringify(config), { mode: 0o600 });
  kubeconfigs.push(file);
  return file;
}

describe('agent chart RBAC: sufficient, and no wider than needed', needsSharedFixtures(), () => {
  let fleet: Fleet;
  before(async () => {
    const testbed = loadTestbed();
    const agentArgsFor: Record<string, string[]> = {};
    for (const spoke of [WIDE, NARROW] as const) {
      agentArgsFor[spoke] = ['--kubeconfig', await installChart(testbed, spoke), '--namespace', installs[spoke].namespace];
    }
    fleet = await Fleet.start({ name: 'agent-rbac', clusters: { [WIDE]: { rbac: 'cluster' }, [NARROW]: { rbac: 'namespaces' } }, namespaces: [ALLOWED, DENIED], agentArgsFor });
    fleet.repo.copy(fixturePath('fleet-examples/simple'), 'app');
    fleet.repo.write('app/fleet.yaml', `namespace: ${ALLOWED}\n`);
    fleet.repo.write('elsewhere/fleet.yaml', `namespace: ${DENIED}\n`);
    fleet.repo.write('elsewhere/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "x"\n');
    await fleet.repo.commitAndPush('an app and a bundle in another namespace');
    await fleet.api.createSource({ name: 'agent-rbac', url: fleet.repo.url, pollIntervalSeconds: 3600 });
  });
  after(async () => {
    await fleet?.stop();
    for (const f of kubeconfigs) rmSync(f, { force: true });
  });

  it('with the chart\'s ServiceAccount token the agent deploys the fixtures (cluster-wide and namespace-restricted)', async () => {
    const head = await fleet.repo.git('rev-parse', 'HEAD');
    await fleet.waitForRevision('agent-rbac-app', head, [WIDE, NARROW]);
    for (const spoke of [WIDE, NARROW]) {
      const names = (await fleet.kubectl(spoke).list('deployments', ALLOWED)).map((d) => d.metadata.name).sort();
      assert.deepEqual(names, ['frontend', 'redis-master', 'redis-slave'], `${spoke} runs the fixture`);
    }
    await fleet.waitForRevision('agent-rbac-elsewhere', head, [WIDE], { exact: false });
    assert.ok(await fleet.kubectl(WIDE).get('configmap', 'settings', DENIED), 'the cluster-wide agent may deploy anywhere');
  });

  it('the namespace-restricted agent refuses another namespace with a clear status', async () => {
    const target = await eventually('refusal reported', async () => {
      const t = await fleet.api.target(NARROW, 'agent-rbac-elsewhere');
      assert.equal(t.status, 'Failed', JSON.stringify(t.applied));
      return t;
    }, 30_000);
    const reasons = [...(target.applied?.errors ?? []), ...(target.applied?.resources ?? []).filter((r) => r.action === 'failed').map((r) => r.message)].join('\n');
    assert.match(reasons, /forbidden/i, `the apiserver's refusal is reported: ${reasons}`);
    assert.match(reasons, new RegExp(installs[NARROW].release), 'it names the agent\'s ServiceAccount');
    assert.equal(await fleet.kubectl(NARROW).get('configmap', 'settings', DENIED), undefined, 'nothing was written there');
  });
});
