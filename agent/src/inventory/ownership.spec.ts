import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.js';
import type { Inventory, InventoryEntry } from './document.js';
import { hasOwnershipMarks, pruneVerdict, type PruneVerdict, resolvePending } from './ownership.js';

const MARKS = { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle-id': 'web' };
const entry = (uid?: string): InventoryEntry => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c', ...(uid ? { uid } : {}) });
const live = (labels: Record<string, string> | undefined, uid = 'u1'): Pick<KubeObject, 'metadata'> => ({ metadata: { name: 'c', namespace: 'app', uid, ...(labels ? { labels } : {}) } });

describe('pruneVerdict', () => {
  const cases: Array<{ name: string; entry: InventoryEntry; live: Pick<KubeObject, 'metadata'> | null; want: PruneVerdict['action']; reason?: RegExp }> = [
    { name: 'ours: marks and the recorded uid', entry: entry('u1'), live: live(MARKS), want: 'delete' },
    { name: 'already gone', entry: entry('u1'), live: null, want: 'gone' },
    { name: 're-created by someone else without marks', entry: entry('u1'), live: live(undefined, 'u2'), want: 'orphan', reason: /does not carry gitfleet's ownership marks for bundle web/ },
    { name: 'marks removed by hand', entry: entry('u1'), live: live({ other: 'x' }), want: 'orphan', reason: /ownership marks/ },
    { name: 'managed-by only', entry: entry('u1'), live: live({ 'app.kubernetes.io/managed-by': 'gitfleet' }), want: 'orphan', reason: /ownership marks/ },
    { name: 'bundle id only', entry: entry('u1'), live: live({ 'gitfleet.io/bundle-id': 'web' }), want: 'orphan', reason: /ownership marks/ },
    { name: 're-created with our marks (another uid)', entry: entry('u1'), live: live(MARKS, 'u2'), want: 'orphan', reason: /has uid u2, not the recorded u1/ },
    { name: 'an entry recorded before uids were kept', entry: entry(), live: live(MARKS), want: 'orphan', reason: /no uid in the inventory/ },
    { name: "adopted by another gitfleet bundle", entry: entry('u1'), live: live({ 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle-id': 'api' }), want: 'adopted' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = pruneVerdict('web', c.entry, c.live);
      assert.equal(v.action, c.want);
      if (v.action === 'delete') assert.equal(v.uid, c.entry.uid);
      if (c.reason) assert.match((v as { reason: string }).reason, c.reason);
    });
  }
  it('hasOwnershipMarks needs both labels with this bundle id', () => {
    assert.equal(hasOwnershipMarks(live(MARKS), 'web'), true);
    assert.equal(hasOwnershipMarks(live(MARKS), 'api'), false);
    assert.equal(hasOwnershipMarks(live(undefined), 'web'), false);
  });
});

describe('resolvePending', () => {
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name });
  const base: Inventory = {
    bundleId: 'web', revision: 'r', digest: 'd', generation: '2', synced: false, syncRequest: '0', keep: [], orphaned: [],
    objects: [{ ...cm('old'), uid: 'u0' }],
    pending: [cm('old'), cm('applied'), cm('never'), cm('foreign'), cm('unread')],
  };
  const lives = new Map<string, Pick<KubeObject, 'metadata'> | null>([
    ['/ConfigMap/app/applied', { metadata: { name: 'applied', uid: 'u1', labels: MARKS } }],
    ['/ConfigMap/app/never', null],
    ['/ConfigMap/app/foreign', { metadata: { name: 'foreign', uid: 'u3' } }],
  ]);
  it('takes pending objects with our marks as owned (with their uid), drops the others', () => {
    const got = resolvePending(base, lives);
    assert.deepEqual(got.objects, [{ ...cm('old'), uid: 'u0' }, { ...cm('applied'), uid: 'u1' }]);
    assert.deepEqual(got.pending, [cm('unread')], 'an entry that could not be read stays pending');
  });
  it('leaves an inventory without pending entries as it is', () => {
    const { pending: _p, ...clean } = base;
    assert.equal(resolvePending(clean, lives), clean);
  });
  it('drops the pending list once everything is resolved', () => {
    const got = resolvePending({ ...base, pending: [cm('applied')] }, lives);
    assert.equal(got.pending, undefined);
  });
});
