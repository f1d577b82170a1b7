/**
 * One reconcile of one target, as a straight line of steps (Flux kustomize-controller's inner
 * `reconcile()`): decode desired → check its signature → read inventory → decide the mode (sync policy) → fetch bundle →
 * parse → ensure namespace → apply in phases → new inventory → prune or orphan → write inventory
 * → summarise. In plan mode the line ends after a dry run (plan.ts). Bundle-level failures
 * end the line with a classified error; per-object failures are recorded and the line goes on.
 */
import type { BundleManifest, DesiredState } from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { IgnoreRule } from '../drift/ignore.js';
import { errorClassOf, TransientError, WaitingError } from '../errors.js';
import type { HookRecord } from '../inventory/document.js';
import { nextInventory, staleObjects, type Inventory, type InventoryStore } from '../inventory/index.js';
import { type ApplyPolicy, applyObject, ensureNamespace, pruneObject, waitEstablished, type WriteIgnores } from '../kube/apply.js';
import { ownershipGuard } from '../kube/ownership.js';
import type { KubeClient } from '../kube/client.js';
import { classifyKubeError, errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refKey, refOf, refString } from '../kube/types.js';
import { BUNDLE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import type { BundleSource } from '../nats/bundle-fetcher.js';
import { decodeDesired, effectiveSyncPolicy } from './desired.js';
import { type PlacedHook, runHooks } from './hook-runner.js';
import { classifyHook, type HookPlan, type HookSpec, hookEventsFor, hooksFor, planHooks } from './hooks.js';
import { applyWaves, kindRank, pruneOrder } from './ordering.js';
import { mapLimit } from './pool.js';
import { keepsOnPrune, placeAll, planDesired } from './plan.js';
import { guessRef, type NamespaceOptions, parseManifestObject, placeObject } from './prepare.js';
import { nextStep, type ObjectResult, type ReconcileOutcome, syncStateOf } from './result.js';
import { allGuards, type SelfObjects, selfProtectionGuard } from './self-protection.js';
import { type TrustedKeys, verifyDesiredSignature } from './signature.js';

/** What a reconcile needs from the outside world. */
export interface ReconcileDeps {
  kube: KubeClient;
  inventory: InventoryStore;
  bundles: BundleSource;
  log: Logger;
  /** how long to wait for a CRD to become Established, ms (30 s) */
  crdTimeoutMs: number;
  /** objects applied (or pruned) concurrently inside one wave */
  applyConcurrency: number;
  /** field managers whose fields are never drift (--ignore-managers) */
  ignoreManagers: readonly string[];
  /** how long one Helm hook (Job, Pod) may run, ms (default 5 min) */
  hookTimeoutMs?: number;
  /**
   * the hub's public keys (--bundle-public-keys); every desired state must be signed by one of
   * them. undefined: signatures are not checked (signature.ts)
   */
  trustedKeys: TrustedKeys | undefined;
  /** the agent's own objects, refused in bundles (self-protection.ts); undefined → allowed (--allow-self-management) */
  selfObjects?: SelfObjects;
}

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
    const policy = effectiveSyncPolicy(desired);
    out.policy = policy;
    out.ignore = ignoreRulesOf(desired);

    // read the previous inventory (what we own; a restarted agent prunes from it)
    const previous = await readInventory(deps, input.bundleId);
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
      out.state = 'SKIPPED';
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
      generation: String(desired.generation), hadInventory: previous !== null,
      appliedGeneration: previous?.synced ? previous.generation : undefined, record: previous?.hooks, syncRequested,
    });

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
        await writeInventory(deps, { ...base, synced: false, hooks: run.record });
      }
      out.errorClass = nextStep(out.resources);
      return out;
    }
    const hookKeys = run.hookKeys;

    // new inventory: applied objects + owned objects whose new version failed
    const prevObjects = previous?.objects ?? [];
    let owned = nextInventory(out.resources.filter((r) => r.hook === undefined).map((r) => ({ ref: r.ref, ok: r.owned, scopeKnown: r.scopeKnown })), prevObjects);
    const ownedKeys = new Set(owned.map(refKey));

    // prune what left the desired state when the policy allows and its last version did not
    // say gitfleet.io/prune: "false"; keep (orphan) the rest
    const tp = performance.now();
    const prevKeep = new Set((previous?.keep ?? []).map(refKey));
    // an object that became a Helm hook leaves the inventory without being pruned
    const stale = staleObjects(prevObjects, owned).filter((r) => !hookKeys.has(looseKey(r)));
    const toPrune = stale.filter((r) => policy.prune && !prevKeep.has(refKey(r)));
    const orphanCandidates = [...(previous?.orphaned ?? []), ...stale.filter((r) => !toPrune.includes(r))].filter((r) => !ownedKeys.has(refKey(r)));
    if (toPrune.length > 0) {
      const pruned = await pruneAll(deps, input.bundleId, toPrune);
      out.resources.push(...pruned);
      owned = [...owned, ...pruned.filter((r) => r.owned).map((r) => r.ref)];
    }
    out.orphaned = await stillThere(deps, orphanCandidates);
    out.timings.pruneMs = performance.now() - tp;

    // write the inventory (with the sync_request acted on and the objects to keep on prune)
    out.state = syncStateOf(out.resources, out.errors);
    out.syncRequest = desired.syncRequest > acted ? desired.syncRequest : acted;
    const keepNow = new Set(out.resources.filter((r) => r.keep && r.owned).map((r) => refKey(r.ref)));
    const appliedNow = new Set(out.resources.filter((r) => r.action !== 'failed').map((r) => refKey(r.ref)));
    await writeInventory(deps, {
      bundleId: input.bundleId, revision: desired.revision, digest: desired.digest,
      generation: String(desired.generation), synced: out.state === 'SYNCED', objects: owned,
      syncRequest: String(out.syncRequest),
      keep: owned.filter((r) => keepNow.has(refKey(r)) || (!appliedNow.has(refKey(r)) && prevKeep.has(refKey(r)))),
      orphaned: out.orphaned,
      ...(run.record ? { hooks: run.record } : {}),
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
 * Deletes a target: prunes every object of its inventory (reverse apply order) except those
 * whose last version said gitfleet.io/prune: "false" (reported orphaned), then the inventory
 * itself. Never throws. State DELETED when everything is gone, else FAILED (transient);
 * SKIPPED for a replayed delete marker whose target left no inventory.
 */
export async function reconcileDelete(deps: ReconcileDeps, bundleId: string, trigger: Trigger = 'update'): Promise<ReconcileOutcome> {
  const t0 = performance.now();
  const out: ReconcileOutcome = {
    bundleId, state: 'FAILED', revision: '', digest: '', generation: 0n,
    resources: [], errors: [], timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
    mode: 'delete', trigger: 'delete',
  };
  try {
    // read the inventory (nothing owned: nothing to do)
    const previous = await readInventory(deps, bundleId);
    if (!previous && trigger === 'replay') {
      out.state = 'SKIPPED'; // an old delete marker replayed at start: nothing of it is left
      return out;
    }
    if (previous) {
      Object.assign(out, { revision: previous.revision, digest: previous.digest, generation: BigInt(previous.generation || '0'), syncRequest: BigInt(previous.syncRequest) });
    }

    // prune everything it lists, except what asks to be kept
    const keep = new Set((previous?.keep ?? []).map(refKey));
    const tp = performance.now();
    out.resources = await pruneAll(deps, bundleId, (previous?.objects ?? []).filter((r) => !keep.has(refKey(r))));
    out.orphaned = [...(previous?.orphaned ?? []), ...(previous?.objects ?? []).filter((r) => keep.has(refKey(r)))];
    out.timings.pruneMs = performance.now() - tp;

    // drop the inventory, or keep what is left when some prunes failed
    const left = out.resources.filter((r) => r.owned).map((r) => r.ref);
    if (left.length === 0) {
      if (previous) await deps.inventory.remove(bundleId);
      out.state = 'DELETED';
    } else if (previous) {
      await writeInventory(deps, { ...previous, synced: false, objects: left, keep: [] });
      out.state = 'FAILED';
    }
    out.errorClass = nextStep(out.resources);
    if (out.state === 'FAILED') out.errorClass ??= 'transient';
  } catch (err) {
    out.state = 'FAILED';
    out.errors.push(errorMessage(err));
    out.errorClass = nextStep(out.resources, errorClassOf(err));
  } finally {
    out.timings.totalMs = performance.now() - t0;
  }
  return out;
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

  // the target namespace must exist before anything goes into it
  if (ns.targetNamespace) {
    try {
      if (await ensureNamespace(deps.kube, ns.targetNamespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE })) {
        log.info({ namespace: ns.targetNamespace }, 'created target namespace');
      }
    } catch (cause) {
      throw kubeStepError(`create namespace ${ns.targetNamespace}`, cause);
    }
  }

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
      return { ok: false, result: { ref: guessRef(obj, ns), action: 'failed', message: `kind ${obj.kind} is not served by the apiserver under ${obj.apiVersion}`, errorClass: 'waiting', owned: false, scopeKnown: false } };
    }
    namespaced = scope.namespaced;
  } catch (err) {
    const f = classifyKubeError(err);
    return { ok: false, result: { ref: guessRef(obj, ns), action: 'failed', message: f.message, errorClass: f.errorClass, owned: false, scopeKnown: false } };
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

/**
 * Prunes `refs` in reverse apply order (waves, concurrently inside a wave). An object that now
 * carries another bundle's id label was adopted by that bundle and is left alone. Results:
 * pruned (owned=false), or failed (owned=true: it stays in the inventory).
 */
async function pruneAll(deps: ReconcileDeps, bundleId: string, refs: readonly ObjectRef[]): Promise<ObjectResult[]> {
  const ordered = pruneOrder(refs, (r) => r.kind);
  const waves: ObjectRef[][] = [];
  for (const ref of ordered) {
    const last = waves[waves.length - 1];
    if (last && kindRank(last[0]!.kind) === kindRank(ref.kind)) last.push(ref);
    else waves.push([ref]);
  }
  const results: ObjectResult[] = [];
  for (const wave of waves) {
    results.push(...await mapLimit(wave, deps.applyConcurrency, async (ref): Promise<ObjectResult | undefined> => {
      try {
        const live = await deps.kube.getObject(ref);
        const owner = live?.metadata.labels?.[BUNDLE_ID_LABEL];
        if (live && owner !== undefined && owner !== bundleId) {
          deps.log.info({ object: refString(ref), owner, bundleId }, 'not pruning: object now belongs to another bundle');
          return undefined;
        }
      } catch {
        // fall through: the delete below reports the failure
      }
      const res = await pruneObject(deps.kube, ref);
      if (res.ok) return { ref, action: 'pruned', message: '', owned: false, scopeKnown: true };
      return { ref, action: 'failed', message: `prune: ${res.message}`, errorClass: res.errorClass, owned: true, scopeKnown: true };
    }).then((rs) => rs.filter((r): r is ObjectResult => r !== undefined)));
  }
  return results;
}
