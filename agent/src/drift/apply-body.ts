/**
 * The body of a server-side apply under ignore rules. Pure.
 *
 * Every write of the agent (first apply, update, resync, self-heal, manual sync, dry-run plan,
 * Helm hooks) sends `applyBody(desired, live, ignores)` instead of the desired object, so a field
 * the ignore rules or `--ignore-managers` leave to someone else is never written and the agent
 * never takes (or keeps) ownership of it. Rule source: Argo CD's `RespectIgnoreDifferences=true`
 * sync option ("the ignored fields of the desired state are not applied"; argo-cd
 * controller/sync.go normalizeTargetResources), with server-side apply ownership on top:
 *
 *   - an object that does not exist yet is created from the full desired object (as Argo CD:
 *     there is nothing live to respect, and leaving e.g. `replicas` out would let the apiserver
 *     default it);
 *   - a field owned (metadata.managedFields, FieldsV1) by a manager named in a matching rule's
 *     `managers` or in `--ignore-managers` is left out. That manager still owns it, so server-side
 *     apply keeps its live value (a field leaves the object only when its last owner drops it);
 *   - a field at or below a rule's `jsonPointers` is left out when someone other than the agent
 *     owns it (same reason), or when it is absent live (never create it). When only the agent
 *     owns it, leaving it out would delete it (the agent is its last owner), so it is applied
 *     with its live value instead (Argo CD copies ignored fields from live the same way): nothing
 *     changes on the cluster, and the first other writer takes it over.
 *
 * Pointers are in the coordinates of the desired object (list indexes as in Git). Key fields of
 * an associative-list item (`k:{"name":"web"}`) are never left out: they name the item.
 */
import { dequal } from 'dequal';
import type { ObjectIgnores } from './ignore.js';
import { fieldOwners, ownersOf } from './managed-fields.js';
import { compilePointer, isAtOrBelow, parsePointer, removeMember, valueAt } from './pointer.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body to apply and what was done to it (JSON pointers in desired coordinates). */
export interface ApplyBody {
  body: Json;
  /** fields left out: owned by an ignored manager, or ignored by pointer and owned by another */
  omitted: string[];
  /** fields ignored by pointer that only the agent owns: applied with their live value */
  keptLive: string[];
}

interface ManagedEntry {
  manager?: unknown;
  fieldsType?: unknown;
  fieldsV1?: unknown;
}

/**
 * Walks one FieldsV1 set over the body and collects the body pointers of its owned leaves.
 * `protectedKeys` are the key fields of the associative-list item being walked.
 */
function ownedLeaves(set: Json, body: unknown, tokens: string[], out: string[], protectedKeys: ReadonlySet<string> = new Set()): void {
  for (const [key, child] of Object.entries(set)) {
    if (key === '.') continue;
    const kind = key.slice(0, 2);
    const rest = key.slice(2);
    let token: string | undefined;
    let next: unknown;
    let keys: ReadonlySet<string> = new Set();
    if (kind === 'f:') {
      if (!isObj(body) || !Object.hasOwn(body, rest) || protectedKeys.has(rest)) continue;
      token = rest;
      next = body[rest];
    } else if (Array.isArray(body)) {
      let want: unknown;
      try {
        want = kind === 'i:' ? undefined : JSON.parse(rest);
      } catch {
        continue;
      }
      let index = -1;
      if (kind === 'k:' && isObj(want)) {
        const w = want;
        index = body.findIndex((item) => isObj(item) && Object.entries(w).every(([k, v]) => dequal(item[k], v)));
        keys = new Set(Object.keys(w));
      } else if (kind === 'v:') {
        index = body.findIndex((item) => dequal(item, want));
      } else if (kind === 'i:') {
        index = Number(rest);
      }
      if (index < 0 || index >= body.length) continue;
      token = String(index);
      next = body[index];
    } else {
      continue;
    }
    const path = [...tokens, token];
    // a list item owned as a whole (no children) is left to its list: items are never removed
    if (isObj(child) && Object.keys(child).length > 0) ownedLeaves(child, next, path, out, keys);
    else if (kind === 'f:') out.push(compilePointer(path));
  }
}

/** Body pointers of every field an ignored manager owns (see module comment). */
function ignoredManagerFields(body: Json, live: Json, managers: ReadonlySet<string>): string[] {
  const entries = (isObj(live.metadata) ? live.metadata.managedFields : undefined) as ManagedEntry[] | undefined;
  const out: string[] = [];
  for (const e of Array.isArray(entries) ? entries : []) {
    if (!isObj(e) || typeof e.manager !== 'string' || !managers.has(e.manager) || !isObj(e.fieldsV1)) continue;
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') continue;
    ownedLeaves(e.fieldsV1, body, [], out);
  }
  return out;
}

/** Sets `value` at an existing object member `pointer` of `doc` (in place). */
function setMember(doc: unknown, pointer: string, value: unknown): void {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  const parent = valueAt(doc, compilePointer(tokens));
  if (last !== undefined && isObj(parent)) parent[last] = structuredClone(value);
}

/**
 * The body to server-side apply for `desired` given the live object (null: it does not exist)
 * and the object's ignores (drift/ignore.ts `ignoresFor`). `self` is the agent's field manager.
 * Returns a new object; the inputs are not changed. See the module comment for the rules.
 */
export function applyBody(desired: Json, live: Json | null | undefined, ignores: ObjectIgnores, self: string): ApplyBody {
  const body = structuredClone(desired);
  if (!live) return { body, omitted: [], keptLive: [] };
  const omitted = new Set<string>();
  const keptLive: string[] = [];

  // fields an ignored manager owns: leave them out (that manager keeps them)
  for (const p of ignoredManagerFields(body, live, ignores.managers)) if (removeMember(body, p)) omitted.add(p);

  // fields under an ignore pointer: leave out, unless the agent is their only owner
  if (ignores.pointers.length > 0) {
    const owners = fieldOwners(live);
    for (const pointer of ignores.pointers) {
      if ([...omitted].some((o) => isAtOrBelow(pointer, o))) continue;
      let tokens: string[];
      try {
        tokens = parsePointer(pointer);
      } catch {
        continue; // not a pointer ("replicas"): matches nothing
      }
      if (valueAt(body, pointer) === undefined) continue;
      const liveValue = valueAt(live, pointer);
      const managers = ownersOf(owners, pointer);
      const onlySelf = liveValue !== undefined && (managers.length === 0 || managers.every((m) => m === self));
      if (onlySelf) {
        setMember(body, pointer, liveValue);
        keptLive.push(pointer);
      } else if (removeMember(body, compilePointer(tokens))) {
        omitted.add(pointer);
      }
    }
  }
  return { body, omitted: [...omitted], keptLive };
}
