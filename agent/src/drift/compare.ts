/**
 * Field comparison of Kubernetes objects as JSON. Pure.
 *
 * `subsetDiff(desired, live)` is the cheap drift check: only the fields Git owns count, i.e. the
 * leaf paths present in the desired object as applied; everything the server adds (defaults,
 * status, metadata noise, labels and annotations not in desired) is never a difference.
 * Lists follow server-side apply's merge semantics as far as they can be told from the values:
 * a list whose items carry a known merge key (`name`, `containerPort`, `port`, `mountPath`,
 * `devicePath`, `ip`; Kubernetes `+listMapKey` markers of the core types) is matched item by item
 * by that key, so a sidecar injected into `containers` is not drift and a path names the live
 * index; any other list is atomic (compared whole; unkeyed object items index by index).
 *
 * `fullDiff(a, b)` compares two whole objects (a server-side dry-run result against live) after
 * `stripNoise`, for "what would an apply change".
 */
import { dequal } from 'dequal';
import { compilePointer } from './pointer.js';

/** One differing field: RFC 6901 path, the two values (undefined = absent). */
export interface LeafDiff {
  path: string;
  desired: unknown;
  live: unknown;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merge keys tried in order; the first whose leading field every desired item carries wins. */
const MERGE_KEYS: readonly (readonly string[])[] = [
  ['name'], ['containerPort', 'protocol'], ['port', 'protocol'], ['mountPath'], ['devicePath'], ['ip'],
];

/** The merge key of a list (undefined: atomic), judged from its desired items. */
export function mergeKeyOf(items: readonly unknown[]): readonly string[] | undefined {
  if (items.length === 0 || !items.every(isObj)) return undefined;
  return MERGE_KEYS.find((key) => items.every((item) => (item as Json)[key[0]!] !== undefined));
}

/** Index in `live` of the item matching `item` on the key fields `item` carries, or -1. */
function findByKey(live: readonly unknown[], item: Json, key: readonly string[]): number {
  return live.findIndex((l) => isObj(l) && key.every((k) => item[k] === undefined || dequal(item[k], l[k])));
}

/**
 * Leaf differences where `desired` is not contained in `live` (see module comment). A desired
 * `null` means "absent" (server-side apply removes the field). `tokens` is the path so far.
 */
export function subsetDiff(desired: unknown, live: unknown, tokens: string[] = []): LeafDiff[] {
  if (desired === null) {
    return live === undefined || live === null ? [] : [{ path: compilePointer(tokens), desired: undefined, live }];
  }
  if (isObj(desired)) {
    const keys = Object.keys(desired);
    if (keys.length === 0) return isObj(live) ? [] : [{ path: compilePointer(tokens), desired, live }];
    const liveObj = isObj(live) ? live : undefined;
    if (live !== undefined && !liveObj) return [{ path: compilePointer(tokens), desired, live }];
    return keys.flatMap((k) => subsetDiff(desired[k], liveObj?.[k], [...tokens, k]));
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return [{ path: compilePointer(tokens), desired, live }];
    const key = mergeKeyOf(desired);
    if (key) {
      return desired.flatMap((item, i) => {
        const at = findByKey(live, item as Json, key);
        return at < 0
          ? [{ path: compilePointer([...tokens, String(i)]), desired: item, live: undefined }]
          : subsetDiff(item, live[at], [...tokens, String(at)]);
      });
    }
    if (desired.every(isObj) && desired.length === live.length) {
      return desired.flatMap((item, i) => subsetDiff(item, live[i], [...tokens, String(i)]));
    }
    return dequal(desired, live) ? [] : [{ path: compilePointer(tokens), desired, live }];
  }
  return dequal(desired, live) ? [] : [{ path: compilePointer(tokens), desired, live }];
}

/** Metadata the server writes on every change: never a difference. */
const NOISE_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/**
 * A copy of `obj` without what is never a difference: `status` and the server's metadata
 * (resourceVersion, generation, managedFields, uid, creationTimestamp, selfLink).
 */
export function stripNoise(obj: Json): Json {
  const out: Json = { ...obj };
  delete out.status;
  if (isObj(obj.metadata)) {
    const meta: Json = { ...obj.metadata };
    for (const k of NOISE_METADATA) delete meta[k];
    out.metadata = meta;
  }
  return out;
}

/**
 * Every leaf where `a` and `b` differ, both directions (fields only in `b` have desired
 * undefined). Lists of equal length compare item by item; otherwise whole.
 */
export function fullDiff(a: unknown, b: unknown, tokens: string[] = []): LeafDiff[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => fullDiff(a[k], b[k], [...tokens, k]));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => fullDiff(item, b[i], [...tokens, String(i)]));
  }
  return dequal(a, b) ? [] : [{ path: compilePointer(tokens), desired: a, live: b }];
}
