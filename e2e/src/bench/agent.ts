/**
 * `npm run bench:agent`: the agent on 1,000 objects, side by side with `kubectl apply --server-side`.
 *
 * 1. A bundle of N ConfigMaps (default 1,000, `--objects N`) is pushed and applied to spoke1
 *    through the whole system; printed: the agent's own apply time (its report's timings) and the
 *    wall time from webhook to the hub showing Synced.
 * 2. The same N objects (another namespace) with `kubectl apply --server-side` from one file,
 *    created, then re-applied unchanged; printed with the ratio to the agent.
 * 3. The agent's resident memory (VmRSS from /proc) after 10 s idle with the objects under watch.
 * Targets (DESIGN.md): faster than kubectl; RSS < 80 MiB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@gitfleet/testing';
import { Fleet, KubeHttp, kubeconfigOf, run } from '../support/index.js';

const BUNDLE = 'bench-agent-objects';
const NS = 'bench-agent';
const NS_KUBECTL = 'bench-kubectl';

const configMaps = (n: number, namespace?: string) => Array.from({ length: n }, (_, i) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: object-${String(i).padStart(4, '0')}${namespace ? `\n  namespace: ${namespace}` : ''}
data:
  index: "${i}"
  payload: "${'x'.repeat(200)}"
`).join('---\n');

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--objects');
  const n = arg > 0 ? Number(process.argv[arg + 1]) : 1000;
  const fleet = await Fleet.start({ name: 'bench-agent', clusters: { spoke1: { env: 'dev' } }, namespaces: [NS, NS_KUBECTL] });
  try {
    const kubectl = fleet.kubectl('spoke1');
    // One deletecollection call per namespace: deleting 1,000 objects one by one takes minutes.
    const http = new KubeHttp(fleet.testbed, 'spoke1');
    for (const ns of [NS_KUBECTL, NS]) await http.call('DELETE', `/api/v1/namespaces/${ns}/configmaps`).catch(() => undefined);
    const agentPid = fleet.agents.get('spoke1')!.child.pid!;
    await sleep(2_000);
    const idleBefore = rssMiB(agentPid);

    fleet.repo.write('objects/fleet.yaml', `namespace: ${NS}\n`);
    fleet.repo.write('objects/objects.yaml', configMaps(n));
    const revision = await fleet.repo.commitAndPush(`bench: ${n} objects`);
    const t0 = performance.now();
    await fleet.api.createSource({ name: 'bench-agent', url: fleet.repo.url, pollIntervalSeconds: 3600 });
    const target = await eventually('bundle applied', async () => {
      const t = (await fleet.api.targets({ cluster: 'spoke1', bundle: BUNDLE }))[0];
      if (!t) throw new Error('no target yet');
      if (t.status !== 'Synced' || t.applied?.revision !== revision) throw new Error(`status ${t.status}`);
      return t;
    }, 300_000, 20);
    const endToEnd = performance.now() - t0;
    const timings = (target.applied as unknown as { timings: { applyMs: number; totalMs: number } }).timings;

    await run('kubectl', ['--kubeconfig', kubeconfigOf(fleet.testbed, 'spoke1'), 'create', 'namespace', NS_KUBECTL]).catch(() => undefined);
    const file = path.join(tmpdir(), 'gitfleet-bench-kubectl.yaml');
    writeFileSync(file, configMaps(n, NS_KUBECTL));
    const kubectlArgs = ['--kubeconfig', kubeconfigOf(fleet.testbed, 'spoke1'), 'apply', '--server-side', '--field-manager=bench-kubectl', '-f', file];
    let t = performance.now();
    await run('kubectl', kubectlArgs, { timeoutMs: 600_000 });
    const kubectlCreate = performance.now() - t;
    t = performance.now();
    await run('kubectl', kubectlArgs, { timeoutMs: 600_000 });
    const kubectlUnchanged = performance.now() - t;

    await sleep(10_000);
    const idleAfter = rssMiB(agentPid);
    const count = (await kubectl.list('configmaps', NS)).filter((o) => o.metadata.name.startsWith('object-')).length;
    if (count !== n) throw new Error(`expected ${n} ConfigMaps in ${NS}, found ${count}`);

    console.log(`${n} ConfigMaps on a real kube-apiserver (spoke1)`);
    console.log(`agent apply (report timings.applyMs)       ${(timings.applyMs / 1000).toFixed(2)} s`);
    console.log(`source registered → hub shows Synced     ${(endToEnd / 1000).toFixed(2)} s (includes clone, render, publish)`);
    console.log(`kubectl apply --server-side, create        ${(kubectlCreate / 1000).toFixed(2)} s   (agent is ${(kubectlCreate / timings.applyMs).toFixed(2)}× as fast)`);
    console.log(`kubectl apply --server-side, unchanged     ${(kubectlUnchanged / 1000).toFixed(2)} s`);
    console.log(`agent RSS idle before                      ${idleBefore.toFixed(1)} MiB`);
    console.log(`agent RSS idle with ${n} objects under watch ${idleAfter.toFixed(1)} MiB   (target < 80 MiB)`);
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
