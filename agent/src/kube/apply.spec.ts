import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyApply, isEstablished, notServedMessage } from './apply.js';
import type { KubeObject } from './types.js';

describe('classifyApply', () => {
  const cases: Array<[string | undefined, string | undefined, string]> = [
    [undefined, '5', 'created'],
    ['5', '6', 'configured'],
    ['5', '5', 'unchanged'],
  ];
  for (const [before, after, want] of cases) {
    it(`${before} → ${after} is ${want}`, () => assert.equal(classifyApply(before, after), want));
  }
});

describe('isEstablished', () => {
  const crd = (conditions: unknown[]): KubeObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' }, status: { conditions } });
  const cases: Array<[string, KubeObject | null, boolean]> = [
    ['missing CRD', null, false],
    ['no status', { apiVersion: 'v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' } }, false],
    ['NamesAccepted only', crd([{ type: 'NamesAccepted', status: 'True' }]), false],
    ['Established False', crd([{ type: 'Established', status: 'False' }]), false],
    ['Established True', crd([{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }]), true],
  ];
  for (const [name, obj, want] of cases) it(name, () => assert.equal(isEstablished(obj), want));
});

describe('notServedMessage', () => {
  const cases: Array<[string, string, string]> = [
    ['widgets.example.io/v1', 'Widget', 'kind Widget of group widgets.example.io, version v1 is not served by the apiserver: its CustomResourceDefinition is not installed (or does not serve v1): install it first or add it to the bundle (404 page not found)'],
    ['v2', 'Pod', 'kind Pod in core API version v2 is not served by the apiserver: this Kubernetes version does not serve it (404 page not found)'],
    ['apps/v1beta1', 'Deployment', 'kind Deployment of group apps, version v1beta1 is not served by the apiserver: this Kubernetes version does not serve it (404 page not found)'],
  ];
  for (const [apiVersion, kind, want] of cases) {
    it(`${apiVersion} ${kind}`, () => assert.equal(notServedMessage({ apiVersion, kind }, '404 page not found'), want));
  }
});
