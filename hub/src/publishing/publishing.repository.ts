/**
 * Publishing I/O: the only code that writes the desired-state KV bucket and the bundle object
 * store. Content addressing: an object is named by its digest and written once. Every DesiredState
 * is signed here (GITFLEET_SIGNING_KEY_FILE, signing.ts), so none leaves the hub unsigned when a
 * key is configured.
 */
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { type DesiredState, DesiredStateSchema, fromBinary, toBinary } from '@gitfleet/proto';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { NatsService } from '../nats/nats.service.js';
import { signDesiredState, type SigningKey } from './signing.js';

/** The two JetStream stores the publisher writes. */
export interface PublishingStores {
  desired: KV;
  bundles: ObjectStore;
}

/** Writes BundleManifests (object store) and DesiredStates (KV). */
@Injectable()
export class PublishingRepository implements OnModuleInit {
  private readonly logger = new Logger(PublishingRepository.name);
  /** Digests known to be in the object store (objects are immutable, so this never goes stale). */
  private readonly known = new Set<string>();
  private readonly signingKey: SigningKey | undefined;
  private readonly signingKeyFile: string;

  /**
   * `nats` is the NatsService in the app, or any `{ resources }` holder (tests); `config` gives
   * the signing key (none: DesiredStates are written unsigned).
   */
  constructor(
    @Inject(NatsService) private readonly nats: { readonly resources: PublishingStores },
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'signingKey' | 'signingKeyFile'>,
  ) {
    this.signingKey = config?.signingKey;
    this.signingKeyFile = config?.signingKeyFile ?? '';
  }

  /** Logs whether DesiredStates are signed (and with which key), or warns that they are not. */
  onModuleInit(): void {
    if (this.signingKey) {
      this.logger.log({ keyId: this.signingKey.keyId, file: this.signingKey.file }, 'signing every DesiredState (ed25519)');
    } else {
      const why = this.signingKeyFile ? `GITFLEET_SIGNING_KEY_FILE ${this.signingKeyFile} does not exist` : 'GITFLEET_SIGNING_KEY_FILE is not set';
      this.logger.warn(`DesiredStates are published unsigned (${why}); agents that verify signatures will refuse them`);
    }
  }

  /** The public half of the signing key and its id (what agents are installed with); undefined when unsigned. */
  signingPublicKey(): { keyId: string; publicKeyPem: string } | undefined {
    return this.signingKey ? { keyId: this.signingKey.keyId, publicKeyPem: this.signingKey.publicKeyPem } : undefined;
  }

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

  /**
   * Signs `desired` with the hub's key (when one is configured) and writes it at `key`.
   * @returns the KV revision.
   */
  putDesiredState(key: string, desired: DesiredState): Promise<number> {
    return this.storesOf().desired.put(key, toBinary(DesiredStateSchema, signDesiredState(desired, this.signingKey)));
  }

  /**
   * Highest DesiredState generation still in the KV history of `key` (0 when none), tombstones
   * included: a target withdrawn and later re-created continues above it, so an agent never sees
   * a generation go back. (The hub never deletes a desired-state key: withdrawals are tombstones.)
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
}
