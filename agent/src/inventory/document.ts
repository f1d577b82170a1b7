/**
 * The inventory document of one target and its ConfigMap form. Pure.
 *
 * ConfigMap `gitfleet-inventory-<bundleId>` in the agent namespace, labels
 * `gitfleet.io/inventory=true` and `gitfleet.io/bundle-id=<bundleId>`, key `inventory.json`:
 * `{"bundleId","revision","digest","generation","synced","objects":[{apiVersion,kind,namespace,name}],
 *   "syncRequest","keep":[ref],"orphaned":[ref],"hooks":{generation,event,phase,error}}` (the last four
 * optional: older documents lack them).
 */
import { BUNDLE_ID_LABEL, INVENTORY_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import type { KubeObject, ObjectRef } from '../kube/types.js';

/** Key of the inventory JSON in the ConfigMap's data. */
export const INVENTORY_KEY = 'inventory.json';

/**
 * What the inventory remembers about the Helm hooks of the last desired state, so that they run
 * once per generation (not on resyncs, retries of a later step or drift heals).
 */
export interface HookRecord {
  /** DesiredState generation the hooks ran for, decimal string */
  generation: string;
  /** install or upgrade (a retry of the same generation keeps it) */
  event: 'install' | 'upgrade';
  /** the last phase that ran: pre hooks, or post hooks (the pre hooks then succeeded) */
  phase: 'pre' | 'post';
  /** '' when that phase succeeded, else why it failed (the target stays FAILED until a new generation) */
  error: string;
}

/** What the agent owns for one target, and what it last applied. */
export interface Inventory {
  bundleId: string;
  /** Git revision of the last apply */
  revision: string;
  /** bundle digest of the last apply */
  digest: string;
  /** DesiredState generation of the last apply, as a decimal string (int64) */
  generation: string;
  /** true when every object of the last apply succeeded */
  synced: boolean;
  objects: ObjectRef[];
  /** DesiredState.sync_request last acted on (applied), decimal string (int64); '0' when none */
  syncRequest: string;
  /** objects whose last applied desired version carried `gitfleet.io/prune: "false"` */
  keep: ObjectRef[];
  /**
   * objects that left the desired state but were not pruned (prune=false, or in `keep`); still
   * owned and reported until they re-enter the desired state or are gone
   */
  orphaned: ObjectRef[];
  /** Helm hooks run for the last desired state (absent: none run yet, or an older document) */
  hooks?: HookRecord;
}

/** Name of the inventory ConfigMap of a bundle. */
export function inventoryName(bundleId: string): string {
  return `gitfleet-inventory-${bundleId}`;
}

/** The inventory ConfigMap for a document, in `namespace`. */
export function toConfigMap(inv: Inventory, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(inv.bundleId),
      namespace,
      labels: { [INVENTORY_LABEL]: 'true', [BUNDLE_ID_LABEL]: inv.bundleId, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    data: { [INVENTORY_KEY]: JSON.stringify(inv) },
  };
}

/**
 * Reads an inventory document from its ConfigMap.
 * @throws Error when the data is missing or malformed (the caller must not prune on a guess)
 */
export function fromConfigMap(cm: KubeObject): Inventory {
  const raw = (cm.data as Record<string, string> | undefined)?.[INVENTORY_KEY];
  if (raw === undefined) throw new Error(`inventory ${cm.metadata.name}: no ${INVENTORY_KEY}`);
  const v = JSON.parse(raw) as Partial<Inventory>;
  const objects = Array.isArray(v.objects) ? v.objects : undefined;
  const validRef = (r: unknown): r is ObjectRef =>
    typeof r === 'object' && r !== null &&
    ['apiVersion', 'kind', 'namespace', 'name'].every((k) => typeof (r as Record<string, unknown>)[k] === 'string');
  const optional = (list: unknown): ObjectRef[] | undefined => (list === undefined ? [] : Array.isArray(list) && list.every(validRef) ? list : undefined);
  const keep = optional(v.keep);
  const orphaned = optional(v.orphaned);
  if (typeof v.bundleId !== 'string' || !objects || !objects.every(validRef) || !keep || !orphaned) {
    throw new Error(`inventory ${cm.metadata.name}: malformed ${INVENTORY_KEY}`);
  }
  const refs = (list: ObjectRef[]) => list.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name }));
  return {
    bundleId: v.bundleId,
    revision: String(v.revision ?? ''),
    digest: String(v.digest ?? ''),
    generation: String(v.generation ?? '0'),
    synced: v.synced === true,
    objects: refs(objects),
    syncRequest: /^[0-9]+$/.test(String(v.syncRequest ?? '')) ? String(v.syncRequest) : '0',
    keep: refs(keep),
    orphaned: refs(orphaned),
    ...(validHookRecord(v.hooks) ? { hooks: { generation: v.hooks.generation, event: v.hooks.event, phase: v.hooks.phase, error: v.hooks.error } } : {}),
  };
}

/** True for a well-formed hook record (a malformed one is ignored: the hooks then run again). */
function validHookRecord(h: unknown): h is HookRecord {
  if (typeof h !== 'object' || h === null) return false;
  const r = h as Record<string, unknown>;
  return typeof r.generation === 'string' && (r.event === 'install' || r.event === 'upgrade') && (r.phase === 'pre' || r.phase === 'post') && typeof r.error === 'string';
}
