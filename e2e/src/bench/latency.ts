/**
 * `npm run bench:latency`: commit → applied on all three clusters, webhook-triggered.
 *
 * For each of N commits (default 20, `--commits N`) that change one ConfigMap in a bundle
 * targeted at all three spokes: t0 = the moment `git push` to the loopback Git server returned
 * (the commit is in Git); then the webhook is sent, as a Git host would. "Applied" is the latest
 * `observedAt` of the three agents' reports for that revision (the moment each finished applying,
 * same machine clock); "reported" is when the hub API first shows all three Synced at it.
 * Prints p50 / p99 / max of both, in milliseconds. Target (DESIGN.md): p99 < 2 s.
 */
import { performance } from 'node:perf_hooks';
import { eventually } from '@gitfleet/testing';
import { Fleet } from '../support/index.js';
import { summary } from './stats.js';

const BUNDLE = 'bench-latency-config';
const SPOKES = ['spoke1', 'spoke2', 'spoke3'];

const configMap = (i: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: bench
data:
  iteration: "${i}"
`;

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--commits');
  const commits = arg > 0 ? Number(process.argv[arg + 1]) : 20;
  const fleet = await Fleet.start({
    name: 'bench-latency',
    clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'test' }, spoke3: { env: 'prod' } },
    namespaces: ['bench-latency'],
  });
  try {
    fleet.repo.write('config/fleet.yaml', 'namespace: bench-latency\n');
    fleet.repo.write('config/bench.yaml', configMap(0));
    const first = await fleet.repo.commitAndPush('bench: initial');
    await fleet.api.createSource({ name: 'bench-latency', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, first, SPOKES);

    const applied: number[] = [];
    const reported: number[] = [];
    for (let i = 1; i <= commits; i++) {
      fleet.repo.write('config/bench.yaml', configMap(i));
      const revision = await fleet.repo.commitAndPush(`bench: ${i}`);
      const t0Wall = Date.now();
      const t0 = performance.now();
      await fleet.api.pushWebhook('bench-latency', revision);
      const targets = await eventually(`commit ${i} applied`, async () => {
        const ts = await fleet.api.targets({ bundle: BUNDLE });
        if (ts.length !== SPOKES.length || !ts.every((t) => t.status === 'Synced' && t.applied?.revision === revision)) throw new Error('not yet');
        return ts;
      }, 30_000, 5);
      reported.push(performance.now() - t0);
      applied.push(Math.max(...targets.map((t) => Date.parse(t.applied!.observedAt))) - t0Wall);
    }
    console.log(`commit → applied on ${SPOKES.length} clusters, webhook-triggered, ${commits} commits`);
    console.log(summary('applied (agent observedAt)', applied));
    console.log(summary('reported (hub API shows Synced)', reported));
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
