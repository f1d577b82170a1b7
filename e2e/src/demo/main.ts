/**
 * `npm run demo`: the main job end to end on the test bed. Starts the hub and one agent per spoke
 * as background processes, pushes this repository's `examples/` folder to the loopback Git
 * server, labels the clusters dev → test → prod (spoke1 env=dev, spoke2 env=test, every other
 * spoke env=prod), registers the Source, and prints a per-cluster status table (sync status and
 * health) until every target has applied the pushed revision and its workloads have rolled out:
 * every spoke of the test bed runs kube-controller-manager, kube-scheduler and KWOK nodes, so a
 * Deployment there really becomes Available (Healthy); what stays Progressing (a LoadBalancer
 * Service: the test bed has no load-balancer controller) is shown with its cause.
 *
 *   node e2e/dist/demo/main.js          start (or restart) the demo
 *   node e2e/dist/demo/main.js --stop   stop the demo's hub and agents
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, GitRepo } from '@gitfleet/testing';
import {
  HubApi, createSigningKeys, loadTestbed, repoRoot, resetJetStream, startAgent, startHub, stopDetached, type TargetView,
} from '../support/index.js';

const HUB_PORT = Number(process.env['GITFLEET_DEMO_PORT'] ?? 8080);
/** How long the workloads may take to become Available after every target is Synced. */
const ROLLOUT_TIMEOUT_MS = 90_000;
/** Kinds whose health waits on the spoke's controllers and (KWOK) kubelets: these must settle. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod']);

/** env label per spoke: the first is dev, the second test, the rest prod. */
function envLabels(spokes: readonly string[]): Record<string, Record<string, string>> {
  return Object.fromEntries(spokes.map((s, i) => [s, { env: i === 0 ? 'dev' : i === 1 ? 'test' : 'prod' }]));
}

/** A target's objects that are workloads and not (yet) Healthy, as `Kind/name (Status)`. */
function pendingWorkloads(t: TargetView): string[] {
  return (t.applied?.resources ?? [])
    .filter((r) => r.action !== 'pruned' && WORKLOADS.has(r.kind) && r.health?.status !== 'Healthy')
    .map((r) => `${r.kind}/${r.name} (${r.health?.status ?? 'no health'})`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

function render(targets: TargetView[], revision: string, labels: Record<string, Record<string, string>>): string {
  const rows = [['CLUSTER', 'ENV', 'BUNDLE', 'DESIRED', 'APPLIED', 'STATUS', 'HEALTH', 'OBJECTS', 'LAST SEEN']];
  for (const t of [...targets].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.bundleId.localeCompare(b.bundleId))) {
    const resources = t.applied?.resources ?? [];
    rows.push([
      t.cluster, labels[t.cluster]?.['env'] ?? '-', t.bundleId, t.desired.revision.slice(0, 8), t.applied?.revision.slice(0, 8) ?? '-', t.status,
      t.health.status, String(resources.filter((r) => r.action !== 'pruned').length),
      t.lastSeenAt ? `${Math.round((Date.now() - Date.parse(t.lastSeenAt)) / 1000)}s ago` : '-',
    ]);
  }
  return `${table(rows)}\n(head ${revision.slice(0, 8)})`;
}

async function main(): Promise<void> {
  const testbed = loadTestbed();
  const stopped = stopDetached(testbed);
  if (process.argv.includes('--stop')) {
    console.log(stopped.length ? `stopped ${stopped.join(', ')}` : 'no demo was running');
    return;
  }
  if (stopped.length) await sleep(1_000);

  console.log('resetting the demo database and JetStream state');
  await resetJetStream(testbed);
  const database = (await createDatabase(testbed.databaseUrl, 'gitfleet_demo')).url;
  const keys = createSigningKeys(testbed, 'demo');
  const adminToken = `demo-${randomBytes(24).toString('base64url')}`;
  const tokenFile = path.join(testbed.stateDir, 'demo-admin-token');
  writeFileSync(tokenFile, adminToken, { mode: 0o600 });
  const hub = await startHub(testbed, 'demo-hub', database, { port: HUB_PORT, detached: true, signingKeyFile: keys.privateKeyFile, adminToken });
  const api = new HubApi(hub.url, adminToken);
  console.log(`hub: ${hub.url} (OpenAPI: ${hub.url}/api/docs, log: ${hub.logFile})`);

  const LABELS = envLabels(testbed.spokes);
  for (const [name, labels] of Object.entries(LABELS)) {
    await api.createCluster(name, labels);
    const agent = startAgent(testbed, name, ['--bundle-public-keys', keys.publicKeyFile], true);
    console.log(`cluster ${name} ${JSON.stringify(labels)}: agent pid ${agent.child.pid} (log: ${agent.logFile})`);
  }

  const repo = await GitRepo.create(testbed, 'examples');
  repo.copy(path.join(repoRoot(), 'examples'), '.');
  const revision = await repo.commitAndPush('gitfleet examples');
  repo.dispose();
  console.log(`pushed examples/ to ${repo.url} at ${revision.slice(0, 8)}`);
  await api.createSource({ name: 'examples', url: repo.url, pollIntervalSeconds: 15 });

  const deadline = Date.now() + 180_000;
  let last = '';
  let synced: number | undefined;
  let targets: TargetView[];
  for (;;) {
    const [ts, bundles] = await Promise.all([api.targets(), api.bundles()]);
    targets = ts;
    const out = render(targets, revision, LABELS);
    if (out !== last) {
      console.log(`\n${new Date().toISOString()}\n${out}`);
      last = out;
    }
    const failed = bundles.filter((b) => b.state === 'Failed');
    for (const b of failed) console.log(`bundle ${b.id} failed: ${b.errors.map((e) => `${e.file}: ${e.message}`).join('; ')}`);
    const allSynced = targets.length > 0 && bundles.length > 0 && bundles.every((b) => b.revision === revision)
      && targets.every((t) => t.status === 'Synced');
    if (failed.length) throw new Error('a bundle failed to render');
    if (!allSynced && Date.now() > deadline) throw new Error('the fleet did not converge within 180 s');
    if (allSynced) {
      synced ??= Date.now();
      const pending = targets.filter((t) => t.health.status === 'Unknown' || pendingWorkloads(t).length > 0);
      if (pending.length === 0) break;
      if (Date.now() - synced > ROLLOUT_TIMEOUT_MS) {
        throw new Error(`workloads not Available ${ROLLOUT_TIMEOUT_MS / 1000} s after every target was Synced: ${pending.map((t) => `${t.cluster}/${t.bundleId}: ${pendingWorkloads(t).join(', ') || t.health.status}`).join('; ')}`);
      }
    }
    await sleep(500);
  }
  const notHealthy = targets.filter((t) => t.health.status !== 'Healthy');
  console.log(`\nEvery target is Synced and its workloads rolled out${notHealthy.length ? '; not Healthy, with the cause:' : ' and Healthy.'}`);
  for (const t of notHealthy) console.log(`  ${t.cluster}/${t.bundleId}: ${t.health.status}: ${t.health.message}`);
  console.log(`
The fleet converged. The hub and agents keep running in the background:
  curl -H "Authorization: Bearer $(cat ${tokenFile})" ${hub.url}/api/v1/targets
                                                        per-cluster status (the demo's admin token)
  kubectl --kubeconfig ${testbed.kubeconfigDir}/${testbed.spokes.at(-1)}.kubeconfig get deploy -A    what prod runs
  git clone ${repo.url}                 change it, push, and watch it roll out
  npm run demo:stop                                              stop hub and agents
  npm run testbed:down                                           stop the test bed`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
