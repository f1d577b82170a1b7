/**
 * What a preview compares, pure: the targets a revision would publish against the targets the
 * source has published (the targets table), with the pipeline's own rules, so a preview says
 * what a pipeline run at that revision would do (deployments/deployment.service.ts and
 * bundle-deployer.service.ts):
 *   - a bundle that failed (fleet.yaml, targeting or a render) changes none of its targets: they
 *     are kept on their last good revision;
 *   - a paused bundle is targeted but not deployed: its published targets are kept, nothing added;
 *   - a resolved target without a published one is added; with one, it is changed unless the
 *     published state already says the same (desired-state.ts `samePublication`: digest,
 *     namespaces, sync policy, ignore rules, take_ownership; a new revision alone changes nothing);
 *   - a published target its bundle no longer resolves to (relabelled cluster, doNotDeploy) is
 *     withdrawn, and so is every target of a bundle the scan proves gone from Git
 *     (withdrawal.ts `untargetedWithdrawals`, `goneWithdrawals`, with their reasons);
 *   - published targets of a bundle whose id is in doubt (unidentified, duplicate) are kept.
 */
import type { BundleProblem } from '../bundles/bundle.entity.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { samePublication, type TargetDraft } from '../deployments/desired-state.js';
import { goneWithdrawals, untargetedWithdrawals } from '../deployments/withdrawal.js';

/** What the preview made of one identified bundle of the revision. */
export type PreviewBundle =
  | {
      id: string;
      /** the bundle's directory in the checkout ('' = root) */
      path: string;
      state: 'Ready' | 'Paused';
      /** one per resolved target (cluster), with the digest of its render */
      drafts: TargetDraft[];
    }
  | { id: string; path: string; state: 'Failed'; errors: BundleProblem[] };

/** How a target would change: added, changed, unchanged, withdrawn, or kept as published (failed or paused bundle). */
export type TargetChangeKind = 'added' | 'changed' | 'unchanged' | 'withdrawn' | 'kept';

/** One target (bundle × cluster) of the comparison. */
export interface TargetChange {
  cluster: string;
  bundleId: string;
  /** the bundle's directory (this revision's, else as stored) */
  path: string;
  change: TargetChangeKind;
  /** why, in words (what differs, the withdrawal reason, why it is kept); '' for added/unchanged */
  reason: string;
  /** what would be published (added, changed, unchanged) */
  draft?: TargetDraft;
  /** what is published now (changed, unchanged, withdrawn, kept) */
  published?: TargetEntity;
}

/** Everything `compareTargets` decides from. */
export interface CompareInput {
  /** the commit previewed */
  revision: string;
  /** the identified bundles of the revision's scan, in scan order */
  bundles: readonly PreviewBundle[];
  /** the source's published targets on clusters that exist */
  published: readonly TargetEntity[];
  /** bundles the scan proves removed from Git (withdrawal.ts `goneBundles`: none when any id is in doubt) */
  gone: ReadonlyArray<{ id: string; path: string }>;
  /** stored bundle paths by id, for targets whose bundle is not in this revision */
  knownPaths: ReadonlyMap<string, string>;
}

/**
 * Compares the targets a revision would publish with the published ones (see module comment).
 * Every published target appears exactly once, and every draft of a Ready bundle once; sorted by
 * cluster, then bundle id.
 */
export function compareTargets(input: CompareInput): TargetChange[] {
  const out: TargetChange[] = [];
  const seen = new Set<string>();
  const key = (cluster: string, bundleId: string) => `${cluster}/${bundleId}`;
  const publishedOf = (cluster: string, bundleId: string) => input.published.find((t) => t.cluster === cluster && t.bundleId === bundleId);
  const push = (c: TargetChange) => {
    seen.add(key(c.cluster, c.bundleId));
    out.push(c);
  };

  for (const b of input.bundles) {
    const existing = input.published.filter((t) => t.bundleId === b.id);
    if (b.state === 'Failed') {
      for (const t of existing) push({ cluster: t.cluster, bundleId: b.id, path: b.path, change: 'kept', reason: `bundle failed at ${short(input.revision)}: kept on its last good revision ${short(t.revision)}`, published: t });
      continue;
    }
    if (b.state === 'Paused') {
      for (const t of existing) push({ cluster: t.cluster, bundleId: b.id, path: b.path, change: 'kept', reason: 'bundle paused: targeted but not deployed', published: t });
      continue;
    }
    for (const d of b.drafts) {
      const prev = publishedOf(d.cluster, b.id);
      if (!prev) push({ cluster: d.cluster, bundleId: b.id, path: b.path, change: 'added', reason: '', draft: d });
      else if (samePublication(prev, d)) push({ cluster: d.cluster, bundleId: b.id, path: b.path, change: 'unchanged', reason: '', draft: d, published: prev });
      else push({ cluster: d.cluster, bundleId: b.id, path: b.path, change: 'changed', reason: publicationChanges(prev, d).join('; '), draft: d, published: prev });
    }
    for (const w of untargetedWithdrawals(b.id, input.revision, existing, new Set(b.drafts.map((d) => d.cluster)))) {
      push({ cluster: w.cluster, bundleId: b.id, path: b.path, change: 'withdrawn', reason: w.reason, published: publishedOf(w.cluster, b.id)! });
    }
  }

  for (const w of goneWithdrawals(input.gone, input.published, input.revision)) {
    if (seen.has(key(w.cluster, w.bundleId))) continue;
    const path = input.gone.find((g) => g.id === w.bundleId)?.path ?? '';
    push({ cluster: w.cluster, bundleId: w.bundleId, path, change: 'withdrawn', reason: w.reason, published: publishedOf(w.cluster, w.bundleId)! });
  }

  // published targets of bundles this revision does not settle (id in doubt): kept
  for (const t of input.published) {
    if (seen.has(key(t.cluster, t.bundleId))) continue;
    push({ cluster: t.cluster, bundleId: t.bundleId, path: input.knownPaths.get(t.bundleId) ?? '', change: 'kept', reason: 'bundle not identified at this revision (no id, or an id claimed twice): kept as published', published: t });
  }

  return out.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.bundleId.localeCompare(b.bundleId));
}

/**
 * What differs between the published target `prev` and `draft`, in words, in the order of
 * desired-state.ts `samePublication`'s fields; empty when they publish the same.
 */
export function publicationChanges(prev: TargetEntity, draft: TargetDraft): string[] {
  const out: string[] = [];
  if (prev.digest !== draft.digest) out.push(`content ${prev.digest.slice(0, 19)}… → ${draft.digest.slice(0, 19)}…`);
  if (prev.targetNamespace !== draft.targetNamespace) out.push(`namespace "${prev.targetNamespace}" → "${draft.targetNamespace}"`);
  if (prev.defaultNamespace !== draft.defaultNamespace) out.push(`defaultNamespace "${prev.defaultNamespace}" → "${draft.defaultNamespace}"`);
  const policy = (p: TargetEntity['syncPolicy'] | null | undefined) => (p ? `automated=${p.automated} prune=${p.prune} selfHeal=${p.selfHeal}` : '(none)');
  if (policy(prev.syncPolicy) !== policy(draft.syncPolicy)) out.push(`sync policy ${policy(prev.syncPolicy)} → ${policy(draft.syncPolicy)}`);
  // field by field, as samePublication does (key order may differ in the stored jsonb)
  const rules = (r: TargetDraft['ignoreDifferences']) => JSON.stringify(r.map((x) => [x.group, x.kind, x.namespace, x.name, x.jsonPointers, x.managers]));
  if (rules(prev.ignoreDifferences ?? []) !== rules(draft.ignoreDifferences)) out.push('ignore rules');
  if ((prev.takeOwnership ?? true) !== draft.takeOwnership) out.push(`takeOwnership ${prev.takeOwnership ?? true} → ${draft.takeOwnership}`);
  return out;
}

function short(revision: string): string {
  return revision.slice(0, 7);
}
