/**
 * Label keys and values the agent puts on what it owns. Stable values only: the revision is
 * never written to objects, so an unchanged object is not rewritten by a new revision.
 */

/** `app.kubernetes.io/managed-by` (Kubernetes recommended label). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of MANAGED_BY_LABEL on every object the agent applies. */
export const MANAGED_BY_VALUE = 'gitfleet';
/** Bundle id of the target that owns an object. */
export const BUNDLE_ID_LABEL = 'gitfleet.io/bundle-id';
/** Marks an inventory ConfigMap. */
export const INVENTORY_LABEL = 'gitfleet.io/inventory';
/** Field manager of every server-side apply the agent makes. */
export const FIELD_MANAGER = 'gitfleet-agent';

/**
 * Field manager of the server-side apply that sets a bundle's Fleet `namespaceLabels` /
 * `namespaceAnnotations` on its namespace: one per bundle (`gitfleet-namespace-<bundle id>`, at
 * most 82 characters: the apiserver allows 128), so bundles that share a namespace each own their
 * own keys and a key one bundle drops is removed without touching another's.
 */
export function namespaceFieldManager(bundleId: string): string {
  return `gitfleet-namespace-${bundleId}`;
}
