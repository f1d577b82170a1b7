/**
 * Server-side apply of one object and the result classification (Flux ssa: created /
 * configured / unchanged), prune of one object, and the CRD Established wait. Every apply
 * respects the ignore rules (drift/apply-body.ts) and takes over client-side-applied objects
 * (drift/csa-upgrade.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { applyBody } from '../drift/apply-body.js';
import { csaUpgradePatch } from '../drift/csa-upgrade.js';
import { type IgnoreRule, ignoresFor } from '../drift/ignore.js';
import { FIELD_MANAGER } from '../labels.js';
import type { KubeClient } from './client.js';
import { classifyKubeError, type KubeErrorClass } from './errors.js';
import { type KubeObject, type ObjectRef, refOf } from './types.js';

/** What an apply did to one object. */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** Outcome of applying one object: the action, or the failure with its class. */
export type ApplyOutcome =
  | { ok: true; action: ApplyAction; live: KubeObject }
  | { ok: false; errorClass: KubeErrorClass; message: string };

/**
 * Classifies an apply from the resourceVersion before and after (pure): no object before →
 * created; a new resourceVersion → configured; the same → unchanged (the apiserver skips the
 * write when an apply changes nothing, so the resourceVersion stays).
 */
export function classifyApply(before: string | undefined, after: string | undefined): ApplyAction {
  if (before === undefined) return 'created';
  return before === after ? 'unchanged' : 'configured';
}

/** A check run on the live object (null: none) before a write; a message refuses the write. */
export type ApplyGuard = (ref: ObjectRef, live: KubeObject | null) => string | undefined;

/** The ignore rules a write respects: the target's rules and `--ignore-managers`. */
export interface WriteIgnores {
  rules: readonly IgnoreRule[];
  managers: readonly string[];
}

/** How `applyObject` writes. */
export interface ApplyPolicy {
  /** refuses the write for an object (ownership, self-protection); see ownershipGuard */
  guard?: ApplyGuard;
  /** ignore rules every write respects (drift/apply-body.ts); undefined → none but the defaults of the caller */
  ignore?: WriteIgnores;
  /**
   * take over fields written by client-side apply, Helm or Argo CD (drift/csa-upgrade.ts);
   * default true (every bundle object the agent applies)
   */
  takeOverClientSideApply?: boolean;
}

/**
 * The body to server-side apply for `obj` over `live` under `ignore` (drift/apply-body.ts).
 * Every write path goes through here: apply, self-heal, dry-run plan and hooks.
 */
export function bodyFor(obj: KubeObject, live: KubeObject | null, ignore: WriteIgnores | undefined): KubeObject {
  if (!ignore) return obj;
  const ignores = ignoresFor(ignore.rules, ignore.managers, refOf(obj));
  return applyBody(obj, live, ignores, FIELD_MANAGER).body as KubeObject;
}

/**
 * Migrates an object written client-side (kubectl apply, Helm, Argo CD) to the agent's field
 * manager (drift/csa-upgrade.ts) with a JSON patch guarded by the resourceVersion read. Returns
 * the object after the patch, or `live` unchanged when there was nothing to migrate.
 * @throws the client's error (409 when the object changed since it was read)
 */
export async function takeOverClientSideApply(client: KubeClient, live: KubeObject): Promise<KubeObject> {
  const patch = csaUpgradePatch(live, FIELD_MANAGER);
  if (!patch) return live;
  return client.patchObject(refOf(live), patch, FIELD_MANAGER);
}

/**
 * Reads the live object, then server-side applies `obj` (field manager `gitfleet-agent`,
 * force: the agent owns the fields it declares). Steps:
 *   1. `policy.guard` sees the live object (null: none) first; a message it returns refuses the
 *      apply (class `failed`, nothing written; see ownershipGuard, selfProtectionGuard);
 *   2. an object written client-side is taken over (takeOverClientSideApply);
 *   3. the body leaves out what the ignore rules leave to others (bodyFor); an object that does
 *      not exist yet is created whole.
 * Never throws: failures come back classified.
 */
export async function applyObject(client: KubeClient, obj: KubeObject, policy: ApplyPolicy = {}): Promise<ApplyOutcome> {
  try {
    let before = await client.getObject(refOf(obj));
    const refused = policy.guard?.(refOf(obj), before);
    if (refused !== undefined) return { ok: false, errorClass: 'failed', message: refused };
    const readVersion = before?.metadata.resourceVersion;
    if (before && policy.takeOverClientSideApply !== false) before = await takeOverClientSideApply(client, before);
    const live = await client.applyObject(bodyFor(obj, before, policy.ignore), { fieldManager: FIELD_MANAGER, force: true });
    return { ok: true, action: classifyApply(readVersion, live.metadata?.resourceVersion), live };
  } catch (err) {
    const f = classifyKubeError(err);
    if (f.errorClass === 'waiting') return { ok: false, errorClass: f.errorClass, message: notServedMessage(refOf(obj), f.message) };
    return { ok: false, errorClass: f.errorClass, message: f.message };
  }
}

/**
 * The message for an object whose kind the apiserver does not serve: which group/version/kind,
 * and that its CustomResourceDefinition (or aggregated API) is not installed — with the
 * apiserver's own words after it.
 */
export function notServedMessage(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>, detail: string): string {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
  const what = group === '' ? `kind ${ref.kind} in core API version ${version}` : `kind ${ref.kind} of group ${group}, version ${version}`;
  const hint = group.includes('.')
    ? `its CustomResourceDefinition is not installed (or does not serve ${version}): install it first or add it to the bundle`
    : 'this Kubernetes version does not serve it';
  return `${what} is not served by the apiserver: ${hint} (${detail.replace(/^kind not served by the apiserver: /, '')})`;
}

/**
 * Outcome of pruning one object: deleted, already gone, or failed (classified). `uidMismatch`:
 * the object under that name has another uid than the precondition (someone re-created it); it
 * was not deleted. `unserved`: its apiVersion/kind is no longer served; it was not deleted and
 * must not be taken for gone.
 */
export type PruneOutcome =
  | { ok: true; existed: boolean }
  | { ok: false; errorClass: KubeErrorClass; message: string; uidMismatch?: true; unserved?: true };

/**
 * Deletes one object with propagationPolicy Background and, with `uid`, the precondition that
 * its uid is that one (DeleteOptions.preconditions.uid: no race between the ownership check and
 * the delete). 404 counts as done. A kind that is no longer served is a failure (class 'failed',
 * `unserved`): the object may still exist under another version, so it stays in the inventory.
 * Never throws.
 */
export async function pruneObject(client: KubeClient, ref: ObjectRef, uid?: string): Promise<PruneOutcome> {
  try {
    return { ok: true, existed: await client.deleteObject(ref, 'Background', uid === undefined ? undefined : { uid }) };
  } catch (err) {
    const f = classifyKubeError(err);
    if (f.errorClass === 'waiting') {
      return { ok: false, errorClass: 'failed', unserved: true, message: `${ref.apiVersion} ${ref.kind} is not served by the apiserver; kept in the inventory, not taken for gone (${f.message})` };
    }
    if (uid !== undefined && f.status === 409) return { ok: false, errorClass: 'failed', uidMismatch: true, message: f.message };
    return { ok: false, errorClass: f.errorClass, message: f.message };
  }
}

/** True when a CRD's status carries condition Established=True (apiextensions.k8s.io/v1). */
export function isEstablished(crd: KubeObject | null): boolean {
  const conditions = (crd?.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/**
 * Polls a CRD until it is Established or `timeoutMs` passes. Returns true when established.
 * @throws the client's error when the apiserver cannot be read
 */
export async function waitEstablished(client: KubeClient, name: string, timeoutMs: number, pollMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const ref: ObjectRef = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', namespace: '', name };
  for (;;) {
    if (isEstablished(await client.getObject(ref))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/**
 * Sets labels and annotations on Namespace `name` by server-side apply (force) with
 * `fieldManager`: the body holds only `metadata.labels` / `metadata.annotations` (an empty map is
 * left out), so keys the manager set before and `labels`/`annotations` no longer hold are removed
 * by the apiserver, keys other managers own are kept (Kubernetes server-side apply field
 * ownership; Fleet applies namespaceLabels the same way since it moved to server-side apply).
 * Never creates anything else and never deletes: the caller ensures the namespace first
 * (ensureNamespace); should it be missing, the apply creates it. Returns the namespace as applied.
 * @throws the client's error when the apiserver refuses (e.g. Forbidden without `patch` on
 *   namespaces) or cannot be reached
 */
export async function applyNamespaceMetadata(
  client: KubeClient,
  name: string,
  meta: { labels: Record<string, string>; annotations: Record<string, string> },
  fieldManager: string,
): Promise<KubeObject> {
  const metadata: KubeObject['metadata'] = { name };
  if (Object.keys(meta.labels).length > 0) metadata.labels = { ...meta.labels };
  if (Object.keys(meta.annotations).length > 0) metadata.annotations = { ...meta.annotations };
  return client.applyObject({ apiVersion: 'v1', kind: 'Namespace', metadata }, { fieldManager, force: true });
}

/**
 * Creates a Namespace when it does not exist (labelled managed-by gitfleet; never pruned: it is
 * not part of any inventory). Returns true when it was created.
 * @throws the client's error when the apiserver refuses or cannot be reached
 */
export async function ensureNamespace(client: KubeClient, name: string, labels: Record<string, string>): Promise<boolean> {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', namespace: '', name };
  if (await client.getObject(ref)) return false;
  try {
    await client.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, FIELD_MANAGER);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 409) return false; // created meanwhile
    throw err;
  }
}
