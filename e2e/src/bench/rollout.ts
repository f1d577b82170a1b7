/**
 * `npm run bench:rollout`: a three-stage rollout across the five real spokes (canary spoke1 →
 * second spoke2 → the rest, spoke3-5, together), and an automatic rollback.
 *
 * Each of N rounds (default 5, `--rounds N`) pushes a good commit and waits for its rollout to
 * succeed, then a bad one (a Deployment that never schedules) and waits until the canary runs the
 * good revision again. Printed, as median and spread (min–max) over the rounds:
 * - per stage: how long it took beyond the configured minHealthyDuration (the stage's
 *   finishedAt − startedAt from the rollout API, minus minHealthyDuration): the cost of publishing,
 *   applying, the Deployment becoming Available, reporting and the gate's period;
 * - the whole rollout beyond the three minHealthyDurations;
 * - the rollback: from the canary's target turning Degraded (first seen in the API, sampled every
 *   100 ms) to kubectl seeing the canary's ConfigMap back on the good revision, and how far that
 *   lies beyond the progressDeadline counted from the bad revision's publication (target: < 10 s).
 * Settings: minHealthyDuration 2s, progressDeadline 10s, GITFLEET_ROLLOUT_INTERVAL_SECONDS 0.5.
 */
import { eventually } from '@gitfleet/testing';
import { Fleet, rolloutAppFiles } from '../support/index.js';

const NS = 'bench-rollout';
const SPOKES = ['spoke1', 'spoke2', 'spoke3', 'spoke4', 'spoke5'];
const BUNDLE = 'bench-rollout-app';
const MIN_HEALTHY_MS = 2_000;
const DEADLINE_MS = 10_000;

interface RolloutStatus {
  current?: {
    revision: string;
    phase: string;
    stages: Array<{ name: string; startedAt?: string; finishedAt?: string }>;
    stageDetails: Array<{ name: string; clusters: Array<{ cluster: string; publishedAt?: string }> }>;
  };
}

function write(fleet: Fleet, version: string, bad: boolean): void {
  fleet.repo.write('app/fleet.yaml', `namespace: ${NS}
rolloutStrategy:
  partitions:
  - {name: canary, clusterName: spoke1}
  - {name: second, clusterName: spoke2}
gitfleet:
  rollout: {minHealthyDuration: ${MIN_HEALTHY_MS / 1000}s, progressDeadline: ${DEADLINE_MS / 1000}s}
`);
  for (const [file, text] of Object.entries(rolloutAppFiles(version, { bad, progressDeadlineSeconds: 4 }))) fleet.repo.write(`app/${file}`, text);
}

/** Median and spread of `values` (ms), one line. */
function line(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `${name.padEnd(48)} median ${(median / 1000).toFixed(2).padStart(6)} s   spread ${(s[0]! / 1000).toFixed(2)}–${(s[s.length - 1]! / 1000).toFixed(2)} s   (n=${s.length})`;
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--rounds');
  const rounds = arg > 0 ? Number(process.argv[arg + 1]) : 5;
  const fleet = await Fleet.start({
    name: 'bench-rollout',
    clusters: Object.fromEntries(SPOKES.map((s) => [s, {}])),
    namespaces: [NS],
    agentArgs: ['--heartbeat-interval', '1'],
    hubEnv: { GITFLEET_ROLLOUT_INTERVAL_SECONDS: '0.5', GITFLEET_LOG_LEVEL: 'warn' },
  });
  const rollout = () => fleet.api.get<RolloutStatus>(`/api/v1/bundles/${BUNDLE}/rollout`);
  const live = async (spoke: string) => ((await fleet.kubectl(spoke).get('configmap', 'version', NS))?.['data'] as Record<string, string> | undefined)?.['version'];
  const push = async (message: string) => {
    const revision = await fleet.repo.commitAndPush(message);
    await fleet.api.pushWebhook('bench-rollout', revision);
    return revision;
  };
  const phase = (revision: string, want: string) =>
    eventually(`rollout of ${revision.slice(0, 8)} ${want}`, async () => {
      const r = await rollout();
      if (r.current?.revision !== revision || r.current.phase !== want) throw new Error(`${r.current?.revision?.slice(0, 8)} ${r.current?.phase}`);
      return r.current;
    }, 180_000, 100);
  try {
    write(fleet, 'g0', false);
    await fleet.repo.commitAndPush('g0');
    await fleet.api.createSource({ name: 'bench-rollout', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await eventually('g0 everywhere', async () => {
      for (const s of SPOKES) if ((await live(s)) !== 'g0') throw new Error(`${s} not yet`);
    }, 180_000, 500);

    const perStage = new Map<string, number[]>();
    const whole: number[] = [];
    const degradedToBack: number[] = [];
    const beyondDeadline: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      // a good commit through three stages
      write(fleet, `g${i}`, false);
      const good = await push(`g${i}`);
      const done = await phase(good, 'Succeeded');
      for (const s of done.stages) {
        const d = Date.parse(s.finishedAt!) - Date.parse(s.startedAt!) - MIN_HEALTHY_MS;
        perStage.set(s.name, [...(perStage.get(s.name) ?? []), d]);
      }
      whole.push(Date.parse(done.stages.at(-1)!.finishedAt!) - Date.parse(done.stages[0]!.startedAt!) - done.stages.length * MIN_HEALTHY_MS);

      // a bad commit: the canary turns Degraded, then runs g<i> again
      write(fleet, `b${i}`, true);
      const bad = await push(`b${i}`);
      const degradedAt = await eventually('canary Degraded', async () => {
        const t = await fleet.api.target('spoke1', BUNDLE);
        if (t.applied?.revision !== bad || t.health.status !== 'Degraded') throw new Error(`${t.applied?.revision?.slice(0, 8)} ${t.health.status}`);
        return Date.now();
      }, 60_000, 100);
      const r = await rollout();
      const publishedAt = Date.parse(r.current!.stageDetails[0]!.clusters[0]!.publishedAt!);
      const backAt = await eventually('canary back on the good revision', async () => {
        if ((await live('spoke1')) !== `g${i}`) throw new Error('not yet');
        return Date.now();
      }, 60_000, 100);
      await phase(bad, 'RolledBack');
      degradedToBack.push(backAt - degradedAt);
      beyondDeadline.push(backAt - publishedAt - DEADLINE_MS);
      for (const s of SPOKES.slice(1)) if ((await live(s)) !== `g${i}`) throw new Error(`${s} runs ${await live(s)}: the bad revision escaped the canary`);
    }
    console.log(`three-stage rollout on ${SPOKES.length} spokes (canary, second, rest of 3), minHealthyDuration ${MIN_HEALTHY_MS / 1000} s, ${rounds} rounds`);
    for (const [name, values] of perStage) console.log(line(`stage ${name}: beyond minHealthyDuration`, values));
    console.log(line('whole rollout: beyond 3 × minHealthyDuration', whole));
    console.log(line('rollback: canary Degraded → back on previous', degradedToBack));
    console.log(line(`rollback: back beyond progressDeadline (${DEADLINE_MS / 1000} s)`, beyondDeadline));
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
