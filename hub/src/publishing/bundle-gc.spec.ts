import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectableDigests } from './bundle-gc.js';

describe('collectableDigests', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const hour = 3_600_000;
  const table: Array<[string, string[], string[], Array<[string, Date]>, string[]]> = [
    ['referenced: kept however long it was unreferenced before', ['a'], ['a'], [['a', ago(10 * hour)]], []],
    ['unreferenced for longer than the grace: deleted', ['a'], [], [['a', ago(hour + 1)]], ['a']],
    ['unreferenced for exactly the grace: deleted', ['a'], [], [['a', ago(hour)]], ['a']],
    ['unreferenced for less than the grace: kept', ['a'], [], [['a', ago(hour - 1)]], []],
    ['unreferenced, never seen so before: kept', ['a'], [], [], []],
    ['mixed', ['a', 'b', 'c', 'd'], ['b'], [['a', ago(2 * hour)], ['b', ago(2 * hour)], ['c', ago(1)]], ['a']],
  ];
  for (const [name, objects, referenced, since, want] of table) {
    it(name, () => assert.deepEqual(collectableDigests(objects, new Set(referenced), new Map(since), now, hour), want));
  }
});
