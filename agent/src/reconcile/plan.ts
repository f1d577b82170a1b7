/**
 * Plan: what applying a desired state would change, computed with server-side dry runs and
 * nothing written (automated=false, a resync without self-heal, and the hub's DiffRequest).
 *
 * Per object: resolve its scope, place it (prepare.ts), read live, dry-run apply the body a real
 * apply would send (kube/apply.ts bodyFor: ignored fields left out; dryRun=All, field manager
 * gitfleet-agent, force) and compare the result with live after dropping what is
 * never a difference (status, server metadata): every remaining field is one the apply would
 * change; an object that does not exist would be created (missing). Objects of the previous
 * inventory that left the desired state would be pruned, or orphaned when the policy or the
 * prune annotation keeps them.
 */
import type { BundleManifest, DesiredState } from '@gitfleet/proto';
import { PRUNE_ANNOTATION } from '@gitfleet/proto';
import { fullDiff, stripNoise } from '../drift/compare.js';
import type { FieldDrift } from '../drift/drift.js';
import { type IgnoreRule, ignoresFor, pathIgnored } from '../drift/ignore.js';
import { fieldOwners, ownersOf, writerOf } from '../drift/managed-fields.js';
import type { Inventory } from '../inventory/document.js';
import { bodyFor } from '../kube/apply.js';
import { classifyKubeError, errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refKey, refOf, refString } from '../kube/types.js';
import { FIELD_MANAGER } from '../labels.js';
import { checkPreviewDesired, decodeDesired, effectiveSyncPolicy } from './desired.js';
import { verifyDesiredSignature } from './signature.js';
import { classifyHook } from './hooks.js';
import { selfProtectionRefusal } from './self-protection.js';
import { mapLimit } from '../util/pool.js';
import { type NamespaceOptions, parseManifestObject, placeObject } from './prepare.js';
import type { ReconcileDeps } from './deps.js';
import type { DiffAnswer } from '../nats/diff-responder.js';
import { type DriftItem, driftMessage, type PolicyFlags } from './result.js';

/** A desired object ready to apply, with its ref. */
export interface PlacedObject {
  ref: ObjectRef;
  obj: KubeObject;
}

/** The result of a plan. */
export interface Plan {
  /** objects that would be created or changed */
  drift: DriftItem[];
  /** objects that would be pruned */
  prune: ObjectRef[];
  /** objects that left the desired state and would be kept (policy or annotation) */
  orphaned: ObjectRef[];
  /** per-object failures ("dry-run ConfigMap app/c: <reason>") and parse errors */
  errors: string[];
}

/** Options of a plan. */
export interface PlanOptions {
  policy: PolicyFlags;
  /** ignore rules of the desired state; undefined → report every difference (DiffRequest) */
  ignore?: { rules: readonly IgnoreRule[]; managers: readonly string[] };
  /**
   * ignore rules the dry-run body respects, as the real apply would (default: `ignore`); the
   * DiffRequest passes them without `ignore`: it reports every field an apply would change
   */
  write?: { rules: readonly IgnoreRule[]; managers: readonly string[] };
}

/** True when a desired object asks not to be pruned (`gitfleet.io/prune: "false"`). */
export function keepsOnPrune(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[PRUNE_ANNOTATION] === 'false';
}

/**
 * Parses and places every object of a bundle (scope from discovery), leaving Helm hook objects
 * out (they run on a new generation only and are never drift). Objects that cannot be parsed or
 * placed, or whose kind is not served, come back as error messages.
 */
export async function placeAll(deps: ReconcileDeps, desired: DesiredState, manifest: BundleManifest): Promise<{ placed: PlacedObject[]; errors: string[] }> {
  const ns: NamespaceOptions = { targetNamespace: desired.targetNamespace, defaultNamespace: desired.defaultNamespace };
  const errors: string[] = [];
  const parsed: KubeObject[] = [];
  for (const m of manifest.objects) {
    const p = parseManifestObject(m);
    if (!p.ok) errors.push(p.message);
    else if (classifyHook(p.obj).kind === 'normal') parsed.push(p.obj);
  }
  const placed = await mapLimit(parsed, deps.applyConcurrency, async (obj): Promise<PlacedObject | undefined> => {
    try {
      const scope = await deps.kube.scopeOf(obj.apiVersion, obj.kind);
      if (!scope) {
        errors.push(`kind ${obj.kind} is not served by the apiserver under ${obj.apiVersion}`);
        return undefined;
      }
      const p = placeObject(obj, scope.namespaced, ns, desired.bundleId);
      if (!p.ok) {
        errors.push(p.message);
        return undefined;
      }
      return { ref: refOf(p.obj), obj: p.obj };
    } catch (err) {
      errors.push(`${obj.kind} ${obj.metadata.name}: ${classifyKubeError(err).message}`);
      return undefined;
    }
  });
  return { placed: placed.filter((p): p is PlacedObject => p !== undefined), errors };
}

/** The fields a dry-run apply would change on live, with their current writers. */
function wouldChange(dryRun: KubeObject, live: KubeObject, ignore: PlanOptions['ignore'], ref: ObjectRef): FieldDrift[] {
  const owners = fieldOwners(live);
  const ign = ignore ? ignoresFor(ignore.rules, ignore.managers, ref) : undefined;
  return fullDiff(stripNoise(dryRun), stripNoise(live))
    .filter((d) => !ign || (!pathIgnored(ign.pointers, d.path) && !ownersOf(owners, d.path).some((m) => ign.managers.has(m))))
    .map((d) => ({ ...d, manager: writerOf(owners, d.path, FIELD_MANAGER) }));
}

/**
 * Dry-runs one placed object: its would-change drift item, undefined when unchanged. `ignore`
 * filters the reported fields; `write` (default: `ignore`) shapes the dry-run body as every
 * apply does (kube/apply.ts bodyFor).
 */
export async function planObject(deps: ReconcileDeps, p: PlacedObject, ignore: PlanOptions['ignore'], write: PlanOptions['ignore'] = ignore): Promise<DriftItem | undefined> {
  const item = (missing: boolean, diffs: FieldDrift[]): DriftItem => ({ ref: p.ref, missing, diffs, healed: false, conflictManager: '', conflictMessage: '' });
  const live = await deps.kube.getObject(p.ref);
  let dry: KubeObject;
  try {
    // the body an apply would send: what the ignore rules leave to others is left out
    dry = await deps.kube.applyObject(bodyFor(p.obj, live, write), { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
  } catch (err) {
    // an object that does not exist yet may need what the apply creates first (its namespace)
    if (!live && classifyKubeError(err).status === 404) return item(true, []);
    throw err;
  }
  if (!live) return item(true, []);
  const diffs = wouldChange(dry, live, ignore, p.ref);
  return diffs.length > 0 ? item(false, diffs) : undefined;
}

/**
 * Plans a desired state against the cluster (see module comment). `previous` is the stored
 * inventory (what an apply would prune from). Never throws for per-object failures (they are in
 * `errors`); throws the placement's bundle-level errors only through `errors` too.
 */
export async function planDesired(deps: ReconcileDeps, desired: DesiredState, manifest: BundleManifest, previous: Inventory | null, opts: PlanOptions): Promise<Plan> {
  const { placed, errors } = await placeAll(deps, desired, manifest);
  const items = await mapLimit(placed, deps.applyConcurrency, async (p) => {
    // the agent's own objects would be refused by an apply (self-protection.ts)
    const refused = selfProtectionRefusal(p.ref, deps.selfObjects);
    if (refused !== undefined) {
      errors.push(refused);
      return undefined;
    }
    try {
      return await planObject(deps, p, opts.ignore, opts.write ?? opts.ignore);
    } catch (err) {
      errors.push(`dry-run ${refString(p.ref)}: ${classifyKubeError(err).message}`);
      return undefined;
    }
  });
  const wanted = new Set(placed.map((p) => refKey(p.ref)));
  const keep = new Set((previous?.keep ?? []).map(refKey));
  const prune: ObjectRef[] = [];
  const orphaned = (previous?.orphaned ?? []).filter((r) => !wanted.has(refKey(r)));
  for (const r of previous?.objects ?? []) {
    if (wanted.has(refKey(r))) continue;
    if (opts.policy.prune && !keep.has(refKey(r))) prune.push(r);
    else orphaned.push(r);
  }
  return { drift: items.filter((d): d is DriftItem => d !== undefined), prune, orphaned, errors };
}

/** The answer to a DiffRequest, in plain form. */
export interface DiffResult {
  revision: string;
  objects: DriftItem[];
  prune: ObjectRef[];
  errors: string[];
  /** objects that would leave the desired state but be kept (policy or annotation) */
  orphaned?: ObjectRef[];
  /** true: the answer is about the request's preview desired state */
  preview?: boolean;
}

/**
 * A DiffResult as the DiffResponse fields the NATS endpoint sends (nats/diff-responder.ts
 * DiffAnswer): drift items become ObjectDrift messages (values as JSON text).
 */
export function diffAnswer(r: DiffResult): DiffAnswer {
  return { revision: r.revision, objects: r.objects.map(driftMessage), prune: r.prune, errors: r.errors, orphaned: r.orphaned ?? [], preview: r.preview ?? false };
}

/**
 * What applying a target's current desired state (`value`, the KV entry; undefined when the
 * agent holds none) would change, for the hub's DiffRequest: a plan with no ignore rules applied
 * (every would-change field). Never throws: failures are in `errors`.
 */
export async function diffDesired(deps: ReconcileDeps, cluster: string, bundleId: string, value: Uint8Array | undefined): Promise<DiffResult> {
  const out: DiffResult = { revision: '', objects: [], prune: [], errors: [] };
  if (!value) {
    out.errors.push(`no desired state for bundle ${bundleId}`);
    return out;
  }
  try {
    const desired = decodeDesired(cluster, bundleId, value);
    verifyDesiredSignature(desired, deps.trustedKeys);
    out.revision = desired.revision;
    if (desired.withdrawn) {
      out.errors.push(`bundle ${bundleId} is withdrawn (tombstone of generation ${desired.generation}): nothing to apply`);
      return out;
    }
    const previous = await deps.inventory.read(bundleId);
    const manifest = await deps.bundles.fetch(desired.digest);
    const write = { rules: desired.ignoreDifferences.map((r) => ({ ...r, jsonPointers: [...r.jsonPointers], managers: [...r.managers] })), managers: deps.ignoreManagers };
    const plan = await planDesired(deps, desired, manifest, previous, { policy: effectiveSyncPolicy(desired), write });
    Object.assign(out, { objects: plan.drift, prune: plan.prune });
    out.errors.push(...plan.errors);
  } catch (err) {
    out.errors.push(errorMessage(err));
  }
  return out;
}

/**
 * What a would-be desired state would change, for a preview (fleet.proto DiffRequest.desired_state;
 * `desired` is the decoded message): it must be a preview for this cluster and bundle
 * (desired.ts `checkPreviewDesired`) signed by a trusted key (signature.ts), like a KV value. A
 * desired state: its bundle is fetched by digest (checked) and planned as an apply would run it
 * (its sync policy, its ignore rules shaping the dry-run body, every would-change field
 * reported), pruning from the stored inventory. A tombstone (`withdrawn`): every object of the
 * inventory would be pruned, as reconcile.ts `reconcileWithdraw` does — none when the last
 * applied policy had prune=false, and not those whose last version said gitfleet.io/prune:
 * "false" (orphaned instead). Nothing is written. Never throws: failures are in `errors`.
 */
export async function previewDesired(deps: ReconcileDeps, cluster: string, bundleId: string, desired: DesiredState): Promise<DiffResult> {
  const out: DiffResult = { revision: desired.revision, objects: [], prune: [], errors: [], orphaned: [], preview: true };
  try {
    checkPreviewDesired(cluster, bundleId, desired);
    verifyDesiredSignature(desired, deps.trustedKeys);
    const previous = await deps.inventory.read(bundleId);
    if (desired.withdrawn) {
      Object.assign(out, withdrawalPlan(previous));
      return out;
    }
    const manifest = await deps.bundles.fetch(desired.digest);
    const write = { rules: desired.ignoreDifferences.map((r) => ({ ...r, jsonPointers: [...r.jsonPointers], managers: [...r.managers] })), managers: deps.ignoreManagers };
    const plan = await planDesired(deps, desired, manifest, previous, { policy: effectiveSyncPolicy(desired), write });
    Object.assign(out, { objects: plan.drift, prune: plan.prune, orphaned: plan.orphaned });
    out.errors.push(...plan.errors);
  } catch (err) {
    out.errors.push(errorMessage(err));
  }
  return out;
}

/**
 * What a signed tombstone would prune from inventory `previous` (reconcile.ts
 * `reconcileWithdraw`'s rule): every owned object unless the last applied policy said
 * prune=false or the object's last version asked to be kept; those are orphaned. Pure.
 */
export function withdrawalPlan(previous: Inventory | null): { prune: ObjectRef[]; orphaned: ObjectRef[] } {
  const objects = previous?.objects ?? [];
  const keep = new Set((previous?.keep ?? []).map(refKey));
  const pruneAllowed = previous?.prune !== false;
  const prune = objects.filter((r) => pruneAllowed && !keep.has(refKey(r)));
  const orphaned = [...(previous?.orphaned ?? []), ...objects.filter((r) => !prune.includes(r))];
  return { prune, orphaned };
}
