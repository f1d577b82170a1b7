import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOwnership, ownershipGuard } from './ownership.js';
import type { KubeObject, ObjectRef } from './types.js';

const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' };
const live = (labels?: Record<string, string>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', ...(labels ? { labels } : {}) } });
const ours = { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle-id': 'b1' };
const refusal = 'Deployment ns/web exists and is not managed by gitfleet bundle b1; set helm.takeOwnership: true to adopt it';

describe('decideOwnership', () => {
  const cases: Array<{ name: string; takeOwnership: boolean; live: KubeObject | null; inInventory?: boolean; want: true | string }> = [
    { name: 'missing object, takeOwnership false: created', takeOwnership: false, live: null, want: true },
    { name: 'missing object, takeOwnership true: created', takeOwnership: true, live: null, want: true },
    { name: 'unlabelled object, takeOwnership true: adopted', takeOwnership: true, live: live(), want: true },
    { name: 'unlabelled object, takeOwnership false: refused', takeOwnership: false, live: live(), want: refusal },
    { name: 'Helm-managed object, takeOwnership false: refused', takeOwnership: false, live: live({ 'app.kubernetes.io/managed-by': 'Helm' }), want: refusal },
    { name: 'object of this bundle: applied', takeOwnership: false, live: live(ours), want: true },
    { name: 'bundle id without managed-by: refused', takeOwnership: false, live: live({ 'gitfleet.io/bundle-id': 'b1' }), want: refusal },
    { name: 'managed-by without bundle id: refused', takeOwnership: false, live: live({ 'app.kubernetes.io/managed-by': 'gitfleet' }), want: refusal },
    {
      name: 'object of another gitfleet bundle: refused, naming it', takeOwnership: false, live: live({ ...ours, 'gitfleet.io/bundle-id': 'b2' }),
      want: 'Deployment ns/web exists and is not managed by gitfleet bundle b1 (it belongs to gitfleet bundle b2); set helm.takeOwnership: true to adopt it',
    },
    { name: 'object of another gitfleet bundle, takeOwnership true: adopted', takeOwnership: true, live: live({ ...ours, 'gitfleet.io/bundle-id': 'b2' }), want: true },
    { name: 'unlabelled object in the inventory: applied', takeOwnership: false, live: live(), inInventory: true, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = decideOwnership({ takeOwnership: c.takeOwnership, bundleId: 'b1', ref, live: c.live, inInventory: c.inInventory ?? false });
      assert.deepEqual(got, c.want === true ? { apply: true } : { apply: false, message: c.want });
    });
  }
});

describe('ownershipGuard', () => {
  it('matches the inventory by group, kind, namespace and name (not version)', () => {
    const guard = ownershipGuard(false, 'b1', [{ ...ref, apiVersion: 'apps/v1beta2' }]);
    assert.equal(guard(ref, live()), undefined);
    assert.equal(guard({ ...ref, name: 'other' }, live()), refusal.replace('ns/web', 'ns/other'));
  });
  it('never refuses with takeOwnership', () => {
    assert.equal(ownershipGuard(true, 'b1', [])(ref, live()), undefined);
  });
});
