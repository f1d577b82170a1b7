import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromConfigMap, type Inventory, inventoryName, toConfigMap } from './document.js';

describe('inventory document', () => {
  const inv: Inventory = {
    bundleId: 'demo', revision: 'abc', digest: 'sha256-00', generation: '3', synced: true,
    objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c' }],
    syncRequest: '4', keep: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c' }],
    orphaned: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'old' }],
  };
  it('round-trips through a ConfigMap', () => {
    const cm = toConfigMap(inv, 'gitfleet-system');
    assert.equal(cm.metadata.name, inventoryName('demo'));
    assert.equal(cm.metadata.labels?.['gitfleet.io/inventory'], 'true');
    assert.equal(cm.metadata.labels?.['gitfleet.io/bundle-id'], 'demo');
    assert.deepEqual(fromConfigMap(cm), inv);
  });
  it('round-trips the crash-safety and withdrawal fields and object uids', () => {
    const full: Inventory = {
      ...inv, objects: [{ ...inv.objects[0]!, uid: '6f1c' }], pending: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'next' }],
      prune: false, withdrawn: true, withdrawalReason: 'bundle directory apps/web left Git',
    };
    assert.deepEqual(fromConfigMap(toConfigMap(full, 'gitfleet-system')), full);
  });
  it('reads an older document without the optional fields', () => {
    const cm = toConfigMap(inv, 'gitfleet-system');
    const old = { bundleId: 'demo', revision: 'abc', digest: 'd', generation: '1', synced: true, objects: [] };
    const got = fromConfigMap({ ...cm, data: { 'inventory.json': JSON.stringify(old) } });
    assert.deepEqual([got.syncRequest, got.keep, got.orphaned], ['0', [], []]);
    assert.deepEqual([got.pending, got.prune, got.withdrawn, got.objects], [undefined, undefined, undefined, []]);
    assert.equal(got.generation, '1');
  });
  const bad: Array<[string, unknown]> = [
    ['no data', undefined],
    ['objects missing', { 'inventory.json': '{"bundleId":"demo"}' }],
    ['a malformed orphan list', { 'inventory.json': '{"bundleId":"demo","objects":[],"orphaned":{}}' }],
    ['a ref without name', { 'inventory.json': '{"bundleId":"demo","objects":[{"apiVersion":"v1","kind":"X","namespace":""}]}' }],
    ['a non-string uid', { 'inventory.json': '{"bundleId":"demo","objects":[{"apiVersion":"v1","kind":"X","namespace":"","name":"a","uid":5}]}' }],
    ['a malformed pending list', { 'inventory.json': '{"bundleId":"demo","objects":[],"pending":[{"kind":"X"}]}' }],
    ['a generation that is not a number', { 'inventory.json': '{"bundleId":"demo","objects":[],"generation":"7x"}' }],
  ];
  for (const [name, data] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => fromConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data }), /inventory x/);
    });
  }
});
