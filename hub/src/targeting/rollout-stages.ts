// The stages of a bundle's rollout: which targeted clusters get a new revision first (Fleet's
// rolloutStrategy partitions), pure.
import type { IntOrPercent, RolloutStrategySpec } from '../rendering/fleet-yaml.js';
import { groupsOf, matchesCriteria, type ClusterGroupInfo, type ClusterInfo } from './targets.js';

/** One stage (a Fleet partition) of a rollout. */
export interface RolloutStage {
  /** The partition's `name`; `partition<N>` when it has none; `Partition <from> - <to>` (auto); `All`; `unpartitioned`. */
  name: string;
  /** Its clusters, sorted by name. */
  clusters: string[];
  /** How many of them may be updating or unhealthy at once (≥ 0). */
  maxUnavailable: number;
}

/** The stages of one bundle's rollout, in order, and the bundle-wide limits. */
export interface RolloutPlan {
  stages: RolloutStage[];
  /** How many of all targeted clusters may be updating or unhealthy at once. */
  maxUnavailable: number;
  /** How many earlier stages may be unfinished while a later one proceeds (Fleet default 0). */
  maxUnavailablePartitions: number;
}

/** Name of the last stage, holding the targeted clusters that no partition matched. */
export const UNPARTITIONED_STAGE = 'unpartitioned';

/** Fleet turns on automatic partitioning only for bundles with at least this many targets. */
export const AUTO_PARTITION_MIN_TARGETS = 200;

/**
 * A count or a percentage of `total` as a number: a count as it is (a string of digits is a
 * count), a percentage rounded down. `what` names the setting in the error.
 * @throws Error for a string that is neither digits nor a percentage (fleet.yaml parsing refuses
 *   those first, so only a caller that skipped it sees this).
 */
export function countOf(total: number, v: IntOrPercent, what = 'limit'): number {
  if (typeof v === 'number') return v;
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (!m) throw new Error(`invalid ${what} "${v}": expected a count or a percentage such as "25%"`);
  return Math.floor((total * Number(m[1])) / 100);
}

/**
 * Fleet's `limit` (rancher/fleet internal/cmd/controller/target: the first value given, else
 * `fallback`): a count is used as it is; a percentage of `count` is rounded down, and a result
 * ≤ 0 becomes 1; `count` ≤ 0 gives 1. A string of digits ("5") is a count, but "0" is refused
 * as Fleet refuses it (neither a positive count nor a percentage).
 * @throws Error for an invalid value (see countOf).
 */
export function limitOf(count: number, values: ReadonlyArray<IntOrPercent | undefined>, fallback: IntOrPercent): number {
  if (count <= 0) return 1;
  const v = values.find((x) => x !== undefined) ?? fallback;
  if (typeof v === 'string' && /^0+$/.test(v)) throw new Error(`invalid limit "${v}": expected a count or a percentage such as "25%"`);
  const n = countOf(count, v);
  return typeof v === 'string' && v.endsWith('%') && n <= 0 ? 1 : n;
}

/**
 * Splits a bundle's targeted `clusters` into rollout stages by its `rolloutStrategy`, with
 * Rancher Fleet's meaning (internal/cmd/controller/target/rollout.go, partition.go), except
 * where said:
 * - `partitions[]` given: one stage per partition, in file order; a partition's criteria
 *   (`clusterName`, `clusterGroup`, `clusterGroupSelector`, `clusterSelector`) are ANDed as in
 *   targeting. A cluster joins the FIRST partition that matches it (Fleet puts it in every
 *   match, so one cluster could count in two stages). Targeted clusters that no partition
 *   matches form a last stage, `unpartitioned` (Fleet never deploys them).
 * - no partitions: one stage `All`, unless there are at least 200 targets and
 *   `autoPartitionSize` is not a count ≤ 0: then stages of `autoPartitionSize` clusters
 *   (default 25 %), named `Partition <from> - <to>`, in cluster-name order.
 * - a stage's `maxUnavailable`: the partition's, else the strategy's, else 100 %, of the stage's
 *   size; the bundle-wide one: the strategy's, else 100 %, of all targets; and
 *   `maxUnavailablePartitions`: the strategy's, else 0, of the number of stages (see limitOf).
 * Empty partitions are kept (they finish at once), so the stages read as the file does.
 * `clusters` are the targeted clusters only (resolveTargets' output).
 */
export function planStages(strategy: RolloutStrategySpec | undefined, clusters: ClusterInfo[], groups: ClusterGroupInfo[]): RolloutPlan {
  const s = strategy ?? {};
  const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const stage = (name: string, members: ClusterInfo[], own?: IntOrPercent): RolloutStage => ({
    name,
    clusters: members.map((c) => c.name),
    maxUnavailable: limitOf(members.length, [own, s.maxUnavailable], '100%'),
  });

  const stages: RolloutStage[] = [];
  const partitions = s.partitions ?? [];
  if (partitions.length > 0) {
    const taken = new Set<string>();
    partitions.forEach((p, i) => {
      const members = sorted.filter((c) => !taken.has(c.name) && matchesCriteria(p, c, groupsOf(c, groups)));
      for (const c of members) taken.add(c.name);
      stages.push(stage(p.name ?? `partition${i}`, members, p.maxUnavailable));
    });
    const rest = sorted.filter((c) => !taken.has(c.name));
    if (rest.length > 0) stages.push(stage(UNPARTITIONED_STAGE, rest));
  } else {
    const autoOff = typeof s.autoPartitionSize === 'number' && s.autoPartitionSize <= 0;
    if (autoOff || sorted.length < AUTO_PARTITION_MIN_TARGETS) {
      stages.push(stage('All', sorted));
    } else {
      const size = limitOf(sorted.length, [s.autoPartitionSize], '25%');
      for (let from = 0; from < sorted.length; from += size) {
        const members = sorted.slice(from, from + size);
        stages.push(stage(`Partition ${from} - ${from + members.length}`, members));
      }
    }
  }
  return {
    stages,
    maxUnavailable: limitOf(sorted.length, [s.maxUnavailable], '100%'),
    maxUnavailablePartitions: limitOf(stages.length, [s.maxUnavailablePartitions], 0),
  };
}
