/**
 * `npm run demo`: the main job end to end on the test bed. Starts the hub and one agent per spoke
 * as background processes, pushes this repository's `examples/` folder to the loopback Git
 * server, labels the three clusters env=dev/test/prod, registers the Source, and prints a
 * per-cluster status table until every target has applied the pushed revision.
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
const LABELS: Record<string, Record<string, string>> = { spoke1: { env: 'dev' }, spoke2: { env: 'test' }, spoke3: { env: 'prod' } };

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

function render(targets: TargetView[], revision: string): string {
  const rows = [['CLUSTER', 'BUNDLE', 'DESIRED', 'APPLIED', 'STATUS', 'OBJECTS', 'LAST SEEN']];
  for (const t of [...targets].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.bundleId.localeCompare(b.bundleId))) {
    const resources = t.applied?.resources ?? [];
    rows.push([
      t.cluster, t.bundleId, t.desired.revision.slice(0, 8), t.applied?.revision.slice(0, 8) ?? '-', t.status,
      String(resources.filter((r) => r.action !== 'pruned').length),
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
  for (;;) {
    const [targets, bundles] = await Promise.all([api.targets(), api.bundles()]);
    const out = render(targets, revision);
    if (out !== last) {
      console.log(`\n${new Date().toISOString()}\n${out}`);
      last = out;
    }
    const failed = bundles.filter((b) => b.state === 'Failed');
    for (const b of failed) console.log(`bundle ${b.id} failed: ${b.errors.map((e) => `${e.file}: ${e.message}`).join('; ')}`);
    const done = targets.length > 0 && bundles.length > 0 && bundles.every((b) => b.revision === revision)
      && targets.every((t) => t.status === 'Synced');
    if (done) break;
    if (failed.length || Date.now() > deadline) {
      throw new Error(failed.length ? 'a bundle failed to render' : 'the fleet did not converge within 180 s');
    }
    await sleep(500);
  }
  console.log(`
The fleet converged. The hub and agents keep running in the background:
  curl -H "Authorization: Bearer $(cat ${tokenFile})" ${hub.url}/api/v1/targets
                                                        per-cluster status (the demo's admin token)
  kubectl --kubeconfig ${testbed.kubeconfigDir}/spoke3.kubeconfig get deploy -A    what prod runs
  git clone ${repo.url}                 change it, push, and watch it roll out
  npm run demo:stop                                              stop hub and agents
  npm run testbed:down                                           stop the test bed`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
