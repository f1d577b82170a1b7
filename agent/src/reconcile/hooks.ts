/**
 * Helm hooks in bundles: classification, order and delete policies. Pure.
 *
 * The hub renders charts with `helm template`, which keeps hook objects (with their
 * annotations) among the others. The agent gives them Helm's meaning (helm/helm
 * pkg/releaseutil/manifest_sorter.go, pkg/action/hooks.go):
 *   - `helm.sh/hook`: comma-separated events, trimmed and lower-cased. An object with an event
 *     Helm does not know is skipped (Helm: "skipping unknown hook"). `test-success` is `test`.
 *     `crd-install` (Helm 2, legacy) is dropped from the list; an object with only
 *     `crd-install` is a normal object.
 *   - `helm.sh/hook-weight`: an integer (Go strconv.Atoi); anything else is 0.
 *   - `helm.sh/hook-delete-policy`: comma-separated, trimmed, lower-cased; none given →
 *     `before-hook-creation` (Helm's default).
 *   - hooks of one event run one at a time by weight, then Helm's install order of their
 *     kinds (unknown kinds last, alphabetically), then name.
 *   - Jobs wait for condition Complete=True (Failed=True fails the hook), Pods for phase
 *     Succeeded (Failed fails it); other kinds are ready once written.
 *   - CustomResourceDefinitions are never deleted by a policy.
 */
import type { HookRecord } from '../inventory/document.js';
import type { KubeObject } from '../kube/types.js';
import { HELM_INSTALL_ORDER } from './ordering.js';

/** The annotation that makes an object a hook. */
export const HOOK_ANNOTATION = 'helm.sh/hook';
/** The annotation with the hook's weight. */
export const HOOK_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';
/** The annotation with the hook's delete policies. */
export const HOOK_DELETE_ANNOTATION = 'helm.sh/hook-delete-policy';

/** Hook events Helm knows (`test-success` is read as `test`). */
export type HookEvent =
  | 'pre-install' | 'post-install' | 'pre-upgrade' | 'post-upgrade'
  | 'pre-delete' | 'post-delete' | 'pre-rollback' | 'post-rollback' | 'test';

/** Hook delete policies Helm knows. Other values are kept but match nothing. */
export type HookDeletePolicy = 'before-hook-creation' | 'hook-succeeded' | 'hook-failed';

export type { HookRecord };

const EVENTS: ReadonlyMap<string, HookEvent> = new Map<string, HookEvent>([
  ['pre-install', 'pre-install'], ['post-install', 'post-install'], ['pre-upgrade', 'pre-upgrade'], ['post-upgrade', 'post-upgrade'],
  ['pre-delete', 'pre-delete'], ['post-delete', 'post-delete'], ['pre-rollback', 'pre-rollback'], ['post-rollback', 'post-rollback'],
  ['test', 'test'], ['test-success', 'test'],
]);

/** A hook object's Helm attributes. */
export interface HookSpec {
  events: HookEvent[];
  weight: number;
  /** delete policies as given (lower-cased); `before-hook-creation` when none was given */
  deletePolicies: string[];
}

/** What an object of a bundle is: a normal object, a hook, or skipped (unknown hook event). */
export type HookClass =
  | { kind: 'normal' }
  | { kind: 'hook'; hook: HookSpec }
  | { kind: 'skip'; reason: string };

/** Splits a comma-separated annotation value as Helm does (trim, lower-case); '' entries dropped. */
function splitList(value: string): string[] {
  return value.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
}

/** Go strconv.Atoi on a hook weight: an optionally signed decimal integer, else 0. */
export function hookWeight(value: string | undefined): number {
  if (value === undefined || !/^[+-]?[0-9]+$/.test(value)) return 0;
  const n = Number.parseInt(value, 10);
  return Number.isSafeInteger(n) ? n : 0;
}

/** Classifies one bundle object by its `helm.sh/hook` annotations (see the module comment). */
export function classifyHook(obj: KubeObject): HookClass {
  const annotations = obj.metadata.annotations ?? {};
  const raw = annotations[HOOK_ANNOTATION];
  if (raw === undefined) return { kind: 'normal' };
  const names = splitList(raw).filter((e) => e !== 'crd-install');
  if (names.length === 0) return { kind: 'normal' };
  const events: HookEvent[] = [];
  for (const n of names) {
    const e = EVENTS.get(n);
    if (!e) return { kind: 'skip', reason: `unknown hook ${JSON.stringify(raw)}` };
    if (!events.includes(e)) events.push(e);
  }
  const policies = splitList(annotations[HOOK_DELETE_ANNOTATION] ?? '');
  return {
    kind: 'hook',
    hook: { events, weight: hookWeight(annotations[HOOK_WEIGHT_ANNOTATION]), deletePolicies: policies.length > 0 ? policies : ['before-hook-creation'] },
  };
}

/** The events of one reconcile: Helm's install or upgrade. */
export interface HookEvents {
  pre: 'pre-install' | 'pre-upgrade';
  post: 'post-install' | 'post-upgrade';
}

/** The events an apply fires: install when the target had no inventory before, else upgrade. */
export function hookEventsFor(install: boolean): HookEvents {
  return install ? { pre: 'pre-install', post: 'post-install' } : { pre: 'pre-upgrade', post: 'post-upgrade' };
}

const INSTALL_RANK = new Map(HELM_INSTALL_ORDER.map((k, i) => [k, i]));

/**
 * Helm's hookByWeight order: weight, then the kind's rank in Helm's install order (kinds not
 * in it after every known kind, alphabetically among themselves), then name. For `sort`.
 */
export function compareHooks(a: { kind: string; name: string; weight: number }, b: { kind: string; name: string; weight: number }): number {
  if (a.weight !== b.weight) return a.weight - b.weight;
  const ra = INSTALL_RANK.get(a.kind);
  const rb = INSTALL_RANK.get(b.kind);
  const byName = a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  if (ra === undefined && rb === undefined) {
    if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
    return byName;
  }
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra !== rb ? ra - rb : byName;
}

/** A hook object with its attributes. */
export interface HookObject {
  obj: KubeObject;
  hook: HookSpec;
}

/** The hooks that fire on `event`, in Helm's execution order. Returns a new array. */
export function hooksFor<T extends HookObject>(hooks: readonly T[], event: HookEvent): T[] {
  const key = (h: T) => ({ kind: h.obj.kind, name: h.obj.metadata.name, weight: h.hook.weight });
  return hooks.filter((h) => h.hook.events.includes(event)).sort((a, b) => compareHooks(key(a), key(b)));
}

/**
 * True when the hook must be deleted at this point (`before-hook-creation`: before it is
 * written; `hook-succeeded` / `hook-failed`: after its event succeeded / it failed).
 * Never for a CustomResourceDefinition (Helm: deleting one cascades).
 */
export function deletesAt(h: HookObject, policy: HookDeletePolicy): boolean {
  return h.obj.kind !== 'CustomResourceDefinition' && h.hook.deletePolicies.includes(policy);
}

/** Where a hook that runs to completion stands. */
export type HookProgress =
  | { state: 'running'; message: string }
  | { state: 'succeeded' }
  | { state: 'failed'; reason: string; message: string };

/** True for kinds the agent waits for (Job, Pod); every other hook is done once written. */
export function waitsForCompletion(kind: string): boolean {
  return kind === 'Job' || kind === 'Pod';
}

interface Condition { type?: string; status?: string; reason?: string; message?: string }

/**
 * Progress of a live Job (conditions Complete / Failed) or Pod (phase Succeeded / Failed).
 * Other kinds are succeeded.
 */
export function hookProgress(live: KubeObject): HookProgress {
  const status = (live.status ?? {}) as { conditions?: Condition[]; phase?: string; reason?: string; message?: string; active?: number };
  if (live.kind === 'Job') {
    const conditions = status.conditions ?? [];
    const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed) return { state: 'failed', reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
    if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return { state: 'succeeded' };
    return { state: 'running', message: `Job active=${status.active ?? 0}` };
  }
  if (live.kind === 'Pod') {
    if (status.phase === 'Succeeded') return { state: 'succeeded' };
    if (status.phase === 'Failed') return { state: 'failed', reason: status.reason ?? 'PodFailed', message: status.message ?? '' };
    return { state: 'running', message: `Pod phase ${status.phase ?? 'Pending'}` };
  }
  return { state: 'succeeded' };
}

/** What a reconcile does with hooks, given the record of the last one (pure). */
export interface HookPlan {
  /** install or upgrade */
  install: boolean;
  /** run the pre hooks */
  runPre: boolean;
  /** run the post hooks (after every other object applied) */
  runPost: boolean;
  /** a failure recorded for this generation that still holds (pre: nothing else is applied) */
  recordedError?: { phase: 'pre' | 'post'; message: string };
}

/**
 * Decides the hooks of an apply: a new generation (or a sync request) runs pre and post hooks,
 * as install when the target had no inventory before (or its install failed in its pre hooks),
 * else as upgrade. The same generation runs only what has not run yet; a recorded failure holds.
 * An inventory without a record that already shows this generation applied (written before the
 * agent knew hooks) runs none.
 */
export function planHooks(input: { generation: string; hadInventory: boolean; appliedGeneration: string | undefined; record: HookRecord | undefined; syncRequested: boolean }): HookPlan {
  const r = input.record;
  if (!r && input.appliedGeneration === input.generation && !input.syncRequested) return { install: false, runPre: false, runPost: false };
  if (!r || r.generation !== input.generation || input.syncRequested) {
    const failedInstall = r?.event === 'install' && r.phase === 'pre' && r.error !== '';
    return { install: !input.hadInventory || failedInstall, runPre: true, runPost: true };
  }
  const install = r.event === 'install';
  if (r.error !== '') return { install, runPre: false, runPost: false, recordedError: { phase: r.phase, message: r.error } };
  return { install, runPre: false, runPost: r.phase === 'pre' };
}
