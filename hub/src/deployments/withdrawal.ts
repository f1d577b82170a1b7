/**
 * Withdrawal decisions of the deployment pipeline, pure: which id each scanned bundle has, which
 * known bundles a scan proves gone, which targets a commit plans to withdraw, and what the
 * mass-deletion guard makes of that plan. Deleting is the most dangerous thing gitfleet does, so every rule here leans to keeping:
 * a bundle is gone only when a scan that identified every bundle without doubt lacks it, and a
 * change that withdraws a large share of a source's targets waits for an operator.
 */
import type { ScannedBundle } from '../rendering/index.js';
import type { WithdrawalConfirmation, WithdrawalHold } from '../sources/source.entity.js';

/** A scanned bundle and the id it is reconciled under. */
export interface IdentifiedBundle {
  scanned: ScannedBundle;
  id: string;
}

/** What `identifyBundles` made of one scan. */
export interface BundleIdentity {
  /** bundles with an id no other bundle of the scan has, in scan order */
  bundles: IdentifiedBundle[];
  /** ids claimed by two or more bundle directories (repo-relative paths, sorted): all Failed */
  duplicates: Array<{ id: string; paths: string[] }>;
  /** bundles for which no id could be made, with the reason */
  unidentified: Array<{ path: string; reason: string }>;
  /**
   * true when every bundle of the scan has a certain identity (its fleet.yaml parsed and an id
   * was made). Only then may a known bundle that is missing from the scan count as removed from
   * Git: a fleet.yaml that fails to parse may hide the `name` of a bundle that moved there.
   */
  certain: boolean;
}

/**
 * Gives each scanned bundle its id. A bundle whose fleet.yaml failed to parse (`scanned.error`)
 * keeps the id of the bundle known at the same path (so its targets stay on their last good
 * desired state while it is Failed), or, at a new path, the path-derived id; either way the
 * scan is not `certain`. `idOf` is `bundleId` (bundles/bundle-scan.ts); an id it cannot make
 * leaves the bundle unidentified and the scan uncertain. Two directories with one id are both
 * reported in `duplicates` and neither is in `bundles`.
 * @param known the bundles stored for this source (id and path of the last scan)
 */
export function identifyBundles(
  sourceName: string,
  scanned: readonly ScannedBundle[],
  known: ReadonlyArray<{ id: string; path: string }>,
  idOf: (sourceName: string, bundle: ScannedBundle) => string,
): BundleIdentity {
  let certain = true;
  const unidentified: BundleIdentity['unidentified'] = [];
  const byId = new Map<string, ScannedBundle[]>();
  for (const sb of scanned) {
    let id: string | undefined;
    if (sb.error) {
      certain = false;
      id = known.find((k) => k.path === sb.path)?.id;
    }
    if (id === undefined) {
      try {
        id = idOf(sourceName, sb);
      } catch (err) {
        certain = false;
        unidentified.push({ path: sb.path, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
    }
    const list = byId.get(id);
    if (list) list.push(sb);
    else byId.set(id, [sb]);
  }
  const bundles: IdentifiedBundle[] = [];
  const duplicates: BundleIdentity['duplicates'] = [];
  for (const [id, list] of byId) {
    if (list.length === 1) bundles.push({ scanned: list[0]!, id });
    else duplicates.push({ id, paths: list.map((b) => b.path).sort() });
  }
  return { bundles, duplicates, unidentified, certain };
}

/**
 * The known bundles a scan proves removed from Git: those whose id no scanned bundle has
 * (duplicates count as present), and only when the scan is `certain`; none otherwise.
 */
export function goneBundles<B extends { id: string }>(identity: BundleIdentity, known: readonly B[]): B[] {
  if (!identity.certain) return [];
  const present = new Set([...identity.bundles.map((b) => b.id), ...identity.duplicates.map((d) => d.id)]);
  return known.filter((k) => !present.has(k.id));
}

/** One target the pipeline means to withdraw, and why (the tombstone's withdrawal_reason). */
export interface PlannedWithdrawal {
  cluster: string;
  bundleId: string;
  reason: string;
}

/**
 * The withdrawals planned for bundle `bundleId`'s published targets (`existing`) on clusters
 * its targeting at `revision` no longer resolves (`resolvedClusters`: cluster relabelled,
 * customization doNotDeploy, ...), in `existing` order.
 */
export function untargetedWithdrawals(
  bundleId: string,
  revision: string,
  existing: ReadonlyArray<{ cluster: string }>,
  resolvedClusters: ReadonlySet<string>,
): PlannedWithdrawal[] {
  return existing
    .filter((e) => !resolvedClusters.has(e.cluster))
    .map((e) => ({ cluster: e.cluster, bundleId, reason: `cluster ${e.cluster} is no longer targeted by bundle ${bundleId} at ${revision.slice(0, 7)}` }));
}

/**
 * The withdrawals planned for every live target of the bundles a scan at `revision` proved
 * removed from Git (`gone`, from `goneBundles`): per gone bundle, its targets in `live` order.
 */
export function goneWithdrawals(
  gone: ReadonlyArray<{ id: string; path: string }>,
  live: ReadonlyArray<{ cluster: string; bundleId: string }>,
  revision: string,
): PlannedWithdrawal[] {
  const planned: PlannedWithdrawal[] = [];
  for (const b of gone) {
    for (const t of live) {
      if (t.bundleId === b.id) planned.push({ cluster: t.cluster, bundleId: t.bundleId, reason: `bundle directory ${b.path || '.'} left Git at ${revision.slice(0, 7)}` });
    }
  }
  return planned;
}

/** Mass-deletion guard settings (GITFLEET_WITHDRAWAL_GUARD_SHARE, GITFLEET_WITHDRAWAL_GUARD_MIN). */
export interface WithdrawalGuard {
  /** share of a source's targets, 0..1, that one change may withdraw without confirmation (0.5) */
  share: number;
  /** fewest withdrawals that are ever held (5): below this a change always goes through */
  min: number;
}

/** Default guard: hold a change that withdraws more than half of a source's targets, and at least 5. */
export const DEFAULT_WITHDRAWAL_GUARD: WithdrawalGuard = { share: 0.5, min: 5 };

/**
 * True when withdrawing `count` of a source's `total` published targets must wait for an
 * operator's confirmation: `count >= min` and `count > share × total`.
 */
export function crossesGuard(count: number, total: number, guard: WithdrawalGuard): boolean {
  return count >= guard.min && count > guard.share * total;
}

/** `<cluster>/<bundleId>`: how a withdrawal is named in a hold and in its confirmation. */
export function withdrawalKey(w: { cluster: string; bundleId: string }): string {
  return `${w.cluster}/${w.bundleId}`;
}

/** True when every planned withdrawal is among the confirmed keys (a confirmation covers only what it saw). */
export function coveredByConfirmation(planned: readonly PlannedWithdrawal[], confirmed: readonly string[] | undefined): boolean {
  if (!confirmed) return false;
  const ok = new Set(confirmed);
  return planned.every((w) => ok.has(withdrawalKey(w)));
}

/** What the mass-deletion guard decides for one source's planned withdrawals (`guardVerdict`). */
export type GuardVerdict =
  | {
      /** the plan may be withdrawn now */
      withdraw: true;
      /** the source has a hold or confirmation that no longer applies: clear both */
      clearHold: boolean;
      /** the plan is not empty and an operator's confirmation covers it (worth a warning) */
      confirmed: boolean;
    }
  | {
      /** nothing may be withdrawn until an operator confirms */
      withdraw: false;
      /**
       * the hold to record on the source (replacing any confirmation: a confirmation of another
       * set does not carry over); null when the same hold is recorded already
       */
      hold: WithdrawalHold | null;
    };

/**
 * The mass-deletion guard on a source's `planned` withdrawals at `revision`, out of its `total`
 * published targets: they may go when nothing is planned, the plan stays under the guard
 * (`crossesGuard`), or the source's `confirmation` covers every planned withdrawal. Otherwise
 * the plan is held; a new hold (at `now`, naming the confirm-withdrawal endpoint) unless the
 * source's `hold` already holds the same targets at the same revision.
 */
export function guardVerdict(input: {
  source: string;
  revision: string;
  planned: readonly PlannedWithdrawal[];
  total: number;
  hold: WithdrawalHold | null;
  confirmation: WithdrawalConfirmation | null;
  guard: WithdrawalGuard;
  now: Date;
}): GuardVerdict {
  const { source, revision, planned, total, hold, confirmation, guard } = input;
  const confirmed = coveredByConfirmation(planned, confirmation?.targets);
  if (planned.length === 0 || confirmed || !crossesGuard(planned.length, total, guard)) {
    return { withdraw: true, clearHold: !!(hold || confirmation), confirmed: confirmed && planned.length > 0 };
  }
  const keys = planned.map(withdrawalKey).sort();
  const same = hold && hold.revision === revision && JSON.stringify(hold.targets.map(withdrawalKey).sort()) === JSON.stringify(keys);
  if (same) return { withdraw: false, hold: null };
  const pct = Math.round(guard.share * 100);
  return {
    withdraw: false,
    hold: {
      revision,
      heldAt: input.now.toISOString(),
      total,
      reason: `would withdraw ${planned.length} of ${total} targets (the guard holds more than ${pct} % and at least ${guard.min}); confirm with POST /api/v1/sources/${source}/confirm-withdrawal`,
      targets: [...planned],
    },
  };
}
