/**
 * From ManifestObjects to apply-ready Kubernetes objects. Pure.
 *
 * Rules (Rancher Fleet's fleet.yaml semantics, carried in the DesiredState):
 *   - `target_namespace` (Fleet `namespace`): every namespaced object is put in it; a
 *     cluster-scoped object fails with "cluster-scoped <kind> <name> in a bundle with namespace <ns>".
 *   - `default_namespace` (Fleet `defaultNamespace`, else "default"): namespaced objects that
 *     carry no namespace get it. (The target or default namespace itself is created when missing
 *     before anything is applied: reconcile.ts prepareBundleNamespace.)
 *   - cluster-scoped objects lose any namespace they carry (the apiserver ignores it anyway).
 *   - every object gets `app.kubernetes.io/managed-by: gitfleet` and `gitfleet.io/bundle-id`.
 *   - server-populated metadata (resourceVersion, uid, managedFields, ...) is dropped.
 */
import type { ManifestObject } from '@gitfleet/proto';
import { BUNDLE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import type { KubeObject, ObjectRef } from '../kube/types.js';

/** A bundle object after parsing: the object, or why it could not be parsed. */
export type ParsedObject =
  | { ok: true; file: string; obj: KubeObject }
  | { ok: false; file: string; ref: ObjectRef; message: string };

/** Namespace options of a target (from its DesiredState). */
export interface NamespaceOptions {
  /** Fleet `namespace`; '' when not set */
  targetNamespace: string;
  /** Fleet `defaultNamespace`; '' means "default" */
  defaultNamespace: string;
}

const SERVER_FIELDS = ['resourceVersion', 'uid', 'managedFields', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp'];

/**
 * Parses one ManifestObject's JSON. An object without a string apiVersion, kind or
 * metadata.name is refused with a message naming its file.
 */
export function parseManifestObject(m: Pick<ManifestObject, 'file' | 'json'>): ParsedObject {
  let value: unknown;
  try {
    value = JSON.parse(m.json);
  } catch (err) {
    return { ok: false, file: m.file, ref: { apiVersion: '', kind: '', namespace: '', name: '' }, message: `${m.file}: invalid JSON: ${(err as Error).message}` };
  }
  const o = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const meta = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Record<string, unknown>;
  const ref: ObjectRef = {
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
    kind: typeof o.kind === 'string' ? o.kind : '',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: typeof meta.name === 'string' ? meta.name : '',
  };
  const missing = (['apiVersion', 'kind', 'name'] as const).filter((f) => ref[f] === '');
  if (missing.length > 0) {
    return { ok: false, file: m.file, ref, message: `${m.file}: object without ${missing.map((f) => (f === 'name' ? 'metadata.name' : f)).join(', ')}` };
  }
  return { ok: true, file: m.file, obj: value as KubeObject };
}

/**
 * Places an object for apply: namespace by the rules above, labels, server fields dropped.
 * Returns a new object (the input is not changed), or an error message.
 */
export function placeObject(
  obj: KubeObject,
  namespaced: boolean,
  ns: NamespaceOptions,
  bundleId: string,
): { ok: true; obj: KubeObject } | { ok: false; message: string } {
  const out = structuredClone(obj);
  const meta = out.metadata;
  for (const f of SERVER_FIELDS) delete meta[f];
  if (namespaced) {
    if (ns.targetNamespace) meta.namespace = ns.targetNamespace;
    else if (!meta.namespace) meta.namespace = ns.defaultNamespace || 'default';
  } else {
    if (ns.targetNamespace) {
      return { ok: false, message: `cluster-scoped ${obj.kind} ${obj.metadata.name} in a bundle with namespace ${ns.targetNamespace}` };
    }
    delete meta.namespace;
  }
  meta.labels = { ...(meta.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BUNDLE_ID_LABEL]: bundleId };
  return { ok: true, obj: out };
}

/**
 * Best-guess ref of an object whose scope is unknown (discovery failed): the namespace it
 * would get if it were namespaced.
 */
export function guessRef(obj: KubeObject, ns: NamespaceOptions): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: ns.targetNamespace || obj.metadata.namespace || ns.defaultNamespace || 'default',
    name: obj.metadata.name,
  };
}
