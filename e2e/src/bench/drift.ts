/**
 * `npm run bench:drift`: live edit → drift reported, and live edit → healed, over N edits
 * (default 50, `--edits N`). Targets (DESIGN.md): reported < 1 s, healed < 2 s.
 *
 * Two clusters get the same ConfigMap: spoke1 self-heals (gitfleet's default), spoke2 only
 * reports (Fleet's `correctDrift.enabled: false`). Each edit is a merge patch sent straight to the
 * apiserver by its own field manager (t0 = its response: the edit is committed). "Reported": the agent's `observedAt` of
 * the first report that shows the edited value as drift (spoke2). "Healed": the first moment a
 * GET of the object on spoke1 shows the desired value again (polled every 10 ms).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@gitfleet/testing';
import { Fleet, KubeHttp } from '../support/index.js';
import { summary } from './stats.js';

const NS = 'bench-drift';
const BUNDLE = 'bench-drift-config';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps/bench`;

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--edits');
  const edits = arg > 0 ? Number(process.argv[arg + 1]) : 50;
  const fleet = await Fleet.start({ name: 'bench-drift', clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'test' } }, namespaces: [NS] });
  try {
    fleet.repo.write('config/fleet.yaml', `namespace: ${NS}
targetCustomizations:
- name: report-only
  clusterSelector: { matchLabels: { env: test } }
  correctDrift: { enabled: false }
`);
    fleet.repo.write('config/bench.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench\ndata:\n  value: desired\n');
    const revision = await fleet.repo.commitAndPush('bench: drift');
    await fleet.api.createSource({ name: 'bench-drift', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(BUNDLE, revision, ['spoke1', 'spoke2']);
    const heal = new KubeHttp(fleet.testbed, 'spoke1');
    const report = new KubeHttp(fleet.testbed, 'spoke2');

    const reported: number[] = [];
    const healed: number[] = [];
    for (let i = 1; i <= edits; i++) {
      const value = `edit-${i}`;
      const patch = { data: { value } };
      // A different field manager per edit: the same manager rewriting the same field three times
      // in 30 s is a fight, which the agent reports and stops healing (by design).
      const editor = `bench-editor-${i}`;
      await report.call('PATCH', `${CM_PATH}?fieldManager=${editor}`, patch, 'application/merge-patch+json');
      const t0 = Date.now();
      await heal.call('PATCH', `${CM_PATH}?fieldManager=${editor}`, patch, 'application/merge-patch+json');
      const t0h = Date.now();
      for (;;) {
        const cm = await heal.call<{ data: { value: string } }>('GET', CM_PATH);
        if (cm.data.value === 'desired') break;
        if (Date.now() - t0h > 10_000) throw new Error(`edit ${i} not healed within 10 s`);
        await sleep(10);
      }
      healed.push(Date.now() - t0h);
      const observedAt = await eventually(`edit ${i} reported`, async () => {
        const t = await fleet.api.target('spoke2', BUNDLE);
        const d = t.drift.find((x) => x.object.name === 'bench')?.diffs.find((f) => f.path === '/data/value');
        if (!d || JSON.parse(d.live) !== value || !t.applied) throw new Error('not yet');
        return Date.parse(t.applied.observedAt);
      }, 10_000, 10);
      reported.push(observedAt - t0);
    }
    console.log(`live edit → drift, ${edits} edits (ConfigMap, merge patch straight to the apiserver)`);
    console.log(summary('reported (agent observedAt)', reported));
    console.log(summary('healed (GET shows desired again)', healed));
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
