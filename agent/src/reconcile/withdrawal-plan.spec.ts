import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory } from '../inventory/document.js';
import { withdrawalPlan } from './plan.js';

const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name });
const entry = (name: string) => ({ ...ref(name), uid: `uid-${name}` });
const inventory = (over: Partial<Inventory> = {}): Inventory => ({
  bundleId: 'demo', revision: 'r1', digest: `sha256-${'a'.repeat(64)}`, generation: '3', synced: true,
  objects: [entry('a'), entry('b'), entry('c')], syncRequest: '0', keep: [], orphaned: [], ...over,
});
const names = (refs: Array<{ name: string }>) => refs.map((r) => r.name);

describe('withdrawalPlan (what a tombstone would prune, as reconcileWithdraw does)', () => {
  // [case, inventory, would prune, would orphan]
  const table: Array<[string, Inventory | null, string[], string[]]> = [
    ['no inventory: nothing', null, [], []],
    ['every owned object', inventory(), ['a', 'b', 'c'], []],
    ['an object whose last version said prune "false" is orphaned', inventory({ keep: [ref('b')] }), ['a', 'c'], ['b']],
    ['the last applied policy prune=false orphans all', inventory({ prune: false }), [], ['a', 'b', 'c']],
    ['objects orphaned before stay orphaned', inventory({ orphaned: [ref('old')] }), ['a', 'b', 'c'], ['old']],
    ['a target already withdrawn owns nothing', inventory({ objects: [], withdrawn: true }), [], []],
  ];
  for (const [name, inv, prune, orphaned] of table) {
    it(name, () => {
      const plan = withdrawalPlan(inv);
      assert.deepEqual([names(plan.prune), names(plan.orphaned)], [prune, orphaned]);
    });
  }
});
