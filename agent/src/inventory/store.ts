/**
 * Inventory storage: one ConfigMap per target in the agent's namespace (see document.ts).
 * A restarted agent reads it back, so it still prunes what an earlier run applied.
 */
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import { ensureNamespace } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import type { ObjectRef } from '../kube/types.js';
import { fromConfigMap, type Inventory, inventoryName, toConfigMap } from './document.js';

/** Reads and writes inventories in one namespace. Methods throw the client's errors. */
export class InventoryStore {
  constructor(
    private readonly client: KubeClient,
    /** the agent's own namespace */
    readonly namespace: string,
  ) {}

  private ref(bundleId: string): ObjectRef {
    return { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name: inventoryName(bundleId) };
  }

  /**
   * The stored inventory of a bundle, or null when there is none.
   * @throws Error when it exists but cannot be read (never prune on a guess)
   */
  async read(bundleId: string): Promise<Inventory | null> {
    const cm = await this.client.getObject(this.ref(bundleId));
    return cm ? fromConfigMap(cm) : null;
  }

  /** Writes (server-side applies) the inventory of a bundle; creates the namespace when missing. */
  async write(inv: Inventory): Promise<void> {
    const apply = () => this.client.applyObject(toConfigMap(inv, this.namespace), { fieldManager: FIELD_MANAGER, force: true });
    try {
      await apply();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) throw err;
      await ensureNamespace(this.client, this.namespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE });
      await apply();
    }
  }

  /** Deletes the inventory of a bundle; fine when it is already gone. */
  async remove(bundleId: string): Promise<void> {
    await this.client.deleteObject(this.ref(bundleId));
  }
}
