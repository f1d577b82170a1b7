/**
 * Self-protection, pure: a bundle may not change the agent's own Deployment, ServiceAccount,
 * RBAC or credentials Secrets unless the cluster's settings allow it (`--allow-self-management`,
 * chart value `agent.allowSelfManagement`). A bundle that did could lock the agent out of its
 * cluster (RBAC), cut it off from the hub (credentials) or stop it (Deployment), and nothing
 * could then undo it from Git. Refused objects fail with a message naming the object and the
 * setting; the rest of the bundle is applied.
 *
 * The names follow the agent chart (charts/agent, `agent.fullname` F, default `gitfleet-agent`):
 *   in the agent's namespace: Deployment F, ServiceAccount (F or serviceAccount.name), Secret F
 *   (enrollment) and the credentials Secret (F-nats), Role/RoleBinding F-inventory;
 *   anywhere: ClusterRole/ClusterRoleBinding F-base and F-deploy, Role/RoleBinding F-deploy
 *   (namespaced RBAC scope); F itself for any RBAC kind.
 */
import type { KubeObject, ObjectRef } from '../kube/types.js';
import { refString } from '../kube/types.js';

/** The agent's own objects (from flags; defaults as the chart names them). */
export interface SelfObjects {
  /** the agent's namespace (--namespace) */
  namespace: string;
  /** the chart's full name F (--self-name, default gitfleet-agent) */
  name: string;
  /** the agent's ServiceAccount (--service-account, default F) */
  serviceAccount: string;
  /** Secrets holding the agent's credentials (--credentials-secret and F) */
  secrets: readonly string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** True when `ref` names one of the agent's own objects (see module comment). */
export function isSelfObject(ref: ObjectRef, self: SelfObjects): boolean {
  const group = groupOf(ref.apiVersion);
  const inOwnNs = ref.namespace === self.namespace;
  if (group === '' && inOwnNs) {
    if (ref.kind === 'ServiceAccount') return ref.name === self.serviceAccount;
    if (ref.kind === 'Secret') return self.secrets.includes(ref.name);
    return false;
  }
  if (group === 'apps' && ref.kind === 'Deployment') return inOwnNs && ref.name === self.name;
  if (group !== RBAC_GROUP) return false;
  const names = ref.kind === 'ClusterRole' || ref.kind === 'ClusterRoleBinding'
    ? [self.name, `${self.name}-base`, `${self.name}-deploy`]
    : ref.kind === 'Role' || ref.kind === 'RoleBinding'
      ? [self.name, `${self.name}-deploy`, ...(inOwnNs ? [`${self.name}-inventory`] : [])]
      : [];
  return names.includes(ref.name);
}

/**
 * The refusal message for a write to one of the agent's own objects, else undefined. `self`
 * undefined: self-management is allowed (nothing refused).
 */
export function selfProtectionRefusal(ref: ObjectRef, self: SelfObjects | undefined): string | undefined {
  if (!self || !isSelfObject(ref, self)) return undefined;
  return `${refString(ref)} is one of the gitfleet agent's own objects (its Deployment, ServiceAccount, RBAC or credentials); refused: set --allow-self-management (chart value agent.allowSelfManagement) to let bundles change it`;
}

/** A guard for applyObject (kube/apply.ts) from self-protection. */
export function selfProtectionGuard(self: SelfObjects | undefined): (ref: ObjectRef, live: KubeObject | null) => string | undefined {
  return (ref) => selfProtectionRefusal(ref, self);
}

/** Guards run in order; the first refusal wins. */
export function allGuards(...guards: Array<(ref: ObjectRef, live: KubeObject | null) => string | undefined>): (ref: ObjectRef, live: KubeObject | null) => string | undefined {
  return (ref, live) => {
    for (const g of guards) {
      const m = g(ref, live);
      if (m !== undefined) return m;
    }
    return undefined;
  };
}
