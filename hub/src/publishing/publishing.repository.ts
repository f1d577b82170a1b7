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
import type { SigningKey } from '../config/signing-key.js';
import { signDesiredState } from './signing.js';

/** How long a bundle object seen in the store is trusted to still be there without a new check, ms. */
const KNOWN_BUNDLE_TTL_MS = 60_000;

/** The two JetStream stores the publisher writes. */
export interface PublishingStores {
  desired: KV;
  bundles: ObjectStore;
}

/** Writes BundleManifests (object store) and DesiredStates (KV). */
@Injectable()
export class PublishingRepository implements OnModuleInit {
  private readonly logger = new Logger(PublishingRepository.name);
  /**
   * Digests known to be in the object store, with when that was last checked (ms since epoch).
   * Trusted for KNOWN_BUNDLE_TTL_MS only: the bundle GC may delete an object no one references.
   */
  private readonly known = new Map<string, number>();
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
    if (Date.now() - (this.known.get(digest) ?? -Infinity) < KNOWN_BUNDLE_TTL_MS) return false;
    const { bundles } = this.storesOf();
    const info = await bundles.info(digest);
    if (info && !info.deleted) {
      this.known.set(digest, Date.now());
      return false;
    }
    await bundles.putBlob({ name: digest, description: 'fleet.v1 BundleManifest' }, bytes);
    this.known.set(digest, Date.now());
    return true;
  }

  /** True when an object named `digest` is in the bundle store (and not deleted). */
  async hasBundle(digest: string): Promise<boolean> {
    const info = await this.storesOf().bundles.info(digest);
    return !!info && !info.deleted;
  }

  /**
   * `desired` signed with the hub's key (unsigned when none is configured), written nowhere: a
   * preview's would-be desired state travels inside a DiffRequest (fleet.proto
   * DesiredState.preview), so the agent can check it came from the hub.
   */
  sign(desired: DesiredState): DesiredState {
    return signDesiredState(desired, this.signingKey);
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
        // fromBinary, not decodeMessage: the hub reads back what it wrote, and a value written
        // under another contract major must still count, or a generation could go back
        max = Math.max(max, Number(fromBinary(DesiredStateSchema, e.value).generation));
      } catch {
        // not a DesiredState: ignore
      }
    }
    return max;
  }

  /** Names (digests) and modification times of the bundle objects in the object store (deleted ones left out). */
  async listBundleObjects(): Promise<Array<{ digest: string; mtime: Date; size: number }>> {
    const infos = await this.storesOf().bundles.list();
    return infos.filter((i) => !i.deleted).map((i) => ({ digest: i.name, mtime: new Date(i.mtime), size: i.size }));
  }

  /**
   * The digests the latest DesiredState of every key in the desired-state KV points at (deleted
   * keys and tombstones, `withdrawn`, contribute nothing; an undecodable value is skipped).
   */
  async publishedDigests(): Promise<Set<string>> {
    const { desired } = this.storesOf();
    const out = new Set<string>();
    const keys: string[] = [];
    for await (const k of await desired.keys()) keys.push(k);
    for (const k of keys) {
      const e = await desired.get(k);
      if (!e || e.operation !== 'PUT' || e.length === 0) continue;
      try {
        // no contract check (decodeMessage) here: a bundle a desired state of any contract
        // version points at is referenced, and must not be collected
        const d = fromBinary(DesiredStateSchema, e.value);
        if (!d.withdrawn && d.digest) out.add(d.digest);
      } catch {
        // not a DesiredState: references nothing
      }
    }
    return out;
  }

  /** Deletes the bundle object `digest` (the bundle GC only) and forgets that it was there. */
  async deleteBundleObject(digest: string): Promise<void> {
    this.known.delete(digest);
    await this.storesOf().bundles.delete(digest);
  }
}
