/**
 * One reconcile of one target, as a straight line of steps (Flux kustomize-controller's inner
 * `reconcile()`): decode desired → check its signature → read inventory (resolving what a
 * cut-short run left pending) → check the generation only goes up → decide the mode (sync policy)
 * → fetch bundle → record what is about to be applied → parse → ensure namespace → apply in
 * phases → new inventory → prune or orphan → write inventory → summarise. In plan mode the line
 * ends after a dry run (plan.ts). A verified tombstone (DesiredState.withdrawn) takes the
 * withdrawal line instead (reconcileWithdraw). Bundle-level failures end the line with a
 * classified error; per-object failures are recorded and the line goes on.
 *
 * Deletes (issue #9): prune deletes only objects that are provably ours (inventory/ownership.ts:
 * ownership marks and the recorded uid, with a uid precondition on the delete), only because a
 * verified desired state no longer holds them or a verified tombstone withdrew the target — never
 * because a KV key was deleted or purged (reconcileKeyDeleted refuses that) or something failed.
 */
import { type BundleManifest, type DesiredState, HealthStatus } from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { IgnoreRule } from '../drift/ignore.js';
import { errorClassOf, TerminalError, TransientError, WaitingError } from '../errors.js';
import type { HookRecord } from '../inventory/document.js';
import { type Inventory, type InventoryEntry, nextInventory, pruneVerdict, resolvePending, staleObjects } from '../inventory/index.js';
import { type ApplyPolicy, applyNamespaceMetadata, applyObject, ensureNamespace, notServedMessage, pruneObject, waitEstablished, type WriteIgnores } from '../kube/apply.js';
import { ownershipGuard } from '../kube/ownership.js';
import { classifyKubeError, errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refKey, refOf, refString } from '../kube/types.js';
import { BUNDLE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, namespaceFieldManager } from '../labels.js';
import { decodeDesired, effectiveSyncPolicy, generationRefusal } from './desired.js';
import { type PlacedHook, runHooks } from './hook-runner.js';
import { classifyHook, type HookPlan, type HookSpec, hookEventsFor, hooksFor, planHooks } from './hooks.js';
import { applyWaves, kindRank, pruneOrder } from './ordering.js';
import { mapLimit } from '../util/pool.js';
import { keepsOnPrune, placeAll, planDesired } from './plan.js';
import { guessRef, type NamespaceOptions, parseManifestObject, placeObject } from './prepare.js';
import { nextStep, type ObjectResult, type ReconcileOutcome, syncStateOf } from './result.js';
import { allGuards, selfProtectionGuard } from './self-protection.js';
import { verifyDesiredSignature } from './signature.js';
import type { ReconcileDeps } from './deps.js';

export type { ReconcileDeps } from './deps.js';

/** Why a reconcile runs; a 'replay' may be skipped when the inventory shows it was done. */
export type Trigger = 'replay' | 'update' | 'resync' | 'retry';

/** Input of an apply reconcile: the KV value of `<cluster>.<bundleId>`. */
export interface ApplyInput {
  cluster: string;
  bundleId: string;
  value: Uint8Array;
  trigger: Trigger;
}

/** DesiredState.ignore_differences in plain form. */
export function ignoreRulesOf(desired: DesiredState): IgnoreRule[] {
  return desired.ignoreDifferences.map((r) => ({
    group: r.group, kind: r.kind, namespace: r.namespace, name: r.name, jsonPointers: [...r.jsonPointers], managers: [...r.managers],
  }));
}

/**
 * What a reconcile of a desired state does (pure):
 *   observe — a watch replay of what the inventory shows fully applied, or a resync of an
 *             applied state without self-heal (a re-apply would undo drift the policy says to
 *             leave): place the objects, write nothing; the keeper re-reads them for drift;
 *   plan    — automated=false without a new sync_request: dry run, report what would change;
 *   apply   — everything else.
 */
export function reconcileMode(input: { trigger: Trigger; automated: boolean; selfHeal: boolean; applied: boolean; syncRequested: boolean }): 'apply' | 'plan' | 'observe' {
  if (input.trigger === 'replay' && input.applied) return 'observe';
  if (!input.automated && !input.syncRequested) return 'plan';
  if (input.trigger === 'resync' && input.applied && !input.selfHeal && !input.syncRequested) return 'observe';
  return 'apply';
}

/**
 * Applies a target's desired state. Never throws: failures are in the outcome.
 * Errors: terminal (unusable desired state or bundle), transient (NATS or apiserver unreachable),
 * waiting (CRD not established, kind not served) — see errors.ts.
 */
export async function reconcileApply(deps: ReconcileDeps, input: ApplyInput): Promise<ReconcileOutcome> {
  const t0 = performance.now();
  const out: ReconcileOutcome = {
    bundleId: input.bundleId, state: 'FAILED', revision: '', digest: '', generation: 0n,
    resources: [], errors: [], timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
    trigger: input.trigger === 'resync' ? 'resync' : 'update',
  };
  const log = deps.log.child({ bundleId: input.bundleId });
  try {
    // decode and validate the desired state, check its signature (terminal when unusable; the
    // refusal is reported with the generation it refuses)
    const desired = decodeDesired(input.cluster, input.bundleId, input.value);
    Object.assign(out, { revision: desired.revision, digest: desired.digest, generation: desired.generation });
    verifyDesiredSignature(desired, deps.trustedKeys);

    // read the previous inventory (what we own; a restarted agent prunes from it), taking as
    // ours what a run cut short between apply and inventory write left pending with our marks
    const previous = await readOwnedInventory(deps, input.bundleId);

    // generations only go up: an older verified state is a replay (terminal; the last verified
    // one stays enforced by the reconciler)
    const refusal = generationRefusal(desired, previous);
    if (refusal !== undefined) throw new TerminalError(`desired state ${input.cluster}.${input.bundleId}: ${refusal}`);

    // a verified tombstone withdraws the target
    if (desired.withdrawn) return await reconcileWithdraw(deps, desired, previous, out, log);

    const policy = effectiveSyncPolicy(desired);
    out.policy = policy;
    out.ignore = ignoreRulesOf(desired);
    const acted = BigInt(previous?.syncRequest ?? '0');
    out.syncRequest = acted;
    out.orphaned = previous?.orphaned ?? [];

    // decide: observe a replay of what is applied, plan only, or apply
    const applied = previous?.synced === true && previous.digest === desired.digest && previous.generation === String(desired.generation);
    const syncRequested = desired.syncRequest > acted;
    const mode = reconcileMode({ trigger: input.trigger, automated: policy.automated, selfHeal: policy.selfHeal, applied, syncRequested });
    out.mode = mode;
    if (mode === 'observe' && input.trigger === 'replay') log.info({ digest: desired.digest, generation: String(desired.generation) }, 'already applied; skipping replay until the next resync');

    // fetch and verify the bundle (terminal on digest mismatch, transient when unreachable)
    const tf = performance.now();
    const manifest = await deps.bundles.fetch(desired.digest);
    out.timings.fetchMs = performance.now() - tf;
    out.verified = true;

    if (mode === 'observe') {
      // place the objects so that drift can be detected; nothing is written
      const { placed } = await placeAll(deps, desired, manifest);
      out.resources = placed.map((p) => ({ ref: p.ref, action: 'unchanged', message: '', owned: true, scopeKnown: true, desired: p.obj }));
      // the state observed is the applied one (SYNCED, not SKIPPED: the keeper's later drift and
      // health reports of the target start from this outcome, and a SKIPPED one has no report)
      out.state = 'SYNCED';
      return out;
    }

    if (mode === 'plan') {
      // dry run: what an apply would change (reported OUT_OF_SYNC when anything would)
      const ta = performance.now();
      const plan = await planDesired(deps, desired, manifest, previous, { policy, ignore: { rules: out.ignore, managers: deps.ignoreManagers } });
      out.timings.applyMs = performance.now() - ta;
      Object.assign(out, { drift: plan.drift, prunePlan: plan.prune, orphaned: plan.orphaned });
      out.errors.push(...plan.errors);
      out.state = plan.errors.length === 0 ? 'SYNCED' : 'FAILED';
      log.info({ automated: policy.automated, wouldChange: plan.drift.length, wouldPrune: plan.prune.length }, 'planned (dry run); not applied');
      return out;
    }
    if (syncRequested && !policy.automated) out.trigger = 'sync-request';

    // Helm hooks: which run (once per generation; install when there was no inventory)
    const hookPlan = planHooks({
      generation: String(desired.generation), hadInventory: hadApplied(previous),
      appliedGeneration: previous?.synced ? previous.generation : undefined, record: previous?.hooks, syncRequested,
    });

    // record what is about to be applied before the first apply (crash safety: a run killed
    // between apply and inventory write finds it on its next run)
    await recordPending(deps, desired, manifest, previous, acted, policy.prune);

    // apply: namespace first, pre hooks, then Namespaces, CRDs (wait Established), everything
    // else, then post hooks
    const ta = performance.now();
    const run = await applyBundle(deps, desired, manifest, log, hookPlan, previous?.hooks, previous?.objects ?? []);
    out.resources = run.results;
    out.errors.push(...run.errors);
    out.timings.applyMs = performance.now() - ta;
    if (run.preFailed) {
      // a pre hook failed (or failed before for this generation): nothing else was applied,
      // nothing is pruned; the record keeps the hooks from running again on a resync
      out.state = 'FAILED';
      if (run.record && run.record !== previous?.hooks) {
        const base: Inventory = previous ?? {
          bundleId: input.bundleId, revision: desired.revision, digest: desired.digest, generation: String(desired.generation),
          synced: false, objects: [], syncRequest: String(acted), keep: [], orphaned: [],
        };
        await writeInventory(deps, { ...liveRecord(base), generation: String(desired.generation), synced: false, hooks: run.record });
      }
      out.errorClass = nextStep(out.resources);
      return out;
    }
    const hookKeys = run.hookKeys;

    // new inventory: applied objects (with the uid each apply returned) + owned objects whose
    // new version failed
    const prevObjects = previous?.objects ?? [];
    let owned = nextInventory(out.resources.filter((r) => r.hook === undefined).map((r) => ({ ref: r.ref, ok: r.owned, scopeKnown: r.scopeKnown, uid: uidOf(r.live) })), prevObjects);
    const ownedKeys = new Set(owned.map(refKey));

    // prune what left the desired state when the policy allows and its last version did not
    // say gitfleet.io/prune: "false", and only what is provably ours; keep (orphan) the rest
    const tp = performance.now();
    const prevKeep = new Set((previous?.keep ?? []).map(refKey));
    // an object that became a Helm hook leaves the inventory without being pruned
    const stale = staleObjects(prevObjects, owned).filter((r) => !hookKeys.has(looseKey(r)));
    const toPrune = stale.filter((r) => policy.prune && !prevKeep.has(refKey(r)));
    const orphanCandidates: ObjectRef[] = [...(previous?.orphaned ?? []), ...stale.filter((r) => !toPrune.includes(r))];
    if (toPrune.length > 0) {
      const pruned = await pruneAll(deps, input.bundleId, toPrune);
      out.resources.push(...pruned.results);
      owned = [...owned, ...pruned.kept];
      orphanCandidates.push(...pruned.orphans);
    }
    out.orphaned = await stillThere(deps, orphanCandidates.filter((r) => !ownedKeys.has(refKey(r))));
    out.timings.pruneMs = performance.now() - tp;

    // write the inventory (with the sync_request acted on and the objects to keep on prune)
    out.state = syncStateOf(out.resources, out.errors);
    out.syncRequest = desired.syncRequest > acted ? desired.syncRequest : acted;
    const keepNow = new Set(out.resources.filter((r) => r.keep && r.owned).map((r) => refKey(r.ref)));
    const appliedNow = new Set(out.resources.filter((r) => r.action !== 'failed').map((r) => refKey(r.ref)));
    const unsure = out.resources.filter((r) => r.action === 'failed' && !r.owned && r.hook === undefined && r.scopeKnown && !ownedKeys.has(refKey(r.ref))).map((r) => plainRef(r.ref));
    await writeInventory(deps, {
      bundleId: input.bundleId, revision: desired.revision, digest: desired.digest,
      generation: String(desired.generation), synced: out.state === 'SYNCED', objects: owned,
      syncRequest: String(out.syncRequest),
      keep: owned.filter((r) => keepNow.has(refKey(r)) || (!appliedNow.has(refKey(r)) && prevKeep.has(refKey(r)))).map(plainRef),
      orphaned: out.orphaned.map(plainRef),
      prune: policy.prune,
      ...(run.record ? { hooks: run.record } : {}),
      // a failed apply may still have reached the apiserver (a lost answer): stays pending
      ...(unsure.length > 0 ? { pending: unsure } : {}),
    });
    out.errorClass = nextStep(out.resources);
  } catch (err) {
    out.state = 'FAILED';
    out.errors.push(errorMessage(err));
    out.errorClass = nextStep(out.resources, errorClassOf(err));
  } finally {
    out.timings.totalMs = performance.now() - t0;
  }
  return out;
}

/** The refs that still exist (an orphan that is gone is no longer reported). Keeps a ref it cannot read. */
async function stillThere(deps: ReconcileDeps, refs: readonly ObjectRef[]): Promise<ObjectRef[]> {
  const seen = new Set<string>();
  const unique = refs.filter((r) => !seen.has(refKey(r)) && seen.add(refKey(r)));
  const exists = await mapLimit(unique, deps.applyConcurrency, async (r) => {
    try {
      return (await deps.kube.getObject(r)) !== null;
    } catch {
      return true;
    }
  });
  return unique.filter((_, i) => exists[i]);
}

/**
 * Withdraws a target on a verified tombstone (DesiredState.withdrawn; already decoded, signature
 * and generation checked): prunes every object of its inventory that is provably ours
 * (pruneAll), except those whose last version said gitfleet.io/prune: "false" — and none at all
 * when the last applied state had SyncPolicy.prune=false (Rancher Fleet's `keepResources`
 * meaning: the objects are kept and reported orphaned; Argo CD would delete them through its
 * finalizer). Then keeps the inventory as a withdrawn record (its generation, no objects) so that
 * an older signed desired state replayed later is refused. Reports DELETED with the withdrawal
 * reason in the health message; FAILED (retried) while some prunes failed (they stay in the
 * record's objects); SKIPPED when the record already shows this tombstone done.
 */
async function reconcileWithdraw(deps: ReconcileDeps, desired: DesiredState, previous: Inventory | null, out: ReconcileOutcome, log: Logger): Promise<ReconcileOutcome> {
  Object.assign(out, { mode: 'delete', trigger: 'delete', verified: true, syncRequest: BigInt(previous?.syncRequest ?? '0') });
  const reason = desired.withdrawalReason || '(no reason given)';
  out.health = { status: HealthStatus.UNSPECIFIED, message: `withdrawn: ${reason}` };
  const generation = String(desired.generation);
  if (previous?.withdrawn === true && previous.generation === generation && previous.objects.length === 0 && (previous.pending ?? []).length === 0) {
    out.state = 'SKIPPED'; // this tombstone was acted on already: nothing of the target is left
    return out;
  }
  log.info({ generation, reason, objects: previous?.objects.length ?? 0, prune: previous?.prune ?? true }, 'withdrawing the target (signed tombstone)');

  // prune what the inventory owns, unless the last applied policy or the object asks to keep it
  const tp = performance.now();
  const objects = previous?.objects ?? [];
  const keep = new Set((previous?.keep ?? []).map(refKey));
  const pruneAllowed = previous?.prune !== false;
  const candidates = objects.filter((r) => pruneAllowed && !keep.has(refKey(r)));
  const kept = objects.filter((r) => !candidates.includes(r));
  const pruned = await pruneAll(deps, desired.bundleId, candidates);
  out.resources = pruned.results;
  out.orphaned = await stillThere(deps, [...(previous?.orphaned ?? []), ...kept, ...pruned.orphans]);
  out.timings.pruneMs = performance.now() - tp;

  // keep the record: withdrawn, its generation, what could not be pruned yet (retried)
  await writeInventory(deps, {
    bundleId: desired.bundleId, revision: desired.revision, digest: '', generation, synced: false,
    objects: pruned.kept, syncRequest: previous?.syncRequest ?? '0', keep: [], orphaned: out.orphaned.map(plainRef),
    ...(previous?.prune !== undefined ? { prune: previous.prune } : {}),
    withdrawn: true, withdrawalReason: desired.withdrawalReason,
  });
  out.state = pruned.kept.length === 0 ? 'DELETED' : 'FAILED';
  out.errorClass = nextStep(out.resources);
  return out;
}

/**
 * A desired-state key was deleted or purged (KV DEL/PURGE) — never a withdrawal (only a signed
 * tombstone is): nothing is pruned. With an inventory that still owns something the refusal is
 * reported (FAILED, terminal: the reconciler keeps enforcing the last verified desired state);
 * without one, or when the target was already withdrawn, the delete is ignored (SKIPPED).
 * Never throws.
 */
export async function reconcileKeyDeleted(deps: ReconcileDeps, cluster: string, bundleId: string, operation: 'DEL' | 'PURGE'): Promise<ReconcileOutcome> {
  const t0 = performance.now();
  const out: ReconcileOutcome = {
    bundleId, state: 'FAILED', revision: '', digest: '', generation: 0n,
    resources: [], errors: [], timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 }, trigger: 'delete',
  };
  try {
    const previous = await readInventory(deps, bundleId);
    if (previous === null || (previous.withdrawn === true && previous.objects.length === 0)) {
      out.state = 'SKIPPED';
      out.mode = 'delete';
      return out;
    }
    Object.assign(out, { revision: previous.revision, digest: previous.digest, generation: BigInt(previous.generation || '0'), syncRequest: BigInt(previous.syncRequest), orphaned: previous.orphaned });
    out.errors.push(`desired state key deleted without a signed tombstone; nothing pruned (KV ${operation} of ${cluster}.${bundleId})`);
    out.errorClass = 'terminal';
  } catch (err) {
    out.errors.push(errorMessage(err));
    out.errorClass = errorClassOf(err);
  } finally {
    out.timings.totalMs = performance.now() - t0;
  }
  return out;
}

/** True when the target has applied something before (Helm hooks: upgrade rather than install). */
function hadApplied(inv: Inventory | null): boolean {
  return inv !== null && inv.withdrawn !== true && (inv.synced || inv.hooks !== undefined || inv.objects.length > 0);
}

/** An inventory without its withdrawal marks (a target applied again after a withdrawal). */
function liveRecord(inv: Inventory): Inventory {
  const { withdrawn: _w, withdrawalReason: _r, ...rest } = inv;
  return rest;
}

/** metadata.uid of a live object, if any. */
function uidOf(live: KubeObject | undefined): string | undefined {
  const uid = live?.metadata.uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

/** The bare ref of an entry (no uid). */
function plainRef(r: ObjectRef): ObjectRef {
  return { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name };
}

/**
 * Writes the inventory with `pending` = the objects of `desired` not owned yet, before the first
 * apply (crash safety). Nothing is written when every object is owned already (a resync). Objects
 * whose scope cannot be resolved are left out: they cannot be applied either.
 */
async function recordPending(deps: ReconcileDeps, desired: DesiredState, manifest: BundleManifest, previous: Inventory | null, acted: bigint, prune: boolean): Promise<void> {
  const { placed } = await placeAll(deps, desired, manifest);
  const owned = new Set((previous?.objects ?? []).map(refKey));
  const seen = new Set<string>();
  const pending = placed.map((p) => p.ref).filter((r) => !owned.has(refKey(r)) && !seen.has(refKey(r)) && seen.add(refKey(r)));
  for (const r of previous?.pending ?? []) if (!owned.has(refKey(r)) && !seen.has(refKey(r)) && seen.add(refKey(r))) pending.push(r);
  if (pending.length === 0) return;
  const base: Inventory = previous ? liveRecord(previous) : {
    bundleId: desired.bundleId, revision: desired.revision, digest: desired.digest, generation: String(desired.generation),
    synced: false, objects: [], syncRequest: String(acted), keep: [], orphaned: [], prune,
  };
  await writeInventory(deps, { ...base, revision: desired.revision, digest: desired.digest, generation: String(desired.generation), synced: false, pending });
}

/**
 * Reads the inventory and resolves its `pending` list (a run cut short between apply and
 * inventory write): each pending object is read; one that exists with our marks for this bundle
 * is taken as owned with its live uid (inventory/ownership.ts resolvePending). Null when none.
 * @throws TransientError (or WaitingError) when the inventory cannot be read
 */
async function readOwnedInventory(deps: ReconcileDeps, bundleId: string): Promise<Inventory | null> {
  const inv = await readInventory(deps, bundleId);
  if (!inv?.pending?.length) return inv;
  const found = new Map<string, KubeObject | null>();
  await mapLimit(inv.pending, deps.applyConcurrency, async (ref) => {
    try {
      found.set(refKey(ref), await deps.kube.getObject(ref));
    } catch {
      // unreadable (kind not served, apiserver error): stays pending
    }
  });
  const resolved = resolvePending(inv, found);
  const adopted = resolved.objects.length - inv.objects.length;
  deps.log.info({ bundleId, pending: inv.pending.length, adopted }, 'resolved objects a cut-short run left pending');
  return resolved;
}

async function readInventory(deps: ReconcileDeps, bundleId: string): Promise<Inventory | null> {
  try {
    return await deps.inventory.read(bundleId);
  } catch (cause) {
    throw kubeStepError(`read inventory of ${bundleId}`, cause);
  }
}

async function writeInventory(deps: ReconcileDeps, inv: Inventory): Promise<void> {
  try {
    await deps.inventory.write(inv);
  } catch (cause) {
    throw kubeStepError(`write inventory of ${inv.bundleId}`, cause);
  }
}

/** A bundle-level Kubernetes failure as a transient error (or as what its class says). */
function kubeStepError(step: string, cause: unknown): Error {
  const f = classifyKubeError(cause);
  if (f.errorClass === 'waiting') return new WaitingError(`${step}: ${f.message}`, { cause });
  return new TransientError(`${step}: ${f.message}`, { cause });
}

/** group/Kind/name of a ref (namespace left out: a hook's namespace may be a guess). */
function looseKey(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.name}`;
}

/** What applying a bundle did. */
interface BundleRun {
  /** per-object results, hooks included (marked `hook`) */
  results: ObjectResult[];
  /** target-level errors (hook failures) */
  errors: string[];
  /** true when a pre hook failed (now or before, for this generation): nothing else was applied */
  preFailed: boolean;
  /** the hook record to store (undefined: keep none) */
  record: HookRecord | undefined;
  /** looseKey of every hook object of the bundle (never pruned as a former normal object) */
  hookKeys: Set<string>;
}

/**
 * Parses, places and applies a bundle's objects in phase and wave order, with Helm hooks
 * around them (hooks.ts, hook-runner.ts): pre hooks first (a failure stops everything), post
 * hooks after every other object applied without failure.
 */
async function applyBundle(deps: ReconcileDeps, desired: DesiredState, manifest: BundleManifest, log: Logger, plan: HookPlan, previousRecord: HookRecord | undefined, inventory: readonly ObjectRef[]): Promise<BundleRun> {
  const ns: NamespaceOptions = { targetNamespace: desired.targetNamespace, defaultNamespace: desired.defaultNamespace };
  const writeIgnores: WriteIgnores = { rules: ignoreRulesOf(desired), managers: deps.ignoreManagers };
  const results: ObjectResult[] = [];
  const errors: string[] = [];
  const objects: KubeObject[] = [];
  const hooks: Array<{ obj: KubeObject; hook: HookSpec }> = [];
  const hookKeys = new Set<string>();
  for (const m of manifest.objects) {
    const p = parseManifestObject(m);
    if (!p.ok) {
      results.push({ ref: p.ref, action: 'failed', message: p.message, errorClass: 'failed', owned: false, scopeKnown: false });
      continue;
    }
    const c = classifyHook(p.obj);
    if (c.kind === 'normal') {
      objects.push(p.obj);
      continue;
    }
    hookKeys.add(looseKey(refOf(p.obj)));
    if (c.kind === 'hook') hooks.push({ obj: p.obj, hook: c.hook });
    else log.info({ object: `${p.obj.kind} ${p.obj.metadata.name}`, reason: c.reason }, 'skipping hook object (as Helm)');
  }
  const events = hookEventsFor(plan.install);
  const generation = String(desired.generation);
  const event = plan.install ? 'install' : 'upgrade';
  const record = (phase: 'pre' | 'post', error: string): HookRecord => ({ generation, event, phase, error });
  const fail = (phase: 'pre' | 'post', message: string, errorClass: string | undefined) => {
    errors.push(message);
    // a permanent failure is recorded (it holds until a new generation); a transient one is retried
    return errorClass === 'failed' ? record(phase, message) : phase === 'post' ? record('pre', '') : previousRecord?.generation === generation ? previousRecord : undefined;
  };

  // a failure recorded for this generation holds: a failed pre hook keeps everything else out
  if (plan.recordedError?.phase === 'pre') {
    errors.push(plan.recordedError.message);
    return { results, errors, preFailed: true, record: previousRecord, hookKeys };
  }

  // the bundle's namespace must exist before anything goes into it, and carry its labels
  await prepareBundleNamespace(deps, desired, log);

  // pre hooks: a failure stops here
  if (plan.runPre) {
    const pre = await runEvent(deps, hooksFor(hooks, events.pre), events.pre, ns, desired.bundleId, log, writeIgnores);
    results.push(...pre.results);
    if (pre.error !== undefined) return { results, errors, preFailed: true, record: fail('pre', pre.error, pre.errorClass), hookKeys };
  }

  const normal: ObjectResult[] = [];
  // Helm's takeOwnership: existing objects gitfleet did not create are refused unless adopted
  // (and self-protection; every write respects the ignore rules: kube/apply.ts)
  const policy: ApplyPolicy = { guard: allGuards(selfProtectionGuard(deps.selfObjects), ownershipGuard(desired.takeOwnership, desired.bundleId, inventory)), ignore: writeIgnores };
  for (const wave of applyWaves(objects, (o) => o.kind)) {
    const waveResults = await mapLimit(wave, deps.applyConcurrency, (obj) => applyOne(deps, obj, ns, desired.bundleId, policy));
    // CRDs: wait until established before anything that may use them
    if (wave[0]?.kind === 'CustomResourceDefinition') await waitCrds(deps, waveResults);
    normal.push(...waveResults);
  }
  results.push(...normal);
  for (const r of normal) {
    if (r.action === 'failed') log.warn({ object: refString(r.ref), reason: r.message }, 'apply failed');
  }

  // post hooks: only once everything else is applied (as Helm)
  if (plan.recordedError?.phase === 'post') {
    errors.push(plan.recordedError.message);
    return { results, errors, preFailed: false, record: previousRecord, hookKeys };
  }
  if (!plan.runPost) return { results, errors, preFailed: false, record: previousRecord ?? record('post', ''), hookKeys };
  if (results.some((r) => r.action === 'failed')) return { results, errors, preFailed: false, record: record('pre', ''), hookKeys };
  const post = await runEvent(deps, hooksFor(hooks, events.post), events.post, ns, desired.bundleId, log, writeIgnores);
  results.push(...post.results);
  if (post.error !== undefined) return { results, errors, preFailed: false, record: fail('post', post.error, post.errorClass), hookKeys };
  return { results, errors, preFailed: false, record: record('post', ''), hookKeys };
}

/**
 * The bundle's namespace before anything is applied, as Fleet's Helm install of the release
 * namespace (`namespace`, else `defaultNamespace`, else "default"; rancher/fleet
 * internal/helmdeployer install.go: CreateNamespace, deployer.go setNamespaceLabelsAndAnnotations):
 * - target_namespace, else default_namespace, when set: created when missing (ensureNamespace:
 *   labelled managed-by gitfleet and with this bundle's id, so a Helm chart (take_ownership false)
 *   that renders that Namespace itself may still apply it, kube/ownership.ts; never pruned for
 *   being created here: prune deletes only inventory entries, and nothing here deletes);
 * - namespace_labels / namespace_annotations, when either is non-empty: set on that namespace
 *   ("default" when neither namespace is set, as Fleet) by server-side apply with the bundle's own
 *   field manager (applyNamespaceMetadata). Both empty: the namespace's metadata is not touched
 *   (Fleet skips the update too), so keys set by an earlier desired state stay until a desired
 *   state sets at least one key again.
 * Done at every apply, before pre hooks, so Pod Security or sidecar-injection labels are in place
 * before any Pod is created. @throws a TransientError/WaitingError (kubeStepError) naming the step.
 */
async function prepareBundleNamespace(deps: ReconcileDeps, desired: DesiredState, log: Logger): Promise<void> {
  const created = desired.targetNamespace || desired.defaultNamespace;
  if (created) {
    try {
      if (await ensureNamespace(deps.kube, created, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BUNDLE_ID_LABEL]: desired.bundleId })) {
        log.info({ namespace: created }, desired.targetNamespace ? 'created target namespace' : 'created default namespace');
      }
    } catch (cause) {
      throw kubeStepError(`create namespace ${created}`, cause);
    }
  }
  const labels = desired.namespaceLabels ?? {};
  const annotations = desired.namespaceAnnotations ?? {};
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return;
  const name = created || 'default';
  try {
    await applyNamespaceMetadata(deps.kube, name, { labels, annotations }, namespaceFieldManager(desired.bundleId));
  } catch (cause) {
    throw kubeStepError(`set namespaceLabels/namespaceAnnotations on namespace ${name}`, cause);
  }
}

/** Places the hooks of one event and runs them (hook-runner.ts). A hook that cannot be placed fails the event. */
async function runEvent(deps: ReconcileDeps, hooks: ReadonlyArray<{ obj: KubeObject; hook: HookSpec }>, event: ReturnType<typeof hookEventsFor>['pre' | 'post'], ns: NamespaceOptions, bundleId: string, log: Logger, ignore?: WriteIgnores): Promise<{ results: ObjectResult[]; error?: string; errorClass?: string }> {
  if (hooks.length === 0) return { results: [] };
  const placed: PlacedHook[] = [];
  for (const h of hooks) {
    const p = await placeOne(deps, h.obj, ns, bundleId);
    if (!p.ok) {
      const message = `${event} hook ${refString(p.result.ref)} failed: ${p.result.message}`;
      return { results: [{ ...p.result, message, hook: event }], error: message, errorClass: p.result.errorClass };
    }
    placed.push({ ...h, obj: p.obj, ref: p.ref });
  }
  log.info({ event, hooks: placed.map((h) => refString(h.ref)) }, 'running hooks');
  return runHooks({ kube: deps.kube, log, hookTimeoutMs: deps.hookTimeoutMs, ignore, guard: selfProtectionGuard(deps.selfObjects) }, placed, event);
}

/** Resolves an object's scope and places it; a failure comes back as its result. Never throws. */
async function placeOne(deps: ReconcileDeps, obj: KubeObject, ns: NamespaceOptions, bundleId: string): Promise<{ ok: true; obj: KubeObject; ref: ObjectRef } | { ok: false; result: ObjectResult }> {
  let namespaced: boolean;
  try {
    const scope = await deps.kube.scopeOf(obj.apiVersion, obj.kind);
    if (!scope) {
      return { ok: false, result: { ref: guessRef(obj, ns), action: 'failed', message: notServedMessage(obj, 'no such kind in API discovery'), errorClass: 'waiting', owned: false, scopeKnown: false } };
    }
    namespaced = scope.namespaced;
  } catch (err) {
    const f = classifyKubeError(err);
    const message = f.errorClass === 'waiting' ? notServedMessage(obj, f.message) : f.message;
    return { ok: false, result: { ref: guessRef(obj, ns), action: 'failed', message, errorClass: f.errorClass, owned: false, scopeKnown: false } };
  }
  const placed = placeObject(obj, namespaced, ns, bundleId);
  if (!placed.ok) {
    return { ok: false, result: { ref: { ...refOf(obj), namespace: namespaced ? ns.targetNamespace : '' }, action: 'failed', message: placed.message, errorClass: 'failed', owned: false, scopeKnown: true } };
  }
  return { ok: true, obj: placed.obj, ref: refOf(placed.obj) };
}

/** Resolves scope, places and applies one object. Never throws. */
async function applyOne(deps: ReconcileDeps, obj: KubeObject, ns: NamespaceOptions, bundleId: string, policy?: ApplyPolicy): Promise<ObjectResult> {
  const p = await placeOne(deps, obj, ns, bundleId);
  if (!p.ok) return p.result;
  const keep = keepsOnPrune(p.obj);
  const res = await applyObject(deps.kube, p.obj, policy);
  if (res.ok) return { ref: p.ref, action: res.action, message: '', owned: true, scopeKnown: true, desired: p.obj, live: res.live, keep };
  return { ref: p.ref, action: 'failed', message: res.message, errorClass: res.errorClass, owned: false, scopeKnown: true, desired: p.obj, keep };
}

/** Waits (concurrently) for every applied CRD to be Established; marks the late ones failed/waiting. */
async function waitCrds(deps: ReconcileDeps, results: ObjectResult[]): Promise<void> {
  await Promise.all(results.map(async (r) => {
    if (r.action === 'failed') return;
    try {
      if (!(await waitEstablished(deps.kube, r.ref.name, deps.crdTimeoutMs))) {
        Object.assign(r, { action: 'failed', message: `CustomResourceDefinition ${r.ref.name} not established within ${Math.round(deps.crdTimeoutMs / 1000)}s`, errorClass: 'waiting' });
      }
    } catch (err) {
      const f = classifyKubeError(err);
      Object.assign(r, { action: 'failed', message: `wait for CustomResourceDefinition ${r.ref.name}: ${f.message}`, errorClass: f.errorClass });
    }
  }));
}

/** What pruneAll did. */
interface PruneRun {
  /** per-object results: pruned, or failed (with the reason) */
  results: ObjectResult[];
  /** entries still owned (their prune failed, or their kind is not served): they stay in the inventory */
  kept: InventoryEntry[];
  /** objects left alone because they are not provably ours (reported orphaned) */
  orphans: ObjectRef[];
}

/**
 * Prunes `entries` in reverse apply order (waves, concurrently inside a wave), each only when it
 * is provably ours (inventory/ownership.ts pruneVerdict: marks for this bundle and the recorded
 * uid), with a uid precondition on the delete. An object now carrying another bundle's marks was
 * adopted by it: left alone, dropped silently. One without our marks, with another uid, or
 * without a recorded uid: left alone, reported orphaned. One that cannot be read or deleted
 * (including a kind no longer served): failed, kept in the inventory — never taken for gone.
 */
async function pruneAll(deps: ReconcileDeps, bundleId: string, entries: readonly InventoryEntry[]): Promise<PruneRun> {
  const ordered = pruneOrder(entries, (r) => r.kind);
  const waves: InventoryEntry[][] = [];
  for (const ref of ordered) {
    const last = waves[waves.length - 1];
    if (last && kindRank(last[0]!.kind) === kindRank(ref.kind)) last.push(ref);
    else waves.push([ref]);
  }
  const run: PruneRun = { results: [], kept: [], orphans: [] };
  const failed = (entry: InventoryEntry, message: string, errorClass: ObjectResult['errorClass']): void => {
    run.results.push({ ref: plainRef(entry), action: 'failed', message: `prune: ${message}`, errorClass, owned: true, scopeKnown: true });
    run.kept.push(entry);
  };
  const orphan = (entry: InventoryEntry, reason: string): void => {
    deps.log.warn({ bundleId, object: refString(entry), reason }, 'not pruning: not provably ours; reported orphaned');
    run.orphans.push(plainRef(entry));
  };
  for (const wave of waves) {
    await mapLimit(wave, deps.applyConcurrency, async (entry): Promise<void> => {
      let live: KubeObject | null;
      try {
        live = await deps.kube.getObject(entry);
      } catch (err) {
        const f = classifyKubeError(err);
        if (f.errorClass === 'waiting') failed(entry, `${entry.apiVersion} ${entry.kind} is not served by the apiserver; kept in the inventory, not taken for gone (${f.message})`, 'failed');
        else failed(entry, f.message, f.errorClass);
        return;
      }
      const verdict = pruneVerdict(bundleId, entry, live);
      switch (verdict.action) {
        case 'gone':
          run.results.push({ ref: plainRef(entry), action: 'pruned', message: '', owned: false, scopeKnown: true });
          return;
        case 'adopted':
          deps.log.info({ object: refString(entry), owner: verdict.owner, bundleId }, 'not pruning: object now belongs to another bundle');
          return;
        case 'orphan':
          orphan(entry, verdict.reason);
          return;
        case 'delete': {
          const res = await pruneObject(deps.kube, entry, verdict.uid);
          if (res.ok) run.results.push({ ref: plainRef(entry), action: 'pruned', message: '', owned: false, scopeKnown: true });
          else if (res.uidMismatch) orphan(entry, `${refString(entry)} was re-created (uid precondition ${verdict.uid} failed: ${res.message}); not pruned`);
          else failed(entry, res.message, res.errorClass);
        }
      }
    });
  }
  return run;
}
