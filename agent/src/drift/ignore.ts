/**
 * Ignore rules: differences that are never drift. Pure.
 *
 * Two sources (Argo CD ignoreDifferences: jsonPointers and managedFieldsManagers; Fleet
 * diff.comparePatches "remove" operations):
 *   - DesiredState.ignore_differences: per object selector (group, kind, namespace, name; empty
 *     matches anything), RFC 6901 pointers (the field and everything below it) and managers;
 *   - the agent flag --ignore-managers (default kube-controller-manager,horizontal-pod-autoscaler):
 *     a field whose current owner is one of these managers is never drift, e.g. an HPA's
 *     spec.replicas. Writes by kubectl (kubectl, kubectl-set, kubectl-edit, ...) are drift.
 */
import { isAtOrBelow } from './pointer.js';

/** One rule (the IgnoreDifference message in plain form). */
export interface IgnoreRule {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  jsonPointers: readonly string[];
  managers: readonly string[];
}

/** What is ignored for one object. */
export interface ObjectIgnores {
  /** fields at or below these pointers are never compared */
  pointers: string[];
  /** fields owned by these managers are never drift */
  managers: Set<string>;
}

/** The default of --ignore-managers. */
export const DEFAULT_IGNORE_MANAGERS: readonly string[] = ['kube-controller-manager', 'horizontal-pod-autoscaler'];

/** API group of an apiVersion ('' for core "v1"). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The identity an ignore rule is matched against: the fields of kube/types.ts ObjectRef, written
 * out so that drift/ (pure rules) does not import kube/ (which imports drift/ to build apply bodies).
 */
export interface IgnoreSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

function matches(rule: IgnoreRule, ref: IgnoreSubject): boolean {
  return (!rule.group || rule.group === groupOf(ref.apiVersion))
    && (!rule.kind || rule.kind === ref.kind)
    && (!rule.namespace || rule.namespace === ref.namespace)
    && (!rule.name || rule.name === ref.name);
}

/**
 * The ignores that apply to `ref`: pointers and managers of every matching rule, plus the
 * agent-wide managers.
 */
export function ignoresFor(rules: readonly IgnoreRule[], globalManagers: readonly string[], ref: IgnoreSubject): ObjectIgnores {
  const out: ObjectIgnores = { pointers: [], managers: new Set(globalManagers) };
  for (const r of rules) {
    if (!matches(r, ref)) continue;
    out.pointers.push(...r.jsonPointers);
    for (const m of r.managers) out.managers.add(m);
  }
  return out;
}

/** True when `path` is at or below one of `pointers`. */
export function pathIgnored(pointers: readonly string[], path: string): boolean {
  return pointers.some((p) => isAtOrBelow(path, p));
}
