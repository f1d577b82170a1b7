// Internal: the checks every rendered object passes — a name Kubernetes accepts, one identity per bundle.
import { BundleError } from './bundle-error.js';

/** Where an object came from, for error messages: repo-relative file, and "document N (line L)". */
export interface ObjectPlace {
  file: string;
  where: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The naming rule a kind's metadata.name follows. */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

/**
 * Kinds whose name rule is not the common DNS-1123 subdomain, keyed `group/kind` (core group
 * ''). Source: kubernetes pkg/apis/core/validation (ValidateNamespaceName = NameIsDNSLabel,
 * ValidateServiceName = NameIsDNS1035Label), pkg/apis/rbac/validation (ValidateRBACName =
 * path.IsValidPathSegmentName, so `system:controller:x` is a valid ClusterRole name),
 * pkg/apis/flowcontrol/validation (path segment names).
 */
const NAME_RULES: Record<string, NameRule> = {
  '/Namespace': 'dns1123-label',
  '/Service': 'dns1035-label',
  'rbac.authorization.k8s.io/Role': 'path-segment',
  'rbac.authorization.k8s.io/ClusterRole': 'path-segment',
  'rbac.authorization.k8s.io/RoleBinding': 'path-segment',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'path-segment',
  'flowcontrol.apiserver.k8s.io/FlowSchema': 'path-segment',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': 'path-segment',
};

/** API group of an apiVersion: "apps/v1" → "apps", "v1" → "" (core). */
export function groupOfApiVersion(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The name rule of a kind: NAME_RULES, else DNS-1123 subdomain (most built-in kinds and every custom resource). */
export function nameRuleOf(group: string, kind: string): NameRule {
  return NAME_RULES[`${group}/${kind}`] ?? 'dns1123-subdomain';
}

/**
 * Why `name` breaks `rule`, or undefined when it is valid. Rules as in
 * k8s.io/apimachinery/pkg/util/validation (IsDNS1123Subdomain: at most 253 characters of
 * [a-z0-9.-], each dot-separated part starting and ending alphanumeric; IsDNS1123Label: at most
 * 63 of [a-z0-9-], starting and ending alphanumeric; IsDNS1035Label: the same but starting with
 * a letter) and k8s.io/apimachinery/pkg/api/validation/path IsValidPathSegmentName (not "." or
 * "..", no "/" or "%"). See https://kubernetes.io/docs/concepts/overview/working-with-objects/names/.
 */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case 'dns1123-subdomain':
      if (name.length > 253) return 'must be no more than 253 characters (RFC 1123 subdomain)';
      if (!DNS1123_SUBDOMAIN.test(name)) {
        return "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
      }
      return undefined;
    case 'dns1123-label':
      if (name.length > 63) return 'must be no more than 63 characters (RFC 1123 label)';
      if (!DNS1123_LABEL.test(name)) return "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
      return undefined;
    case 'dns1035-label':
      if (name.length > 63) return 'must be no more than 63 characters (RFC 1035 label)';
      if (!DNS1035_LABEL.test(name)) return "must be a lowercase RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";
      return undefined;
    case 'path-segment':
      if (name === '.' || name === '..') return `may not be "${name}"`;
      if (name.includes('/') || name.includes('%')) return "may not contain '/' or '%'";
      return undefined;
  }
}

/**
 * Checks `metadata` of one object that has a string apiVersion and kind: metadata.name present
 * (a `generateName` alone is refused: gitfleet applies with server-side apply, which needs a
 * name, and a generated name would make a new object on every apply) and valid for the kind
 * (nameRuleOf), metadata.namespace, when set, a DNS-1123 label.
 * @throws BundleError(place.file, `${place.where}: <Kind> …`) naming the field and the rule.
 */
export function checkMetadata(obj: Record<string, unknown>, place: ObjectPlace): void {
  const kind = obj.kind as string;
  const meta = obj.metadata;
  const at = `${place.where}: ${kind}`;
  if (meta !== undefined && meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    throw new BundleError(place.file, `${at}: metadata must be a mapping`);
  }
  const m = (meta ?? {}) as Record<string, unknown>;
  if (m.name === undefined || m.name === null || m.name === '') {
    if (typeof m.generateName === 'string' && m.generateName !== '') {
      throw new BundleError(place.file, `${at}: metadata.generateName without metadata.name is not supported (server-side apply needs a fixed name)`);
    }
    throw new BundleError(place.file, `${at} is missing metadata.name`);
  }
  if (typeof m.name !== 'string') throw new BundleError(place.file, `${at}: metadata.name must be a string`);
  const problem = nameProblem(m.name, nameRuleOf(groupOfApiVersion(obj.apiVersion as string), kind));
  if (problem) throw new BundleError(place.file, `${at} ${JSON.stringify(m.name)}: invalid metadata.name: ${problem}`);
  if (m.namespace !== undefined && m.namespace !== null && m.namespace !== '') {
    if (typeof m.namespace !== 'string') throw new BundleError(place.file, `${at} ${JSON.stringify(m.name)}: metadata.namespace must be a string`);
    const nsProblem = nameProblem(m.namespace, 'dns1123-label');
    if (nsProblem) throw new BundleError(place.file, `${at} ${JSON.stringify(m.name)}: invalid metadata.namespace ${JSON.stringify(m.namespace)}: ${nsProblem}`);
  }
}

/**
 * The identity of an object in a bundle: `group/kind namespace/name` (namespace as written, ''
 * when unset — the target namespace is only known per cluster), the key the agent's inventory
 * uses to tell objects apart.
 */
export function objectIdentity(obj: Record<string, unknown>): string {
  const meta = obj.metadata as Record<string, unknown>;
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  return `${groupOfApiVersion(obj.apiVersion as string)}/${obj.kind as string} ${ns}/${meta.name as string}`;
}

/**
 * Refuses two objects with the same identity (group, kind, namespace, name) in one bundle: the
 * agent could apply only one of them, and which one would depend on order.
 * @throws BundleError(file of the second, `${where}: <Kind> <ns/name> is defined twice (also in <file>, <where>)`).
 */
export function checkUniqueIdentities(objects: Array<{ object: Record<string, unknown>; place: ObjectPlace }>): void {
  const seen = new Map<string, ObjectPlace>();
  for (const { object, place } of objects) {
    const id = objectIdentity(object);
    const first = seen.get(id);
    if (first) {
      const meta = object.metadata as Record<string, unknown>;
      const ns = typeof meta.namespace === 'string' && meta.namespace ? `${meta.namespace}/` : '';
      throw new BundleError(
        place.file,
        `${place.where}: ${object.kind as string} ${ns}${meta.name as string} (${object.apiVersion as string}) is defined twice in the bundle (also in ${first.file}, ${first.where})`,
      );
    }
    seen.set(id, place);
  }
}
