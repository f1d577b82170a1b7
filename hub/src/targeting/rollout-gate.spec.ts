import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROLLOUT_SETTINGS, decideRollout, failureBudget, type ClusterProgress, type GateDecision, type RolloutSettings } from './rollout-gate.js';
import type { RolloutPlan } from './rollout-stages.js';

const NOW = 1_000_000_000;
const S = 1000;
const settings = (over: Partial<RolloutSettings> = {}): RolloutSettings => ({ ...DEFAULT_ROLLOUT_SETTINGS, minHealthyDurationMs: 30 * S, progressDeadlineMs: 300 * S, ...over });

/** canary (1) → wave (3, one at a time) → rest (2). */
const plan: RolloutPlan = {
  stages: [
    { name: 'canary', clusters: ['c1'], maxUnavailable: 1 },
    { name: 'wave', clusters: ['w1', 'w2', 'w3'], maxUnavailable: 1 },
    { name: 'rest', clusters: ['r1', 'r2'], maxUnavailable: 2 },
  ],
  maxUnavailable: 6,
  maxUnavailablePartitions: 0,
};
const CLUSTERS = ['c1', 'w1', 'w2', 'w3', 'r1', 'r2'];

/** Shorthands for one cluster's progress: p pending, u updating (published 10 s ago), d done, f failed (published 400 s ago, never healthy), s stale, x stale and never published, h held, y healthy but only 5 s (not long enough). */
function progress(codes: string): ClusterProgress[] {
  return [...codes].map((code, i): ClusterProgress => {
    const cluster = CLUSTERS[i]!;
    switch (code) {
      case 'p': return { cluster, stale: false };
      case 'u': return { cluster, stale: false, publishedAt: NOW - 10 * S };
      case 'd': return { cluster, stale: false, publishedAt: NOW - 100 * S, healthySince: NOW - 60 * S };
      case 'y': return { cluster, stale: false, publishedAt: NOW - 20 * S, healthySince: NOW - 5 * S };
      case 'f': return { cluster, stale: false, publishedAt: NOW - 400 * S, lastReport: 'Degraded: Deployment web: 0/1 available' };
      case 's': return { cluster, stale: true, publishedAt: NOW - 400 * S };
      case 'x': return { cluster, stale: true };
      case 'h': return { cluster, stale: false, held: 'maintenance window closed until 02:00' };
      default: throw new Error(`bad code ${code}`);
    }
  });
}

/** phase, published clusters, stage phases, cluster states in one line each. */
function brief(d: GateDecision) {
  return {
    phase: d.phase,
    publish: d.publish.join(','),
    stages: d.stages.map((s) => `${s.name}:${s.phase}`).join(' '),
    states: d.stages.flatMap((s) => s.clusters.map((c) => `${c.cluster}=${c.state}`)).join(' '),
    rollback: d.rollback.join(','),
  };
}

describe('decideRollout: stage by stage', () => {
  const table: Array<[string, string, Partial<RolloutSettings>, Partial<ReturnType<typeof brief>>]> = [
    ['a new revision starts with the canary only', 'pppppp', {},
      { phase: 'Progressing', publish: 'c1', stages: 'canary:Progressing wave:Pending rest:Pending' }],
    ['the canary updating: nothing more', 'uppppp', {},
      { phase: 'Progressing', publish: '', stages: 'canary:Progressing wave:Pending rest:Pending' }],
    ['the canary Healthy, but not for minHealthyDuration yet: nothing more', 'yppppp', {},
      { phase: 'Progressing', publish: '', stages: 'canary:Progressing wave:Pending rest:Pending' }],
    ['the canary done: the wave starts, one at a time (maxUnavailable 1)', 'dppppp', {},
      { phase: 'Progressing', publish: 'w1', stages: 'canary:Succeeded wave:Progressing rest:Pending' }],
    ['one wave cluster updating: the next waits', 'dupppp', {},
      { phase: 'Progressing', publish: '' }],
    ['one wave cluster done: the next one', 'ddpppp', {},
      { phase: 'Progressing', publish: 'w2' }],
    ['the wave done: the rest together (maxUnavailable 2)', 'ddddpp', {},
      { phase: 'Progressing', publish: 'r1,r2', stages: 'canary:Succeeded wave:Succeeded rest:Progressing' }],
    ['every cluster done: Succeeded', 'dddddd', {},
      { phase: 'Succeeded', publish: '', stages: 'canary:Succeeded wave:Succeeded rest:Succeeded' }],
    ['a held canary holds the stage and everything after it', 'hppppp', {},
      { phase: 'Progressing', publish: '', stages: 'canary:Progressing wave:Pending rest:Pending', states: 'c1=Held w1=Pending w2=Pending w3=Pending r1=Pending r2=Pending' }],
    ['a held wave cluster is passed over within its stage, and keeps the stage open', 'dhpppp', {},
      { phase: 'Progressing', publish: 'w2', stages: 'canary:Succeeded wave:Progressing rest:Pending' }],
    ['a stale canary blocks the gate (onStale block)', 'sppppp', {},
      { phase: 'Progressing', publish: '', stages: 'canary:Progressing wave:Pending rest:Pending', states: 'c1=Stale w1=Pending w2=Pending w3=Pending r1=Pending r2=Pending' }],
    ['a stale canary is skipped with onStale skip', 'sppppp', { onStale: 'skip' },
      { phase: 'Progressing', publish: 'w1', stages: 'canary:Succeeded wave:Progressing rest:Pending' }],
    ['a stale cluster not yet published is published in its turn with onStale skip (without taking a slot)', 'ddddxp', { onStale: 'skip' },
      { phase: 'Progressing', publish: 'r1,r2', states: 'c1=Done w1=Done w2=Done w3=Done r1=Stale r2=Updating' }],
    ['... and with onStale block it is not, and takes a slot', 'ddddxp', {},
      { phase: 'Progressing', publish: 'r2', states: 'c1=Done w1=Done w2=Done w3=Done r1=Stale r2=Updating' }],
    ['a stale cluster past the deadline is not a failure', 'ddsppp', {},
      { phase: 'Progressing', publish: '' }],
    ['the canary past its deadline: Failed, rolled back, nothing more published', 'fppppp', {},
      { phase: 'Failed', publish: '', rollback: 'c1', states: 'c1=Failed w1=Pending w2=Pending w3=Pending r1=Pending r2=Pending' }],
    ['a failure in the wave rolls back every cluster that got the revision', 'ddfppp', {},
      { phase: 'Failed', publish: '', rollback: 'c1,w1,w2' }],
    ['one failure tolerated (maxFailures 1) still occupies its slot: the wave waits', 'ddfppp', { maxFailures: 1 },
      { phase: 'Progressing', publish: '', stages: 'canary:Succeeded wave:Progressing rest:Pending' }],
    ['maxFailures as a percentage rounds down: 20 % of 6 tolerates one', 'ddfppp', { maxFailures: '20%' },
      { phase: 'Progressing', publish: '' }],
  ];
  for (const [name, codes, over, want] of table) {
    it(name, () => {
      const got = brief(decideRollout(plan, progress(codes), settings(over), NOW));
      for (const key of Object.keys(want) as Array<keyof typeof want>) assert.equal(got[key], want[key], `${key} of ${JSON.stringify(got)}`);
    });
  }
});

describe('decideRollout: limits', () => {
  it('maxUnavailablePartitions 1 lets the next stage start while one is unfinished', () => {
    const d = decideRollout({ ...plan, maxUnavailablePartitions: 1 }, progress('uppppp'), settings(), NOW);
    assert.equal(d.publish.join(','), 'w1');
    assert.equal(d.stages.map((s) => s.phase).join(' '), 'Progressing Progressing Pending');
  });

  it('the bundle-wide maxUnavailable caps every stage together', () => {
    const d = decideRollout({ ...plan, maxUnavailable: 1, stages: [{ name: 'all', clusters: CLUSTERS, maxUnavailable: 6 }] }, progress('pppppp'), settings(), NOW);
    assert.deepEqual(d.publish, ['c1']);
  });

  it('autoRollback false pauses instead of rolling back, and still names the cause', () => {
    const d = decideRollout(plan, progress('fppppp'), settings({ autoRollback: false }), NOW);
    assert.equal(d.phase, 'Failed');
    assert.equal(d.paused, true);
    assert.deepEqual(d.rollback, ['c1']);
    assert.match(d.cause!, /^1 cluster failed, more than maxFailures 0 allows: c1: not Healthy on the new revision 400 s after it was published \(progressDeadline 300 s\); last report: Degraded: Deployment web: 0\/1 available$/);
  });

  it('a cluster\'s own settings (its targetCustomization) override the rollout\'s', () => {
    const p = progress('yppppp');
    p[0]!.overrides = { minHealthyDurationMs: 2 * S };
    assert.deepEqual(decideRollout(plan, p, settings(), NOW).publish, ['w1'], 'Healthy 5 s is enough for a 2 s minHealthyDuration');
    const f = progress('uppppp');
    f[0]!.overrides = { progressDeadlineMs: 5 * S };
    assert.equal(decideRollout(plan, f, settings(), NOW).phase, 'Failed', 'published 10 s ago, past its own 5 s deadline');
    const st = progress('sppppp');
    st[0]!.overrides = { onStale: 'skip' };
    assert.deepEqual(decideRollout(plan, st, settings(), NOW).publish, ['w1'], 'its own onStale skip');
  });

  it('reports skipped stale clusters', () => {
    assert.deepEqual(decideRollout(plan, progress('sppppp'), settings({ onStale: 'skip' }), NOW).skippedStale, ['c1']);
  });

  it('refuses a plan cluster without progress, and a bad maxFailures', () => {
    assert.throws(() => decideRollout(plan, progress('ppp'), settings(), NOW), /no progress given for cluster "w3"/);
    assert.throws(() => decideRollout(plan, progress('pppppp'), settings({ maxFailures: 'some' }), NOW), /invalid maxFailures "some"/);
  });
});

describe('failureBudget', () => {
  const table: Array<[number, number | string, number]> = [[6, 0, 0], [6, 2, 2], [6, '2', 2], [6, '20%', 1], [5, '10%', 0], [10, '50%', 5]];
  for (const [total, v, want] of table) it(`${v} of ${total} → ${want}`, () => assert.equal(failureBudget(total, v), want));
});
