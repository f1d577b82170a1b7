import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectRef } from '../kube/types.js';
import { type AppliedRef, nextInventory, staleObjects } from './diff.js';

const cm = (name: string, namespace = 'app'): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
const dep = (name: string, apiVersion = 'apps/v1'): ObjectRef => ({ apiVersion, kind: 'Deployment', namespace: 'app', name });
const ns = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name });
const ok = (ref: ObjectRef): AppliedRef => ({ ref, ok: true });
const failed = (ref: ObjectRef, scopeKnown = true): AppliedRef => ({ ref, ok: false, scopeKnown });

describe('inventory diff', () => {
  const cases: Array<{ name: string; applied: AppliedRef[]; previous: ObjectRef[]; next: ObjectRef[]; stale: ObjectRef[] }> = [
    { name: 'first apply', applied: [ok(ns('app')), ok(cm('a'))], previous: [], next: [ns('app'), cm('a')], stale: [] },
    { name: 'unchanged set', applied: [ok(cm('a'))], previous: [cm('a')], next: [cm('a')], stale: [] },
    { name: 'removed object is stale', applied: [ok(cm('a'))], previous: [cm('a'), cm('b')], next: [cm('a')], stale: [cm('b')] },
    { name: 'everything removed', applied: [], previous: [ns('app'), cm('a')], next: [], stale: [ns('app'), cm('a')] },
    {
      name: 'failed object that was owned stays owned',
      applied: [ok(cm('a')), failed(cm('b'))], previous: [cm('a'), cm('b')], next: [cm('a'), cm('b')], stale: [],
    },
    {
      name: 'failed new object is not owned',
      applied: [ok(cm('a')), failed(cm('new'))], previous: [cm('a')], next: [cm('a')], stale: [],
    },
    {
      name: 'failed object with unknown scope keeps the previous entry in any namespace',
      applied: [failed(cm('b', ''), false)], previous: [cm('b', 'app')], next: [cm('b', 'app')], stale: [],
    },
    {
      name: 'same object in another namespace is a different object',
      applied: [ok(cm('a', 'two'))], previous: [cm('a', 'one')], next: [cm('a', 'two')], stale: [cm('a', 'one')],
    },
    {
      name: 'an API version change is the same object',
      applied: [ok(dep('web', 'apps/v1'))], previous: [dep('web', 'apps/v1beta2')], next: [dep('web', 'apps/v1')], stale: [],
    },
  ];
  it('records the uid of an applied object, keeps the recorded uid of a failed owned one', () => {
    const next = nextInventory([{ ref: cm('a'), ok: true, uid: 'new-a' }, { ref: cm('b'), ok: false }, { ref: cm('c'), ok: true }], [{ ...cm('a'), uid: 'old-a' }, { ...cm('b'), uid: 'old-b' }, { ...cm('c'), uid: 'old-c' }]);
    assert.deepEqual(next, [{ ...cm('a'), uid: 'new-a' }, { ...cm('c'), uid: 'old-c' }, { ...cm('b'), uid: 'old-b' }]);
  });
  for (const c of cases) {
    it(c.name, () => {
      const next = nextInventory(c.applied, c.previous);
      assert.deepEqual(next, c.next);
      assert.deepEqual(staleObjects(c.previous, next), c.stale);
    });
  }
});
