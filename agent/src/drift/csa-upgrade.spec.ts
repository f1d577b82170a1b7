/** csaupgrade migration (client-go util/csaupgrade) as a fixture table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csaUpgradePatch, type ManagedFieldsEntry, unionFields, upgradeManagedFields } from './csa-upgrade.js';

const SELF = 'gitfleet-agent';
const csaFields = { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } };
const e = (manager: string, operation: string, fieldsV1: Record<string, unknown>, extra: Partial<ManagedFieldsEntry> = {}): ManagedFieldsEntry =>
  ({ manager, operation, apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1, ...extra });

describe('unionFields', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]> = [
    ['disjoint', { 'f:a': {} }, { 'f:b': {} }, { 'f:a': {}, 'f:b': {} }],
    ['deep', { 'f:s': { 'f:a': {} } }, { 'f:s': { 'f:b': {} } }, { 'f:s': { 'f:a': {}, 'f:b': {} } }],
    ['leaf and subtree', { 'f:s': {} }, { 'f:s': { 'f:b': {} } }, { 'f:s': { '.': {}, 'f:b': {} } }],
    ['subtree and leaf', { 'f:s': { 'f:b': {} } }, { 'f:s': {} }, { 'f:s': { '.': {}, 'f:b': {} } }],
  ];
  for (const [name, a, b, want] of cases) it(name, () => assert.deepEqual(unionFields(a, b), want));
});

describe('upgradeManagedFields', () => {
  const cases: Array<{ name: string; entries: ManagedFieldsEntry[]; want: ManagedFieldsEntry[] | undefined }> = [
    { name: 'nothing client-side: no migration', entries: [e(SELF, 'Apply', { 'f:data': {} }), e('kubectl-edit', 'Update', { 'f:data': { 'f:x': {} } })], want: undefined },
    {
      name: 'kubectl apply (client-side) only: its entry becomes the agent\'s Apply entry',
      entries: [e('kubectl-client-side-apply', 'Update', csaFields, { time: 't1' })],
      want: [e(SELF, 'Apply', csaFields, { time: 't1' })],
    },
    {
      name: 'agent already applied: the CSA set is merged into the agent\'s entry and dropped',
      entries: [e(SELF, 'Apply', { 'f:data': { 'f:a': {} } }), e('kubectl-client-side-apply', 'Update', csaFields), e('kube-controller-manager', 'Update', { 'f:status': {} }, { subresource: 'status' })],
      want: [e(SELF, 'Apply', { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': csaFields['f:metadata'] }), e('kube-controller-manager', 'Update', { 'f:status': {} }, { subresource: 'status' })],
    },
    {
      name: 'helm and argocd-controller too; other managers stay',
      entries: [e('helm', 'Update', { 'f:data': { 'f:h': {} } }), e('argocd-controller', 'Update', { 'f:data': { 'f:g': {} } }), e('my-autoscaler', 'Apply', { 'f:data': { 'f:m': {} } })],
      want: [e(SELF, 'Apply', { 'f:data': { 'f:h': {}, 'f:g': {} } }), e('my-autoscaler', 'Apply', { 'f:data': { 'f:m': {} } })],
    },
    {
      name: 'a subresource Update of a CSA manager is left alone',
      entries: [e('kubectl-client-side-apply', 'Update', { 'f:status': {} }, { subresource: 'status' })],
      want: undefined,
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(upgradeManagedFields(c.entries, SELF), c.want));

  it('builds the guarded JSON patch', () => {
    const live = { metadata: { resourceVersion: '42', managedFields: [e('kubectl-client-side-apply', 'Update', csaFields)] } };
    assert.deepEqual(csaUpgradePatch(live, SELF), [
      { op: 'replace', path: '/metadata/managedFields', value: [e(SELF, 'Apply', csaFields)] },
      { op: 'replace', path: '/metadata/resourceVersion', value: '42' },
    ]);
    assert.equal(csaUpgradePatch({ metadata: { resourceVersion: '1' } }, SELF), undefined);
  });
});
