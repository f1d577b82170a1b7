import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectRef } from '../kube/types.js';
import { allGuards, isSelfObject, selfProtectionRefusal } from './self-protection.js';

const self = { namespace: 'gitfleet-system', name: 'gitfleet-agent', serviceAccount: 'gitfleet-agent', secrets: ['gitfleet-agent-nats', 'gitfleet-agent'] };
const ref = (apiVersion: string, kind: string, namespace: string, name: string): ObjectRef => ({ apiVersion, kind, namespace, name });
const RBAC = 'rbac.authorization.k8s.io/v1';

describe('self-protection', () => {
  const cases: Array<[string, ObjectRef, boolean]> = [
    ['own Deployment', ref('apps/v1', 'Deployment', 'gitfleet-system', 'gitfleet-agent'), true],
    ['same Deployment name elsewhere', ref('apps/v1', 'Deployment', 'app', 'gitfleet-agent'), false],
    ['another Deployment in the agent namespace', ref('apps/v1', 'Deployment', 'gitfleet-system', 'web'), false],
    ['own ServiceAccount', ref('v1', 'ServiceAccount', 'gitfleet-system', 'gitfleet-agent'), true],
    ['credentials Secret', ref('v1', 'Secret', 'gitfleet-system', 'gitfleet-agent-nats'), true],
    ['enrollment Secret', ref('v1', 'Secret', 'gitfleet-system', 'gitfleet-agent'), true],
    ['another Secret', ref('v1', 'Secret', 'gitfleet-system', 'app-config'), false],
    ['a ConfigMap named like the agent', ref('v1', 'ConfigMap', 'gitfleet-system', 'gitfleet-agent'), false],
    ['ClusterRole -base', ref(RBAC, 'ClusterRole', '', 'gitfleet-agent-base'), true],
    ['ClusterRoleBinding -deploy', ref(RBAC, 'ClusterRoleBinding', '', 'gitfleet-agent-deploy'), true],
    ['ClusterRole of someone else', ref(RBAC, 'ClusterRole', '', 'view'), false],
    ['Role -inventory in the agent namespace', ref(RBAC, 'Role', 'gitfleet-system', 'gitfleet-agent-inventory'), true],
    ['Role -inventory elsewhere', ref(RBAC, 'Role', 'app', 'gitfleet-agent-inventory'), false],
    ['RoleBinding -deploy in a target namespace', ref(RBAC, 'RoleBinding', 'app', 'gitfleet-agent-deploy'), true],
    ['an apps group object that is not a Deployment', ref('apps/v1', 'StatefulSet', 'gitfleet-system', 'gitfleet-agent'), false],
  ];
  for (const [name, r, want] of cases) it(name, () => assert.equal(isSelfObject(r, self), want));

  it('refuses with a message naming the object and the setting; allowed when self is undefined', () => {
    const r = ref('apps/v1', 'Deployment', 'gitfleet-system', 'gitfleet-agent');
    assert.match(selfProtectionRefusal(r, self) ?? '', /^Deployment gitfleet-system\/gitfleet-agent is one of the gitfleet agent's own objects.*--allow-self-management/);
    assert.equal(selfProtectionRefusal(r, undefined), undefined);
  });

  it('allGuards: first refusal wins', () => {
    const g = allGuards(() => undefined, () => 'second', () => 'third');
    assert.equal(g(ref('v1', 'ConfigMap', 'a', 'b'), null), 'second');
  });
});
