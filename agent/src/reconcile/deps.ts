/**
 * What a reconcile needs from the outside world (the ports of reconcile.ts and plan.ts). A file of
 * its own so that plan.ts and reconcile.ts both depend on it and not on each other.
 */
import type { Logger } from 'pino';
import type { InventoryStore } from '../inventory/index.js';
import type { KubeClient } from '../kube/client.js';
import type { BundleSource } from '../nats/bundle-fetcher.js';
import type { SelfObjects } from './self-protection.js';
import type { TrustedKeys } from './signature.js';

/** What a reconcile needs from the outside world. */
export interface ReconcileDeps {
  kube: KubeClient;
  inventory: InventoryStore;
  bundles: BundleSource;
  log: Logger;
  /** how long to wait for a CRD to become Established, ms (30 s) */
  crdTimeoutMs: number;
  /** objects applied (or pruned) concurrently inside one wave */
  applyConcurrency: number;
  /** field managers whose fields are never drift (--ignore-managers) */
  ignoreManagers: readonly string[];
  /** how long one Helm hook (Job, Pod) may run, ms (default 5 min) */
  hookTimeoutMs?: number;
  /**
   * the hub's public keys (--bundle-public-keys); every desired state must be signed by one of
   * them. undefined: signatures are not checked (signature.ts)
   */
  trustedKeys: TrustedKeys | undefined;
  /** the agent's own objects, refused in bundles (self-protection.ts); undefined → allowed (--allow-self-management) */
  selfObjects?: SelfObjects;
}
