/**
 * Fetches BundleManifests from the object store by digest and verifies them: the sha256 of the
 * bytes must equal the digest they were asked for, and the contract version must be one we read.
 * Verified manifests are cached by digest (content-addressed, so a cached entry never goes stale),
 * in a small LRU (lru-cache).
 */
import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { LRUCache } from 'lru-cache';
import {
  BUNDLE_STORE,
  type BundleManifest,
  BundleManifestSchema,
  bundleDigest,
} from '@gitfleet/proto';
import { decodeOrRefuse, TerminalError, TransientError } from '../errors.js';

/** Reads verified bundles. */
export interface BundleSource {
  /**
   * The verified BundleManifest named `digest`.
   * @throws TerminalError on a digest mismatch, undecodable bytes or an incompatible contract
   * @throws TransientError when the store cannot be read or the object is not there (yet)
   */
  fetch(digest: string): Promise<BundleManifest>;
}

/**
 * Verifies fetched bytes against the digest they were fetched by and decodes them. Pure.
 * @throws TerminalError "digest mismatch: want X got Y", decode failure, incompatible contract
 */
export function verifyBundle(digest: string, bytes: Uint8Array): BundleManifest {
  const got = bundleDigest(bytes);
  if (got !== digest) throw new TerminalError(`digest mismatch: want ${digest} got ${got}`);
  return decodeOrRefuse(BundleManifestSchema, bytes, `bundle ${digest}`);
}

/** BundleSource over the JetStream object store, with an LRU of verified manifests. */
export class BundleFetcher implements BundleSource {
  private store: ObjectStore | undefined;
  private readonly cache: LRUCache<string, BundleManifest>;

  /** @param maxCached verified manifests kept (>= 1), least recently used dropped first */
  constructor(
    private readonly nc: NatsConnection,
    maxCached = 32,
    private readonly storeName = BUNDLE_STORE,
    /** sees the bytes of every verified fetch (the state cache keeps them: cache/state-cache.ts) */
    private readonly onVerified?: (digest: string, bytes: Uint8Array) => void,
  ) {
    this.cache = new LRUCache({ max: maxCached });
  }

  async fetch(digest: string): Promise<BundleManifest> {
    const hit = this.cache.get(digest);
    if (hit) return hit;
    let bytes: Uint8Array | null;
    try {
      // checkAPI: false skips `$JS.API.INFO` (account-wide usage), which an agent's NATS user may not ask
      this.store ??= await new Objm(jetstream(this.nc, { checkAPI: false })).open(this.storeName);
      bytes = await this.store.getBlob(digest);
    } catch (cause) {
      this.store = undefined;
      throw new TransientError(`fetch bundle ${digest} from object store ${this.storeName}`, { cause });
    }
    if (bytes === null) throw new TransientError(`bundle ${digest} not found in object store ${this.storeName}`);
    const manifest = verifyBundle(digest, bytes);
    this.onVerified?.(digest, bytes);
    this.cache.set(digest, manifest);
    return manifest;
  }
}
