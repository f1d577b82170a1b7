/**
 * The inventory document of one target and its ConfigMap form. Pure.
 *
 * ConfigMap `gitfleet-inventory-<bundleId>` in the agent namespace, labels
 * `gitfleet.io/inventory=true` and `gitfleet.io/bundle-id=<bundleId>`, key `inventory.json`:
 * `{"bundleId","revision","digest","generation","synced","objects":[{apiVersion,kind,namespace,name,uid}],
 *   "syncRequest","keep":[ref],"orphaned":[ref],"hooks":{generation,event,phase,error},
 *   "pending":[ref],"prune","withdrawn","withdrawalReason"}`. Everything after `objects` is
 * optional and an object's `uid` too: older documents lack them and still read (an entry without
 * a uid is never pruned: it is reported orphaned, see reconcile/prune.ts).
 *
 * Durability rules (issue #9): `generation` is the highest verified DesiredState generation the
 * agent acted on for the target; it only goes up, and survives a withdrawal (the document is
 * then kept as a record with `withdrawn: true` and no objects), so that an older signed desired
 * state replayed later is refused. `pending` lists the objects about to be applied, written before
 * the first apply of a reconcile, so an agent killed between the apply and the final write finds
 * them on its next run (crash safety).
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

/**
 * One object the agent owns: its ref and the `metadata.uid` the apiserver returned when the agent
 * applied it (absent in documents written before uids were recorded). Prune deletes the object
 * only while its live uid is this one.
 */
export interface InventoryEntry extends ObjectRef {
  uid?: string;
}

/** What the agent owns for one target, and what it last applied. */
export interface Inventory {
  bundleId: string;
  /** Git revision of the last apply */
  revision: string;
  /** bundle digest of the last apply */
  digest: string;
  /**
   * highest verified DesiredState generation acted on (applied, being applied, or withdrawn), as a
   * decimal string (int64); a desired state with a lower one is refused
   */
  generation: string;
  /** true when every object of the last apply succeeded */
  synced: boolean;
  /** the objects the agent owns for the target, with the uid each had when applied */
  objects: InventoryEntry[];
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
  /**
   * objects about to be applied that are not (yet) in `objects`: written before the first apply
   * of a reconcile, cleared by its final write. Non-empty on read: the last run was cut short; an
   * entry that exists with the agent's marks for this bundle is then taken as owned.
   */
  pending?: ObjectRef[];
  /** SyncPolicy.prune of the last applied desired state (absent: true, the contract's default) */
  prune?: boolean;
  /** true after a verified tombstone withdrew the target (a record: no objects left to own) */
  withdrawn?: boolean;
  /** DesiredState.withdrawal_reason of that tombstone */
  withdrawalReason?: string;
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
  const pending = optional(v.pending);
  const validUid = (r: ObjectRef) => (r as InventoryEntry).uid === undefined || typeof (r as InventoryEntry).uid === 'string';
  if (typeof v.bundleId !== 'string' || !objects || !objects.every(validRef) || !objects.every(validUid) || !keep || !orphaned || !pending) {
    throw new Error(`inventory ${cm.metadata.name}: malformed ${INVENTORY_KEY}`);
  }
  if (v.generation !== undefined && !/^[0-9]+$/.test(String(v.generation))) {
    throw new Error(`inventory ${cm.metadata.name}: malformed ${INVENTORY_KEY}: generation "${String(v.generation)}" is not a decimal int64`);
  }
  const refs = (list: ObjectRef[]) => list.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name }));
  const entries = (list: InventoryEntry[]): InventoryEntry[] => list.map((r) => ({ ...refs([r])[0]!, ...(r.uid ? { uid: r.uid } : {}) }));
  return {
    bundleId: v.bundleId,
    revision: String(v.revision ?? ''),
    digest: String(v.digest ?? ''),
    generation: String(v.generation ?? '0'),
    synced: v.synced === true,
    objects: entries(objects),
    syncRequest: /^[0-9]+$/.test(String(v.syncRequest ?? '')) ? String(v.syncRequest) : '0',
    keep: refs(keep),
    orphaned: refs(orphaned),
    ...(validHookRecord(v.hooks) ? { hooks: { generation: v.hooks.generation, event: v.hooks.event, phase: v.hooks.phase, error: v.hooks.error } } : {}),
    ...(pending.length > 0 ? { pending: refs(pending) } : {}),
    ...(typeof v.prune === 'boolean' ? { prune: v.prune } : {}),
    ...(v.withdrawn === true ? { withdrawn: true, withdrawalReason: String(v.withdrawalReason ?? '') } : {}),
  };
}

/** True for a well-formed hook record (a malformed one is ignored: the hooks then run again). */
function validHookRecord(h: unknown): h is HookRecord {
  if (typeof h !== 'object' || h === null) return false;
  const r = h as Record<string, unknown>;
  return typeof r.generation === 'string' && (r.event === 'install' || r.event === 'upgrade') && (r.phase === 'pre' || r.phase === 'post') && typeof r.error === 'string';
}
