import { createHash } from 'node:crypto';

/**
 * Content digest of a stored bundle: `sha256-<64 lower-case hex>` of its exact bytes (the
 * protobuf binary of a BundleManifest). The hub names the object by it; the agent recomputes it
 * over the bytes it fetched and refuses a mismatch. Pure: no I/O.
 */
export function bundleDigest(bytes: Uint8Array): string {
  return `sha256-${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True when `digest` has the form `sha256-<64 hex>`. */
export function isBundleDigest(digest: string): boolean {
  return /^sha256-[0-9a-f]{64}$/.test(digest);
}

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. Two renders that produce the
 * same objects produce the same bytes, so identical targets share one stored bundle. Used for
 * bundle contents (the hub's encodeManifest) and Helm values hashes; the bytes name stored
 * bundles by digest, so they must not change.
 *
 * Not RFC 8785 (JSON Canonicalization Scheme, the `canonicalize` package), kept on purpose:
 * canonical-json.spec.ts shows the two byte-identical on generated JSON values and
 * hub/src/rendering/canonical-json.spec.ts on every object rendered from the fixture
 * repositories, but they differ on these inputs, and switching would change the digest of
 * bundles already published (or refuse them):
 * - objects with array-index keys ("0" … "4294967294"): the sorted keys are assigned to a new
 *   object, and JavaScript enumerates array-index keys first, in numeric order, so `{"9","10"}`
 *   gives `{"9":…,"10":…}` and `{"0a","1"}` gives `{"1":…,"0a":…}`; RFC 8785 §3.2.3 sorts every
 *   key by UTF-16 code units (`"10"` before `"9"`, `"0a"` before `"1"`). Real manifests have
 *   such keys: a ConfigMap keyed by port (`data: {"22": …, "9000": …}`);
 * - NaN and ±Infinity (YAML `.nan`, `.inf`): `null` here (JSON.stringify), refused by RFC 8785;
 * - lone surrogates in strings: escaped (`"\ud800"`) here, refused by RFC 8785 (I-JSON);
 * - an own `__proto__` key: dropped here (assigning it sets the prototype), kept by RFC 8785;
 * - objects with `toJSON` (a Date): their own keys here (`{}`), `toJSON()`'s value in RFC 8785.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
