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
 * same objects produce the same bytes, so identical targets share one stored bundle.
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
