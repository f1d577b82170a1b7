/**
 * Client-side-apply takeover: the managedFields migration of client-go's
 * `util/csaupgrade.UpgradeManagedFieldsPatch` (kubernetes/kubernetes, staging/src/k8s.io/client-go),
 * in plain JSON. Pure.
 *
 * An object first written by `kubectl apply` (client-side: manager `kubectl-client-side-apply`,
 * operation Update, plus the `kubectl.kubernetes.io/last-applied-configuration` annotation), by a
 * Helm release (manager `helm`, as Rancher Fleet installs bundles) or by Argo CD in client-side
 * mode (`argocd-controller`) has its fields owned by those Update entries. A server-side apply by
 * the agent would then share them, and a field removed from Git would stay on the cluster for
 * ever. The migration merges those managers' Update field sets (main resource, no subresource)
 * into the agent's Apply entry — or turns the newest of them into it when the agent has none —
 * and drops those Update entries, so the agent's next apply owns every field they set: a field
 * the agent no longer applies is removed, and so is the last-applied annotation (it is in the
 * merged set and never in the agent's body).
 *
 * The patch (JSON Patch, RFC 6902) replaces /metadata/managedFields and, as csaupgrade does,
 * "replaces" /metadata/resourceVersion with the value read, so a concurrent write fails with 409
 * instead of being overwritten.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field managers of client-side writers the agent takes over (see module comment). */
export const CSA_MANAGERS: readonly string[] = ['kubectl-client-side-apply', 'helm', 'argocd-controller'];

/** One managedFields entry as the apiserver returns it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Json;
  subresource?: string;
}

/**
 * Union of two FieldsV1 sets (structured-merge-diff `Set.Union` on the serialised trie): keys of
 * both; a key that is a leaf (`{}`) on one side and has children on the other keeps the
 * children plus `.` (the node itself is owned).
 */
export function unionFields(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (!isObj(av) || !isObj(bv)) {
      out[k] = bv;
      continue;
    }
    const aLeaf = Object.keys(av).length === 0;
    const bLeaf = Object.keys(bv).length === 0;
    if (aLeaf && bLeaf) out[k] = {};
    else if (aLeaf) out[k] = k === '.' ? {} : { '.': {}, ...bv };
    else if (bLeaf) out[k] = k === '.' ? {} : { '.': {}, ...av };
    else out[k] = unionFields(av, bv);
  }
  return out;
}

const isCsa = (e: ManagedFieldsEntry, managers: ReadonlySet<string>) =>
  typeof e.manager === 'string' && managers.has(e.manager) && e.operation === 'Update' && !e.subresource;

/**
 * The managedFields after the migration, or undefined when there is nothing to migrate (no
 * Update entry of a CSA manager on the main resource). `self` is the agent's field manager.
 */
export function upgradeManagedFields(entries: readonly ManagedFieldsEntry[], self: string, managers: readonly string[] = CSA_MANAGERS): ManagedFieldsEntry[] | undefined {
  const csa = new Set(managers);
  if (!entries.some((e) => isCsa(e, csa))) return undefined;
  const copy = entries.map((e) => ({ ...e }));
  let target = copy.findIndex((e) => e.manager === self && e.operation === 'Apply' && !e.subresource);
  if (target < 0) {
    // no Apply entry yet: the newest CSA entry becomes it (entries are sorted newest first)
    target = copy.findIndex((e) => isCsa(e, csa));
    copy[target] = { ...copy[target]!, manager: self, operation: 'Apply' };
  }
  const t = copy[target]!;
  let fields = isObj(t.fieldsV1) ? t.fieldsV1 : {};
  for (const [i, e] of copy.entries()) {
    if (i !== target && isCsa(e, csa) && e.apiVersion === t.apiVersion && isObj(e.fieldsV1)) fields = unionFields(fields, e.fieldsV1);
  }
  copy[target] = { ...t, fieldsType: 'FieldsV1', fieldsV1: fields };
  return copy.filter((e, i) => i === target || !isCsa(e, csa));
}

/**
 * The JSON Patch that migrates `live` (see module comment), or undefined when nothing is to do.
 * `live` must carry metadata.resourceVersion and metadata.managedFields as read.
 */
export function csaUpgradePatch(live: { metadata: Json }, self: string, managers: readonly string[] = CSA_MANAGERS): Json[] | undefined {
  const entries = live.metadata.managedFields;
  if (!Array.isArray(entries)) return undefined;
  const upgraded = upgradeManagedFields(entries as ManagedFieldsEntry[], self, managers);
  if (!upgraded) return undefined;
  return [
    { op: 'replace', path: '/metadata/managedFields', value: upgraded },
    // "replace", not "test": the apiserver turns a stale resourceVersion into 409 Conflict
    { op: 'replace', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
  ];
}
