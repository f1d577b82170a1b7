/**
 * Publishing I/O: the only code that writes the desired-state KV bucket and the bundle object
 * store. Content addressing: an object is named by its digest and written once.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { DesiredStateSchema, fromBinary } from '@gitfleet/proto';
import { NatsService } from '../nats/nats.service.js';

/** The two JetStream stores the publisher writes. */
export interface PublishingStores {
  desired: KV;
  bundles: ObjectStore;
}

/** Writes BundleManifests (object store) and DesiredStates (KV). */
@Injectable()
export class PublishingRepository {
  /** Digests known to be in the object store (objects are immutable, so this never goes stale). */
  private readonly known = new Set<string>();

  /** `nats` is the NatsService in the app, or any `{ resources }` holder (tests). */
  constructor(@Inject(NatsService) private readonly nats: { readonly resources: PublishingStores }) {}

  private storesOf(): PublishingStores {
    return this.nats.resources;
  }

  /**
   * Stores `bytes` under object name `digest` unless an object of that name exists already.
   * @returns true when this call wrote the object.
   */
  async putBundleIfAbsent(digest: string, bytes: Uint8Array): Promise<boolean> {
    if (this.known.has(digest)) return false;
    const { bundles } = this.storesOf();
    const info = await bundles.info(digest);
    if (info && !info.deleted) {
      this.known.add(digest);
      return false;
    }
    await bundles.putBlob({ name: digest, description: 'fleet.v1 BundleManifest' }, bytes);
    this.known.add(digest);
    return true;
  }

  /** Writes a DesiredState value at `key`. @returns the KV revision. */
  putDesiredState(key: string, value: Uint8Array): Promise<number> {
    return this.storesOf().desired.put(key, value);
  }

  /**
   * Highest DesiredState generation still in the KV history of `key` (0 when none): a target
   * deleted and later re-created continues above it, so an agent never sees a generation go back.
   */
  async lastPublishedGeneration(key: string): Promise<number> {
    let max = 0;
    const entries = await this.storesOf().desired.history({ key });
    for await (const e of entries) {
      if (e.operation !== 'PUT' || e.length === 0) continue;
      try {
        max = Math.max(max, Number(fromBinary(DesiredStateSchema, e.value).generation));
      } catch {
        // not a DesiredState: ignore
      }
    }
    return max;
  }

  /** Deletes the DesiredState at `key` (a delete marker: the agent prunes the target). */
  deleteDesiredState(key: string): Promise<void> {
    return this.storesOf().desired.delete(key);
  }
}
