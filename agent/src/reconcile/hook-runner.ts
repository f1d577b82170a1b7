/**
 * Runs the Helm hooks of one event against the cluster, as `helm install/upgrade` does
 * (helm/helm pkg/action/hooks.go execHook), over the agent's kube client:
 *   for each hook in order (hooks.ts hooksFor): delete the previous object when the policy says
 *   `before-hook-creation` and wait until it is gone; write it (server-side apply, field manager
 *   gitfleet-agent); a Job or Pod is then polled every 500 ms until it succeeds or fails, or the
 *   timeout (5 min) passes. The first failure stops the event: the failed hook is deleted when
 *   its policy says `hook-failed`, and the rest of the bundle is not applied. When every hook
 *   succeeded, those with `hook-succeeded` are deleted, in reverse order.
 * One deviation from Helm: Helm creates hooks (an existing one without `before-hook-creation`
 * fails with AlreadyExists); the agent applies them, so such a hook is updated in place.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type ApplyGuard, applyObject, type WriteIgnores } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { classifyKubeError, type KubeErrorClass } from '../kube/errors.js';
import { type ObjectRef, refString } from '../kube/types.js';
import { deletesAt, type HookEvent, type HookObject, type HookProgress, hookProgress, waitsForCompletion } from './hooks.js';
import type { ObjectResult } from './result.js';

/** How long a hook may run (Helm's default --timeout), ms. */
export const HOOK_TIMEOUT_MS = 5 * 60_000;
/** Poll period of a running hook, ms. */
export const HOOK_POLL_MS = 500;

/** A hook object placed for apply (namespace, labels) with its ref. */
export interface PlacedHook extends HookObject {
  ref: ObjectRef;
}

/** What running one event's hooks needs. */
export interface HookRunDeps {
  kube: KubeClient;
  log: Logger;
  /** how long one hook may run (and a delete may take), ms (default HOOK_TIMEOUT_MS) */
  hookTimeoutMs?: number;
  /** ignore rules a hook's write respects, as every apply (kube/apply.ts) */
  ignore?: WriteIgnores;
  /** refuses a hook's write (self-protection) */
  guard?: ApplyGuard;
}

/** The outcome of one event's hooks: per-hook results, and the failure that stopped it. */
export interface HookRun {
  results: ObjectResult[];
  /** why the event failed, naming the hook (`pre-install hook Job app/migrate failed: …`) */
  error?: string;
  /** class of that failure: `failed` (the hook failed or timed out) or what the apiserver said */
  errorClass?: KubeErrorClass;
}

/** A hook step that failed, with its class. */
class HookStepError extends Error {
  constructor(message: string, readonly errorClass: KubeErrorClass) {
    super(message);
  }
}

/**
 * Deletes an object (propagation Background, as Helm) and waits until it is gone.
 * @throws HookStepError when the delete is refused or the object outlives the timeout
 */
async function deleteAndWait(kube: KubeClient, ref: ObjectRef, timeoutMs: number, pollMs: number): Promise<boolean> {
  let existed: boolean;
  try {
    existed = await kube.deleteObject(ref, 'Background');
  } catch (err) {
    const f = classifyKubeError(err);
    if (f.errorClass === 'waiting') return false; // kind not served: nothing to delete
    throw new HookStepError(`delete: ${f.message}`, f.errorClass);
  }
  if (!existed) return false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await kube.getObject(ref)) === null) return true;
    } catch (err) {
      const f = classifyKubeError(err);
      if (f.errorClass !== 'transient') throw new HookStepError(`wait for deletion: ${f.message}`, f.errorClass);
    }
    if (Date.now() >= deadline) throw new HookStepError(`still present ${Math.round(timeoutMs / 1000)}s after its deletion`, 'transient');
    await sleep(pollMs);
  }
}

/** Polls a Job or Pod hook until it succeeds or fails; a timeout or a vanished object fails it. */
async function waitHook(kube: KubeClient, ref: ObjectRef, timeoutMs: number, pollMs: number): Promise<HookProgress> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not read yet';
  for (;;) {
    try {
      const live = await kube.getObject(ref);
      if (live === null) return { state: 'failed', reason: 'Deleted', message: 'deleted before it completed' };
      const p = hookProgress(live);
      if (p.state !== 'running') return p;
      last = p.message;
    } catch (err) {
      last = classifyKubeError(err).message; // the apiserver may come back before the timeout
    }
    if (Date.now() >= deadline) return { state: 'failed', reason: 'Timeout', message: `did not complete within ${Math.round(timeoutMs / 1000)}s (${last})` };
    await sleep(pollMs);
  }
}

/**
 * Runs the hooks of `event` (already filtered and ordered: hooks.ts hooksFor) one after another
 * (see the module comment). Never throws: the first failure ends the run and is returned.
 */
export async function runHooks(deps: HookRunDeps, hooks: readonly PlacedHook[], event: HookEvent, pollMs = HOOK_POLL_MS): Promise<HookRun> {
  const timeoutMs = deps.hookTimeoutMs ?? HOOK_TIMEOUT_MS;
  const results: ObjectResult[] = [];
  const done: Array<{ h: PlacedHook; r: ObjectResult }> = [];
  const name = (h: PlacedHook) => `${event} hook ${refString(h.ref)}`;
  const result = (h: PlacedHook, action: ObjectResult['action'], message: string, errorClass?: KubeErrorClass): ObjectResult =>
    ({ ref: h.ref, action, message, owned: false, scopeKnown: true, hook: event, ...(errorClass ? { errorClass } : {}) });

  for (const h of hooks) {
    const log = deps.log.child({ hook: event, object: refString(h.ref), weight: h.hook.weight });
    try {
      if (deletesAt(h, 'before-hook-creation') && await deleteAndWait(deps.kube, h.ref, timeoutMs, pollMs)) {
        log.info('deleted the previous hook object (before-hook-creation)');
      }
    } catch (err) {
      const e = err as HookStepError;
      results.push(result(h, 'failed', `${name(h)}: ${e.message}`, e.errorClass));
      return { results, error: `${name(h)} failed: ${e.message}`, errorClass: e.errorClass };
    }
    const applied = await applyObject(deps.kube, h.obj, { ignore: deps.ignore, ...(deps.guard ? { guard: deps.guard } : {}) });
    if (!applied.ok) {
      results.push(result(h, 'failed', `${name(h)}: ${applied.message}`, applied.errorClass));
      return { results, error: `${name(h)} failed: ${applied.message}`, errorClass: applied.errorClass };
    }
    log.info({ action: applied.action }, 'hook written');
    const progress = waitsForCompletion(h.obj.kind) ? await waitHook(deps.kube, h.ref, timeoutMs, pollMs) : { state: 'succeeded' as const };
    if (progress.state !== 'succeeded') {
      const why = progress.state === 'failed' ? `${progress.reason}${progress.message ? `: ${progress.message}` : ''}` : progress.message;
      let message = `${name(h)} failed: ${why}`;
      log.warn({ reason: why }, 'hook failed');
      if (deletesAt(h, 'hook-failed')) {
        try {
          await deleteAndWait(deps.kube, h.ref, timeoutMs, pollMs);
          message += ' (deleted: hook-failed)';
        } catch (err) {
          message += ` (delete by hook-failed policy failed: ${(err as Error).message})`;
        }
      }
      results.push(result(h, 'failed', message, 'failed'));
      return { results, error: message, errorClass: 'failed' };
    }
    const r = result(h, applied.action, `${event} hook succeeded`);
    results.push(r);
    done.push({ h, r });
  }

  // every hook succeeded: delete those that ask for it, in reverse order (as Helm)
  for (const { h, r } of [...done].reverse()) {
    if (!deletesAt(h, 'hook-succeeded')) continue;
    try {
      await deleteAndWait(deps.kube, h.ref, timeoutMs, pollMs);
      r.message += ', deleted (hook-succeeded)';
    } catch (err) {
      const e = err as HookStepError;
      Object.assign(r, { action: 'failed', message: `${name(h)}: delete by hook-succeeded policy: ${e.message}`, errorClass: e.errorClass });
      return { results, error: `${name(h)} failed: delete by hook-succeeded policy: ${e.message}`, errorClass: e.errorClass };
    }
  }
  return { results };
}
