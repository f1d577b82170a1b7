import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IntOrPercent, RolloutStrategySpec } from '../rendering/fleet-yaml.js';
import { limitOf, planStages } from './rollout-stages.js';
import type { ClusterGroupInfo, ClusterInfo } from './targets.js';

describe('limitOf: Fleet limit()', () => {
  const table: Array<[string, number, Array<IntOrPercent | undefined>, IntOrPercent, number]> = [
    ['count 0 → 1 whatever the value', 0, ['50%'], '100%', 1],
    ['first defined value wins', 10, [undefined, 3, 5], '100%', 3],
    ['fallback when none given', 10, [undefined], '100%', 10],
    ['a count is used as it is', 10, [0], '100%', 0],
    ['a digit string is a count', 10, ['4'], '100%', 4],
    ['percentage rounds down', 10, ['25%'], '100%', 2],
    ['a percentage giving 0 becomes 1', 3, ['10%'], '100%', 1],
    ['0% becomes 1', 10, ['0%'], '100%', 1],
    ['fractional percentage', 200, ['12.5%'], '100%', 25],
    ['numeric fallback', 4, [undefined], 0, 0],
  ];
  for (const [name, count, values, fallback, want] of table) {
    it(name, () => assert.equal(limitOf(count, values, fallback), want));
  }
  it('refuses what is neither a count nor a percentage', () => {
    assert.throws(() => limitOf(10, ['half'], '100%'), /invalid limit "half"/);
    assert.throws(() => limitOf(10, ['0'], '100%'), /invalid limit "0"/);
  });
});

const clusters: ClusterInfo[] = [
  { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
  { name: 'canary-1', labels: { env: 'prod', canary: 'true' } },
  { name: 'dev-1', labels: { env: 'dev' } },
  { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
  { name: 'edge-7', labels: { env: 'edge', region: 'eu' } },
];
const groups: ClusterGroupInfo[] = [{ name: 'europe', selector: { matchLabels: { region: 'eu' } } }];

/** stage name → its clusters, then [stage maxUnavailable…], plan maxUnavailable, maxUnavailablePartitions. */
function summary(strategy: RolloutStrategySpec | undefined, cs = clusters) {
  const plan = planStages(strategy, cs, groups);
  return {
    stages: plan.stages.map((s) => `${s.name}: ${s.clusters.join(',')} (${s.maxUnavailable})`),
    maxUnavailable: plan.maxUnavailable,
    maxUnavailablePartitions: plan.maxUnavailablePartitions,
  };
}

describe('planStages: Fleet rolloutStrategy partitions', () => {
  const table: Array<[string, RolloutStrategySpec | undefined, ReturnType<typeof summary>]> = [
    ['no strategy: one stage All, everything at once',
      undefined,
      { stages: ['All: canary-1,dev-1,edge-7,prod-eu,prod-us (5)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['strategy maxUnavailable applies to the stage and the bundle',
      { maxUnavailable: 2 },
      { stages: ['All: canary-1,dev-1,edge-7,prod-eu,prod-us (2)'], maxUnavailable: 2, maxUnavailablePartitions: 0 }],
    ['partitions in file order; unmatched clusters form the last stage',
      { partitions: [{ name: 'canary', clusterSelector: { matchLabels: { canary: 'true' } } }, { name: 'europe', clusterGroup: 'europe' }] },
      { stages: ['canary: canary-1 (1)', 'europe: edge-7,prod-eu (2)', 'unpartitioned: dev-1,prod-us (2)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['a cluster joins the first partition that matches it only',
      { partitions: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }, { name: 'eu', clusterGroup: 'europe' }] },
      { stages: ['prod: canary-1,prod-eu,prod-us (3)', 'eu: edge-7 (1)', 'unpartitioned: dev-1 (1)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['partition maxUnavailable over its own size; strategy default for the others',
      { maxUnavailable: '50%', partitions: [{ name: 'prod', maxUnavailable: 1, clusterSelector: { matchLabels: { env: 'prod' } } }, { name: 'rest', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }] },
      { stages: ['prod: canary-1,prod-eu,prod-us (1)', 'rest: dev-1,edge-7 (1)'], maxUnavailable: 2, maxUnavailablePartitions: 0 }],
    ['criteria are ANDed: group europe AND env=prod; clusterName',
      { partitions: [{ name: 'one', clusterName: 'dev-1' }, { name: 'eu-prod', clusterGroup: 'europe', clusterSelector: { matchLabels: { env: 'prod' } } }] },
      { stages: ['one: dev-1 (1)', 'eu-prod: prod-eu (1)', 'unpartitioned: canary-1,edge-7,prod-us (3)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['an empty partition is kept (it finishes at once); a nameless one gets partition<N>',
      { partitions: [{ clusterName: 'mars' }, { clusterSelector: {} }] },
      { stages: ['partition0:  (1)', 'partition1: canary-1,dev-1,edge-7,prod-eu,prod-us (5)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['a partition with no criteria matches nothing (as in targeting)',
      { partitions: [{ name: 'none' }] },
      { stages: ['none:  (1)', 'unpartitioned: canary-1,dev-1,edge-7,prod-eu,prod-us (5)'], maxUnavailable: 5, maxUnavailablePartitions: 0 }],
    ['maxUnavailablePartitions as a percentage of the stages',
      { maxUnavailablePartitions: '50%', partitions: [{ name: 'a', clusterName: 'dev-1' }, { name: 'b', clusterName: 'edge-7' }, { name: 'c', clusterName: 'prod-eu' }, { name: 'd', clusterName: 'prod-us' }] },
      { stages: ['a: dev-1 (1)', 'b: edge-7 (1)', 'c: prod-eu (1)', 'd: prod-us (1)', 'unpartitioned: canary-1 (1)'], maxUnavailable: 5, maxUnavailablePartitions: 2 }],
  ];
  for (const [name, strategy, want] of table) {
    it(name, () => assert.deepEqual(summary(strategy), want));
  }
});

describe('planStages: automatic partitions (no partitions given)', () => {
  const many = (n: number): ClusterInfo[] => Array.from({ length: n }, (_, i) => ({ name: `c${String(i).padStart(4, '0')}`, labels: {} }));
  const sizes = (strategy: RolloutStrategySpec | undefined, n: number) =>
    planStages(strategy, many(n), []).stages.map((s) => `${s.name}:${s.clusters.length}`);

  it('fewer than 200 targets: one stage', () => assert.deepEqual(sizes(undefined, 199), ['All:199']));
  it('200 targets: stages of 25 % (Fleet default), named by offsets', () =>
    assert.deepEqual(sizes(undefined, 200), ['Partition 0 - 50:50', 'Partition 50 - 100:50', 'Partition 100 - 150:50', 'Partition 150 - 200:50']));
  it('autoPartitionSize as a count; the last stage holds the rest', () =>
    assert.deepEqual(sizes({ autoPartitionSize: 90 }, 250), ['Partition 0 - 90:90', 'Partition 90 - 180:90', 'Partition 180 - 250:70']));
  it('autoPartitionSize 0 turns automatic partitions off', () => assert.deepEqual(sizes({ autoPartitionSize: 0 }, 500), ['All:500']));
  it('stages follow cluster-name order whatever the input order', () => {
    const shuffled = many(200).reverse();
    const plan = planStages(undefined, shuffled, []);
    assert.equal(plan.stages[0]!.clusters[0], 'c0000');
    assert.equal(plan.stages[3]!.clusters.at(-1), 'c0199');
  });
});
