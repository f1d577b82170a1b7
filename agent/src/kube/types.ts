/**
 * Shapes shared by the Kubernetes I/O modules and the pure planning code: a parsed manifest
 * object and the reference that identifies an object in a cluster.
 */

/** A Kubernetes object as parsed from a bundle or read from the apiserver (JSON). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * Identity of one object in a cluster: apiVersion + kind + namespace + name. `namespace` is ''
 * for a cluster-scoped object. The inventory stores these.
 */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The ref of an object (namespace '' when it has none). */
export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

/**
 * Identity key of a ref, `group/Kind/namespace/name`. The version is left out on purpose: the
 * same object served under two versions (v1beta1 → v1) is one object, not a prune candidate.
 */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** Human-readable form of a ref for logs and messages: `Kind ns/name` or `Kind name`. */
export function refString(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
