/**
 * Who owns which field, from `metadata.managedFields` (server-side apply field sets). Pure.
 *
 * A FieldsV1 set is a tree of keys (Kubernetes structured-merge-diff, "fieldpath" serialisation):
 *   `f:<name>`   an object member
 *   `k:<json>`   a list item of an associative list, named by its key fields, e.g. k:{"name":"web"}
 *   `v:<json>`   a list item of a set, named by its value
 *   `i:<n>`      a list item by index
 *   `.`          the node itself (an item or map exists because this manager set it)
 * A key whose value is `{}` (no children) is an owned leaf. List items are resolved to JSON pointer
 * indexes against the live object the field set describes; items no longer there are skipped.
 */
import { dequal } from 'dequal';
import { compilePointer, isAtOrBelow } from './pointer.js';

/** JSON pointer → the field managers that own that field (leaves and `.` markers only). */
export type FieldOwners = Map<string, string[]>;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One managedFields entry, as far as ownership goes. */
interface ManagedFieldsEntry {
  manager?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The child token and live child for one FieldsV1 key, or undefined when it cannot be resolved. */
function step(key: string, live: unknown): { token: string; live: unknown } | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  if (kind === 'f:') return { token: rest, live: isObj(live) ? live[rest] : undefined };
  if (!Array.isArray(live)) return undefined;
  let index = -1;
  if (kind === 'k:') {
    const want = parseJson(rest);
    if (!isObj(want)) return undefined;
    index = live.findIndex((item) => isObj(item) && Object.entries(want).every(([k, v]) => dequal(item[k], v)));
  } else if (kind === 'v:') {
    const want = parseJson(rest);
    index = live.findIndex((item) => dequal(item, want));
  } else if (kind === 'i:') {
    index = Number(rest);
  }
  return index >= 0 && index < live.length ? { token: String(index), live: live[index] } : undefined;
}

function walk(set: Json, live: unknown, tokens: string[], manager: string, out: FieldOwners): void {
  for (const [key, child] of Object.entries(set)) {
    if (key === '.') {
      add(out, compilePointer(tokens), manager);
      continue;
    }
    const s = step(key, live);
    if (!s) continue;
    const path = [...tokens, s.token];
    if (isObj(child) && Object.keys(child).length > 0) walk(child, s.live, path, manager, out);
    else add(out, compilePointer(path), manager);
  }
}

function add(out: FieldOwners, path: string, manager: string): void {
  const list = out.get(path);
  if (!list) out.set(path, [manager]);
  else if (!list.includes(manager)) list.push(manager);
}

/** The owners of every field of `live`, from its `metadata.managedFields` (see module comment). */
export function fieldOwners(live: Json): FieldOwners {
  const out: FieldOwners = new Map();
  const entries = (isObj(live.metadata) ? live.metadata.managedFields : undefined) as ManagedFieldsEntry[] | undefined;
  for (const e of Array.isArray(entries) ? entries : []) {
    if (!isObj(e) || typeof e.manager !== 'string' || !isObj(e.fieldsV1)) continue;
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') continue;
    walk(e.fieldsV1, live, [], e.manager, out);
  }
  return out;
}

/**
 * The managers owning the field at `path`: its own owners; else the owners of the nearest owned
 * ancestor (an atomic field such as `f:selector` owns its whole value); else the owners of any
 * owned field below it (a whole list item or map). [] when nobody owns it.
 */
export function ownersOf(owners: FieldOwners, path: string): string[] {
  const exact = owners.get(path);
  if (exact) return exact;
  let best: { len: number; managers: string[] } | undefined;
  for (const [p, managers] of owners) {
    if (p !== path && isAtOrBelow(path, p) && (!best || p.length > best.len)) best = { len: p.length, managers };
  }
  if (best) return best.managers;
  const below = new Set<string>();
  for (const [p, managers] of owners) if (isAtOrBelow(p, path)) for (const m of managers) below.add(m);
  return [...below];
}

/**
 * The manager to name for a live field: the first owner that is not `self` (the agent's own
 * field manager), else `self` when only the agent owns it, else ''.
 */
export function writerOf(owners: FieldOwners, path: string, self: string): string {
  const managers = ownersOf(owners, path);
  return managers.find((m) => m !== self) ?? managers[0] ?? '';
}
