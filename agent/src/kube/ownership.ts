/**
 * Helm's takeOwnership, pure: may the agent apply a bundle object over an object that already
 * exists on the cluster? Helm refuses to import a resource that no release owns ("… exists and
 * cannot be imported into the current release: invalid ownership metadata") unless the chart
 * is installed with takeOwnership; the agent does the same for a DesiredState whose
 * `take_ownership` is false (Helm bundles by default; the hub sets it true for every non-Helm
 * bundle).
 */
import { BUNDLE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import { type KubeObject, type ObjectRef, refKey, refString } from './types.js';

/** What the ownership decision reads about one object. */
export interface OwnershipInput {
  /** DesiredState.take_ownership of the target */
  takeOwnership: boolean;
  /** the target's bundle id */
  bundleId: string;
  /** the object as the bundle wants it (placed: namespace set) */
  ref: ObjectRef;
  /** the live object read just before the apply; null when it does not exist */
  live: Pick<KubeObject, 'metadata'> | null;
  /** true when the target's inventory (previous apply) lists the object */
  inInventory: boolean;
}

/** The decision: apply (create, update, or adopt with takeOwnership), or refuse with the reason. */
export type OwnershipDecision = { apply: true } | { apply: false; message: string };

/**
 * Decides whether the agent may apply an object (pure). Applied: an object that does not exist
 * yet; any object when `takeOwnership` is true (adopted, as today); an object gitfleet created
 * for this target (labels `app.kubernetes.io/managed-by=gitfleet` and `gitfleet.io/bundle-id` =
 * this bundle); an object in the target's inventory. Refused otherwise, with the message
 * `<Kind ns/name> exists and is not managed by gitfleet bundle <id>[ (it belongs to gitfleet
 * bundle <other>)]; set helm.takeOwnership: true to adopt it`.
 */
export function decideOwnership(input: OwnershipInput): OwnershipDecision {
  const { live } = input;
  if (live === null || input.takeOwnership || input.inInventory) return { apply: true };
  const labels = live.metadata.labels ?? {};
  const managed = labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
  const owner = labels[BUNDLE_ID_LABEL];
  if (managed && owner === input.bundleId) return { apply: true };
  const other = managed && owner ? ` (it belongs to gitfleet bundle ${owner})` : '';
  return {
    apply: false,
    message: `${refString(input.ref)} exists and is not managed by gitfleet bundle ${input.bundleId}${other}; set helm.takeOwnership: true to adopt it`,
  };
}

/**
 * A check for applyObject's `guard`: the refusal message for an object that exists and may not
 * be adopted (decideOwnership), else undefined. `inventory` is the target's previous inventory.
 */
export function ownershipGuard(takeOwnership: boolean, bundleId: string, inventory: readonly ObjectRef[]): (ref: ObjectRef, live: KubeObject | null) => string | undefined {
  if (takeOwnership) return () => undefined;
  const owned = new Set(inventory.map(refKey));
  return (ref, live) => {
    const d = decideOwnership({ takeOwnership, bundleId, ref, live, inInventory: owned.has(refKey(ref)) });
    return d.apply ? undefined : d.message;
  };
}
