import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromConfigMap, type Inventory, inventoryName, toConfigMap } from './document.js';

describe('inventory document', () => {
  const inv: Inventory = {
    bundleId: 'demo', revision: 'abc', digest: 'sha256-00', generation: '3', synced: true,
    objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c' }],
  };
  it('round-trips through a ConfigMap', () => {
    const cm = toConfigMap(inv, 'gitfleet-system');
    assert.equal(cm.metadata.name, inventoryName('demo'));
    assert.equal(cm.metadata.labels?.['gitfleet.io/inventory'], 'true');
    assert.equal(cm.metadata.labels?.['gitfleet.io/bundle-id'], 'demo');
    assert.deepEqual(fromConfigMap(cm), inv);
  });
  const bad: Array<[string, unknown]> = [
    ['no data', undefined],
    ['objects missing', { 'inventory.json': '{"bundleId":"demo"}' }],
    ['a ref without name', { 'inventory.json': '{"bundleId":"demo","objects":[{"apiVersion":"v1","kind":"X","namespace":""}]}' }],
  ];
  for (const [name, data] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => fromConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data }), /inventory x/);
    });
  }
});
