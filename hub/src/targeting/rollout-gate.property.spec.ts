// Properties of the rollout gate over simulated rollouts (fast-check): whatever the stages, the
// limits and which clusters turn out bad, the gate never exceeds a limit, never starts a stage
// early, never lets a bad revision past the stage that showed it bad, and finishes a good one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideRollout, type ClusterProgress, type RolloutSettings } from './rollout-gate.js';
import type { RolloutPlan } from './rollout-stages.js';

const S = 1000;
const SETTINGS: RolloutSettings = { minHealthyDurationMs: 30 * S, progressDeadlineMs: 120 * S, maxFailures: 0, autoRollback: true, onStale: 'block' };

/** A plan of 1–4 stages of 1–4 clusters, with stage limits 1–3, a bundle limit 1–8, and which clusters are bad. */
const scenario = fc
  .array(fc.record({ size: fc.integer({ min: 1, max: 4 }), maxUnavailable: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 })
  .chain((stages) => {
    let n = 0;
    const plan: RolloutPlan = {
      stages: stages.map((s, i) => ({ name: `s${i}`, clusters: Array.from({ length: s.size }, () => `c${n++}`), maxUnavailable: s.maxUnavailable })),
      maxUnavailable: 0,
      maxUnavailablePartitions: 0,
    };
    return fc.record({
      plan: fc.constant(plan),
      bundleLimit: fc.integer({ min: 1, max: 8 }),
      bad: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 2 }).map((idx) => new Set(idx.map((i) => `c${i}`))),
      // how long a good cluster takes to turn Healthy once published (s)
      delay: fc.integer({ min: 1, max: 60 }),
    });
  });

describe('decideRollout properties (simulated rollouts)', () => {
  it('limits hold, stages start in order, a bad revision stops in its stage, a good one finishes', () => {
    fc.assert(
      fc.property(scenario, ({ plan: base, bundleLimit, bad, delay }) => {
        const plan = { ...base, maxUnavailable: bundleLimit };
        const stageOf = new Map(plan.stages.flatMap((s, i) => s.clusters.map((c) => [c, i] as const)));
        const published = new Map<string, number>();
        let now = 0;
        for (let step = 0; step < 400; step++, now += 5 * S) {
          const progress: ClusterProgress[] = [...stageOf.keys()].map((cluster) => {
            const at = published.get(cluster);
            const p: ClusterProgress = { cluster, stale: false };
            if (at !== undefined) p.publishedAt = at;
            if (at !== undefined && !bad.has(cluster) && now >= at + delay * S) p.healthySince = at + delay * S;
            return p;
          });
          const d = decideRollout(plan, progress, SETTINGS, now);
          if (d.phase === 'Failed') {
            // stopped by a bad cluster: every bad cluster that got it is rolled back, no stage after the first bad one was ever reached
            assert.equal(d.publish.length, 0);
            const firstBadStage = Math.min(...[...bad].map((c) => stageOf.get(c)!));
            for (const c of published.keys()) assert.ok(stageOf.get(c)! <= firstBadStage, `${c} got the revision after stage ${firstBadStage} failed`);
            assert.deepEqual(new Set(d.rollback), new Set(published.keys()));
            return;
          }
          if (d.phase === 'Succeeded') {
            assert.equal(bad.size, 0, 'succeeded with a bad cluster');
            assert.equal(published.size, stageOf.size);
            return;
          }
          for (const c of d.publish) {
            // a stage starts only when every earlier stage is done
            const j = stageOf.get(c)!;
            for (let k = 0; k < j; k++) for (const e of plan.stages[k]!.clusters) {
              const at = published.get(e);
              assert.ok(at !== undefined && !bad.has(e) && now >= at + (delay * S) + SETTINGS.minHealthyDurationMs, `${c} (stage ${j}) published before ${e} (stage ${k}) was done`);
            }
            assert.ok(!published.has(c), `${c} published twice`);
            published.set(c, now);
          }
          // limits: clusters updating after this step (published, not yet done)
          const updating = [...published].filter(([c, at]) => bad.has(c) || now < at + delay * S + SETTINGS.minHealthyDurationMs);
          assert.ok(updating.length <= plan.maxUnavailable, `${updating.length} updating > bundle limit ${plan.maxUnavailable}`);
          for (const s of plan.stages) {
            const inStage = updating.filter(([c]) => s.clusters.includes(c)).length;
            assert.ok(inStage <= s.maxUnavailable, `${inStage} updating in ${s.name} > ${s.maxUnavailable}`);
          }
        }
        assert.fail('no decision after 400 steps');
      }),
      { numRuns: 300 },
    );
  });
});
