/**
 * Cold start while NATS is down: the agent keeps, per target, the last verified desired state
 * (the signed KV value bytes) and its bundle manifest bytes in a StateStore (state-store.ts), and
 * an agent started while NATS is unreachable enforces them at once.
 *
 *   - `StateCache` is the agent's BundleSource: it fetches from NATS (the BundleFetcher, once
 *     connected) and keeps the verified bytes it saw; when NATS cannot answer (not connected yet,
 *     or a transient failure) it serves the kept bytes of that digest, verified again with the
 *     same `verifyBundle` (sha256 digest, decode, contract) as a fetch.
 *   - `remember` (after a reconcile that verified the desired state and its bundle) writes the
 *     record when it changed; `forget` (after a target's delete) removes it. Writes run one at a
 *     time per target, in the background; a failure is logged and retried on the next remember.
 *   - `load` reads every record at start; the caller hands each to the reconciler as a replayed
 *     KV entry (same key, revision 0), so it goes through the normal path: decode, signature
 *     check, bundle verification, then apply — or observe when the inventory shows it applied, and
 *     the keeper heals drift at once. When the KV watch later delivers the entry it takes over
 *     as usual (the same entry again is a cheap observe; a record that failed verification
 *     never hides it).
 */
import type { BundleManifest } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { TransientError } from '../errors.js';
import { errorMessage } from '../kube/errors.js';
import { type BundleSource, verifyBundle } from '../nats/bundle-fetcher.js';
import { type CachedTarget, RecordTooLargeError, type StateStore } from './state-store.js';

/** Bytes fetched but not yet remembered are kept for this many digests. */
const PENDING_DIGESTS = 16;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The state cache of one agent (see module comment). */
export class StateCache implements BundleSource {
  private upstream: BundleSource | undefined;
  /** bytes of the digests remembered targets use, and of recent fetches */
  private readonly bytes = new Map<string, Uint8Array>();
  private readonly pending: string[] = [];
  /** what the store holds (or is about to), per bundle id */
  private readonly saved = new Map<string, CachedTarget>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly store: StateStore | undefined, private readonly log: Logger) {}

  /** Connects the NATS bundle source (once NATS is up). */
  attach(upstream: BundleSource): void {
    this.upstream = upstream;
  }

  /** Takes verified bytes of a fetched bundle (BundleFetcher's onVerified). */
  onFetched(digest: string, bytes: Uint8Array): void {
    if (this.bytes.has(digest)) return;
    this.bytes.set(digest, bytes);
    this.pending.push(digest);
    while (this.pending.length > PENDING_DIGESTS) {
      const old = this.pending.shift()!;
      if (![...this.saved.values()].some((t) => t.digest === old)) this.bytes.delete(old);
    }
  }

  /**
   * The verified BundleManifest of `digest`: from NATS when attached; from the kept bytes when
   * NATS is not attached or fails transiently.
   * @throws TerminalError on a digest mismatch (NATS or kept bytes)
   * @throws TransientError when neither NATS nor the cache has it
   */
  async fetch(digest: string): Promise<BundleManifest> {
    let failure: unknown;
    if (this.upstream) {
      try {
        return await this.upstream.fetch(digest);
      } catch (err) {
        if (!(err instanceof TransientError)) throw err;
        failure = err;
      }
    }
    const kept = this.bytes.get(digest);
    if (!kept) throw failure ?? new TransientError(`bundle ${digest}: NATS not connected yet and not in the state cache`);
    this.log.info({ digest, reason: failure ? errorMessage(failure) : 'NATS not connected yet' }, 'using the cached bundle');
    return verifyBundle(digest, kept);
  }

  /**
   * Reads every stored record; keeps their bundle bytes for `fetch`. Undecodable records are
   * logged and skipped. Never throws (an unreadable store is logged: nothing to enforce).
   */
  async load(): Promise<CachedTarget[]> {
    if (!this.store) return [];
    try {
      const { targets, errors } = await this.store.loadAll();
      for (const e of errors) this.log.warn({ reason: e }, 'skipping an unreadable state-cache record');
      for (const t of targets) {
        this.saved.set(t.bundleId, t);
        this.bytes.set(t.digest, t.bundle);
      }
      return targets;
    } catch (err) {
      this.log.warn({ reason: errorMessage(err) }, 'cannot read the state cache; waiting for NATS');
      return [];
    }
  }

  /**
   * Records a target's verified desired state (KV revision and value bytes; `digest` its bundle)
   * when it differs from what is stored. Returns at once; the write runs in the background.
   */
  remember(bundleId: string, revision: number, desired: Uint8Array, digest: string): void {
    if (!this.store) return;
    const prev = this.saved.get(bundleId);
    if (prev && (revision === 0 || prev.revision === revision) && sameBytes(prev.desired, desired)) return;
    const bundle = this.bytes.get(digest);
    if (!bundle) {
      this.log.debug({ bundleId, digest }, 'state cache: bundle bytes not at hand; not recorded');
      return;
    }
    const t: CachedTarget = { bundleId, revision, desired, digest, bundle };
    this.saved.set(bundleId, t);
    this.dropUnused();
    this.queue(bundleId, async () => {
      try {
        await this.store!.save(t);
        this.log.debug({ bundleId, revision, digest }, 'state cache: recorded');
      } catch (err) {
        if (this.saved.get(bundleId) === t) this.saved.delete(bundleId); // retried on the next remember
        if (err instanceof RecordTooLargeError) this.log.warn({ bundleId, reason: err.message }, 'state cache: not recorded (too large); this target waits for NATS on a cold start');
        else this.log.warn({ bundleId, reason: errorMessage(err) }, 'state cache: cannot record');
      }
    });
  }

  /** Removes a target's record (after its delete). Returns at once. */
  forget(bundleId: string): void {
    if (!this.store || !this.saved.has(bundleId)) return;
    this.saved.delete(bundleId);
    this.dropUnused();
    this.queue(bundleId, async () => {
      try {
        await this.store!.remove(bundleId);
      } catch (err) {
        this.log.warn({ bundleId, reason: errorMessage(err) }, 'state cache: cannot remove');
      }
    });
  }

  /** Waits for the background writes (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes.values()]);
  }

  private queue(bundleId: string, write: () => Promise<void>): void {
    const prev = this.writes.get(bundleId) ?? Promise.resolve();
    const next = prev.then(write);
    this.writes.set(bundleId, next);
    void next.finally(() => { if (this.writes.get(bundleId) === next) this.writes.delete(bundleId); });
  }

  /** Drops kept bytes no remembered target and no recent fetch uses. */
  private dropUnused(): void {
    const used = new Set([...this.saved.values()].map((t) => t.digest));
    for (const d of [...this.bytes.keys()]) if (!used.has(d) && !this.pending.includes(d)) this.bytes.delete(d);
  }
}
