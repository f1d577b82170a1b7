/**
 * What the pipeline publishes, pure: the BundleManifest of a render (content-addressed), the
 * target row a resolved target asks for, whether the last published row already says the same,
 * and the fleet.v1 DesiredState (or tombstone) of a row. The writes are DesiredStatePublisher's.
 */
import {
  BundleManifestSchema,
  bundleDigest,
  canonicalJson,
  CONTRACT_VERSION,
  create,
  DesiredStateSchema,
  IgnoreDifferenceSchema,
  SyncPolicySchema,
  toBinary,
  type DesiredState,
} from '@gitfleet/proto';
import type { ResolvedTarget } from '../targeting/index.js';
import type { IgnoreDifferenceJson, SyncPolicyJson, TargetDraft, TargetEntity } from '../targets/target.entity.js';

/** One rendered variant of a bundle at a revision, ready to publish. */
export interface RenderedManifest {
  /** protobuf binary of the BundleManifest. */
  bytes: Uint8Array;
  /** `bundleDigest(bytes)`: the object name; equal content ⇒ equal digest. */
  digest: string;
}

/** What a resolved target asks to publish (defined with the targets row it becomes). */
export type { TargetDraft };

/**
 * Encodes rendered objects as a fleet.v1 BundleManifest (objects as canonical JSON, in render
 * order) and computes its digest. The manifest holds content only (no revision), so the same
 * render at a later commit has the same digest.
 */
export function encodeManifest(bundleId: string, objects: Array<{ file: string; object: unknown }>): RenderedManifest {
  const manifestObjects = objects.map((o) => ({ file: o.file, json: canonicalJson(o.object) }));
  const manifest = create(BundleManifestSchema, { contractVersion: CONTRACT_VERSION, bundleId, objects: manifestObjects });
  const bytes = toBinary(BundleManifestSchema, manifest);
  return { bytes, digest: bundleDigest(bytes) };
}

/**
 * The draft of target `t` of bundle `bundleId` of `source` at `revision`, publishing the
 * manifest `digest`: namespaces default to '' (none), namespace labels and annotations to {},
 * take_ownership to true (non-Helm bundles), sync policy and ignore rules copied into their
 * stored (jsonb) form.
 */
export function targetDraftOf(source: string, bundleId: string, revision: string, t: ResolvedTarget, digest: string): TargetDraft {
  return {
    cluster: t.cluster,
    bundleId,
    source,
    revision,
    digest,
    targetNamespace: t.targetNamespace ?? '',
    defaultNamespace: t.defaultNamespace ?? '',
    syncPolicy: { automated: t.syncPolicy.automated, prune: t.syncPolicy.prune, selfHeal: t.syncPolicy.selfHeal },
    ignoreDifferences: t.ignoreDifferences.map((r) => ({ ...r, jsonPointers: [...r.jsonPointers], managers: [...r.managers] })),
    takeOwnership: t.takeOwnership ?? true,
    namespaceLabels: { ...t.namespaceLabels },
    namespaceAnnotations: { ...t.namespaceAnnotations },
  };
}

/**
 * True when the last published row `prev` already publishes what `draft` asks for: same digest,
 * target namespace, default namespace, namespace labels and annotations (a row without them
 * counts as {}), sync policy, ignore rules (in order) and take_ownership (a row without one
 * counts as true). The revision is not compared: an unchanged render at a new commit is not
 * republished.
 */
export function samePublication(prev: TargetEntity, draft: TargetDraft): boolean {
  return (
    prev.digest === draft.digest &&
    prev.targetNamespace === draft.targetNamespace &&
    prev.defaultNamespace === draft.defaultNamespace &&
    sameSyncPolicy(prev.syncPolicy, draft.syncPolicy) &&
    sameRules(prev.ignoreDifferences ?? [], draft.ignoreDifferences) &&
    (prev.takeOwnership ?? true) === draft.takeOwnership &&
    sameMap(prev.namespaceLabels ?? {}, draft.namespaceLabels) &&
    sameMap(prev.namespaceAnnotations ?? {}, draft.namespaceAnnotations)
  );
}

/**
 * The DesiredState of a targets row (what the row says was published) for a bundle at `path`:
 * fleet.v1 DesiredState with the row's revision, digest, namespaces, sync policy, ignore rules,
 * generation, sync_request, take_ownership (true when the row has none), namespace labels and
 * annotations (keys sorted, so the signed bytes do not depend on the order PostgreSQL returns
 * jsonb keys in), and `published_at` = the row's publishedAt.
 */
export function desiredStateOf(row: TargetEntity, path: string): DesiredState {
  return create(DesiredStateSchema, {
    contractVersion: CONTRACT_VERSION,
    cluster: row.cluster,
    bundleId: row.bundleId,
    revision: row.revision,
    digest: row.digest,
    syncPolicy: create(SyncPolicySchema, row.syncPolicy),
    generation: BigInt(row.generation),
    defaultNamespace: row.defaultNamespace,
    targetNamespace: row.targetNamespace,
    source: row.source,
    path,
    publishedAt: row.publishedAt.toISOString(),
    ignoreDifferences: (row.ignoreDifferences ?? []).map((r) => create(IgnoreDifferenceSchema, r)),
    syncRequest: BigInt(row.syncRequest ?? 0),
    takeOwnership: row.takeOwnership ?? true,
    namespaceLabels: sortedMap(row.namespaceLabels ?? {}),
    namespaceAnnotations: sortedMap(row.namespaceAnnotations ?? {}),
  });
}

/**
 * The tombstone that withdraws the target of row `t` (bundle at `path`): its DesiredState at
 * `revision` (the commit that withdrew it) with generation + 1, published_at `now`, an empty
 * digest, `withdrawn` = true and `withdrawal_reason` = `reason`.
 */
export function tombstoneOf(t: TargetEntity, path: string, reason: string, revision: string, now: Date): DesiredState {
  const tombstone = desiredStateOf({ ...t, revision, generation: t.generation + 1, publishedAt: now }, path);
  tombstone.digest = '';
  tombstone.withdrawn = true;
  tombstone.withdrawalReason = reason;
  return tombstone;
}

/** True when two string maps hold the same keys with the same values (order ignored). */
function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** A copy of `m` with its keys in code-unit order. */
function sortedMap(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

function sameRules(a: IgnoreDifferenceJson[], b: IgnoreDifferenceJson[]): boolean {
  const norm = (rules: IgnoreDifferenceJson[]) => JSON.stringify(rules.map((r) => [r.group, r.kind, r.namespace, r.name, r.jsonPointers, r.managers]));
  return norm(a) === norm(b);
}

function sameSyncPolicy(a: SyncPolicyJson | null | undefined, b: SyncPolicyJson): boolean {
  return !!a && a.automated === b.automated && a.prune === b.prune && a.selfHeal === b.selfHeal;
}
