import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.js';
import { type NamespaceOptions, parseManifestObject, placeObject } from './prepare.js';

const labels = { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.io/bundle-id': 'b1' };
const cm = (namespace?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...(namespace ? { namespace } : {}) }, data: { a: '1' } });
const role = (namespace?: string): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', ...(namespace ? { namespace } : {}) } });

describe('placeObject', () => {
  const none: NamespaceOptions = { targetNamespace: '', defaultNamespace: '' };
  const cases: Array<{ name: string; obj: KubeObject; namespaced: boolean; ns: NamespaceOptions; want: string | undefined | Error }> = [
    { name: 'namespaced without namespace gets "default"', obj: cm(), namespaced: true, ns: none, want: 'default' },
    { name: 'namespaced without namespace gets default_namespace', obj: cm(), namespaced: true, ns: { targetNamespace: '', defaultNamespace: 'dflt' }, want: 'dflt' },
    { name: 'namespaced keeps its own namespace over default_namespace', obj: cm('own'), namespaced: true, ns: { targetNamespace: '', defaultNamespace: 'dflt' }, want: 'own' },
    { name: 'target_namespace overrides its own namespace', obj: cm('own'), namespaced: true, ns: { targetNamespace: 'tgt', defaultNamespace: 'dflt' }, want: 'tgt' },
    { name: 'cluster-scoped loses a namespace', obj: role('x'), namespaced: false, ns: none, want: undefined },
    {
      name: 'cluster-scoped with target_namespace fails',
      obj: role(), namespaced: false, ns: { targetNamespace: 'tgt', defaultNamespace: '' },
      want: new Error('cluster-scoped ClusterRole r in a bundle with namespace tgt'),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = placeObject(c.obj, c.namespaced, c.ns, 'b1');
      if (c.want instanceof Error) {
        assert.deepEqual(got, { ok: false, message: c.want.message });
        return;
      }
      assert.ok(got.ok);
      assert.equal(got.obj.metadata.namespace, c.want);
      assert.deepEqual(got.obj.metadata.labels, labels);
    });
  }

  it('keeps existing labels, drops server fields and does not mutate the input', () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { app: 'web' }, resourceVersion: '12', uid: 'u', managedFields: [] } };
    const before = structuredClone(obj);
    const got = placeObject(obj, true, { targetNamespace: '', defaultNamespace: '' }, 'b1');
    assert.ok(got.ok);
    assert.deepEqual(got.obj.metadata, { name: 'c', namespace: 'default', labels: { app: 'web', ...labels } });
    assert.deepEqual(obj, before);
  });
});

describe('parseManifestObject', () => {
  it('parses a valid object', () => {
    const got = parseManifestObject({ file: 'a.yaml', json: JSON.stringify(cm('x')) });
    assert.ok(got.ok);
    assert.equal(got.obj.kind, 'ConfigMap');
  });
  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /a.yaml: invalid JSON/],
    ['no kind', '{"apiVersion":"v1","metadata":{"name":"x"}}', /a.yaml: object without kind$/],
    ['no name', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}', /without metadata.name/],
    ['an array', '[]', /without apiVersion, kind, metadata.name/],
  ];
  for (const [name, json, message] of bad) {
    it(`refuses ${name}`, () => {
      const got = parseManifestObject({ file: 'a.yaml', json });
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.message, message);
    });
  }
});
