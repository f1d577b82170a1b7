import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.js';
import { classifyHook, deletesAt, type HookClass, hookProgress, hooksFor, hookWeight, planHooks, type HookPlan, type HookRecord } from './hooks.js';

const obj = (kind: string, name: string, annotations?: Record<string, string>, status?: unknown): KubeObject =>
  ({ apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name, ...(annotations ? { annotations } : {}) }, ...(status ? { status } : {}) });

describe('hooks: classification', () => {
  const cases: Array<{ name: string; annotations?: Record<string, string>; want: HookClass }> = [
    { name: 'no annotations', want: { kind: 'normal' } },
    { name: 'other annotations', annotations: { a: 'b' }, want: { kind: 'normal' } },
    { name: 'pre-install, defaults', annotations: { 'helm.sh/hook': 'pre-install' }, want: { kind: 'hook', hook: { events: ['pre-install'], weight: 0, deletePolicies: ['before-hook-creation'] } } },
    {
      name: 'several events, spaces and case, weight, policies',
      annotations: { 'helm.sh/hook': ' Pre-Install, pre-upgrade ', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'hook-succeeded, Hook-Failed' },
      want: { kind: 'hook', hook: { events: ['pre-install', 'pre-upgrade'], weight: -5, deletePolicies: ['hook-succeeded', 'hook-failed'] } },
    },
    { name: 'test-success is test', annotations: { 'helm.sh/hook': 'test-success' }, want: { kind: 'hook', hook: { events: ['test'], weight: 0, deletePolicies: ['before-hook-creation'] } } },
    { name: 'crd-install alone is a normal object', annotations: { 'helm.sh/hook': 'crd-install' }, want: { kind: 'normal' } },
    { name: 'crd-install is dropped from a list', annotations: { 'helm.sh/hook': 'crd-install,post-install' }, want: { kind: 'hook', hook: { events: ['post-install'], weight: 0, deletePolicies: ['before-hook-creation'] } } },
    { name: 'an unknown event skips the object (as Helm)', annotations: { 'helm.sh/hook': 'pre-install,pre-frobnicate' }, want: { kind: 'skip', reason: 'unknown hook "pre-install,pre-frobnicate"' } },
    { name: 'empty policy annotation → default', annotations: { 'helm.sh/hook': 'post-upgrade', 'helm.sh/hook-delete-policy': ' ' }, want: { kind: 'hook', hook: { events: ['post-upgrade'], weight: 0, deletePolicies: ['before-hook-creation'] } } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(classifyHook(obj('Job', 'j', c.annotations)), c.want));
  }

  it('weights are Go Atoi, else 0', () => {
    for (const [v, w] of [['5', 5], ['-5', -5], ['+3', 3], ['1.5', 0], ['x', 0], ['', 0], [undefined, 0], [' 2', 0]] as const) {
      assert.equal(hookWeight(v), w, String(v));
    }
  });
});

describe('hooks: order (Helm hookByWeight)', () => {
  const hook = (kind: string, name: string, weight: number, events: string[] = ['pre-install']) =>
    ({ obj: obj(kind, name), hook: { events: events as never, weight, deletePolicies: ['before-hook-creation'] } });
  const cases: Array<{ name: string; input: ReturnType<typeof hook>[]; want: string[] }> = [
    { name: 'weight first', input: [hook('Job', 'a', 5), hook('ConfigMap', 'b', -5), hook('Pod', 'c', 0)], want: ['ConfigMap/b', 'Pod/c', 'Job/a'] },
    { name: 'then install order of kinds', input: [hook('Job', 'a', 0), hook('ServiceAccount', 'z', 0), hook('ConfigMap', 'y', 0)], want: ['ServiceAccount/z', 'ConfigMap/y', 'Job/a'] },
    { name: 'then name', input: [hook('Job', 'b', 1), hook('Job', 'a', 1)], want: ['Job/a', 'Job/b'] },
    { name: 'unknown kinds last, alphabetically, then name', input: [hook('Zeta', 'a', 0), hook('Alpha', 'b', 0), hook('Alpha', 'a', 0), hook('Job', 'j', 0)], want: ['Job/j', 'Alpha/a', 'Alpha/b', 'Zeta/a'] },
    { name: 'only the event asked for', input: [hook('Job', 'a', 0, ['post-install']), hook('Job', 'b', 0, ['pre-install', 'pre-upgrade']), hook('Pod', 't', 0, ['test'])], want: ['Job/b'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(hooksFor(c.input, 'pre-install').map((h) => `${h.obj.kind}/${h.obj.metadata.name}`), c.want));
  }
});

describe('hooks: delete policies and progress', () => {
  it('policies, never a CRD', () => {
    const h = (kind: string, deletePolicies: string[]) => ({ obj: obj(kind, 'x'), hook: { events: ['pre-install' as const], weight: 0, deletePolicies } });
    assert.equal(deletesAt(h('Job', ['before-hook-creation']), 'before-hook-creation'), true);
    assert.equal(deletesAt(h('Job', ['hook-succeeded']), 'before-hook-creation'), false);
    assert.equal(deletesAt(h('Job', ['hook-succeeded']), 'hook-succeeded'), true);
    assert.equal(deletesAt(h('Job', ['hook-failed']), 'hook-succeeded'), false);
    assert.equal(deletesAt(h('CustomResourceDefinition', ['before-hook-creation', 'hook-succeeded']), 'hook-succeeded'), false);
  });

  const cases: Array<{ name: string; o: KubeObject; want: string }> = [
    { name: 'Job without status runs', o: obj('Job', 'j'), want: 'running' },
    { name: 'Job Complete', o: obj('Job', 'j', undefined, { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] }), want: 'succeeded' },
    { name: 'Job Failed', o: obj('Job', 'j', undefined, { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }] }), want: 'failed DeadlineExceeded: Job was active longer than specified deadline' },
    { name: 'Job Failed=False still runs', o: obj('Job', 'j', undefined, { conditions: [{ type: 'Failed', status: 'False' }] }), want: 'running' },
    { name: 'Pod Succeeded', o: obj('Pod', 'p', undefined, { phase: 'Succeeded' }), want: 'succeeded' },
    { name: 'Pod Failed', o: obj('Pod', 'p', undefined, { phase: 'Failed', reason: 'Evicted', message: 'low memory' }), want: 'failed Evicted: low memory' },
    { name: 'Pod Running', o: obj('Pod', 'p', undefined, { phase: 'Running' }), want: 'running' },
    { name: 'ConfigMap is done once written', o: obj('ConfigMap', 'c'), want: 'succeeded' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = hookProgress(c.o);
      assert.equal(p.state === 'failed' ? `failed ${p.reason}: ${p.message}` : p.state, c.want);
    });
  }
});

describe('hooks: once per generation', () => {
  const rec = (generation: string, event: 'install' | 'upgrade', phase: 'pre' | 'post', error = ''): HookRecord => ({ generation, event, phase, error });
  const cases: Array<{ name: string; input: Parameters<typeof planHooks>[0]; want: HookPlan }> = [
    { name: 'first apply: install', input: { generation: '1', hadInventory: false, appliedGeneration: undefined, record: undefined, syncRequested: false }, want: { install: true, runPre: true, runPost: true } },
    { name: 'new generation: upgrade', input: { generation: '2', hadInventory: true, appliedGeneration: '1', record: rec('1', 'install', 'post'), syncRequested: false }, want: { install: false, runPre: true, runPost: true } },
    { name: 'resync of the same generation: nothing', input: { generation: '2', hadInventory: true, appliedGeneration: '2', record: rec('2', 'upgrade', 'post'), syncRequested: false }, want: { install: false, runPre: false, runPost: false } },
    { name: 'retry after pre hooks ran: post only', input: { generation: '1', hadInventory: true, appliedGeneration: undefined, record: rec('1', 'install', 'pre'), syncRequested: false }, want: { install: true, runPre: false, runPost: true } },
    { name: 'failed pre hook holds', input: { generation: '1', hadInventory: true, appliedGeneration: undefined, record: rec('1', 'install', 'pre', 'boom'), syncRequested: false }, want: { install: true, runPre: false, runPost: false, recordedError: { phase: 'pre', message: 'boom' } } },
    { name: 'new generation after a failed install is still an install', input: { generation: '2', hadInventory: true, appliedGeneration: undefined, record: rec('1', 'install', 'pre', 'boom'), syncRequested: false }, want: { install: true, runPre: true, runPost: true } },
    { name: 'a sync request runs them again', input: { generation: '2', hadInventory: true, appliedGeneration: '2', record: rec('2', 'upgrade', 'post'), syncRequested: true }, want: { install: false, runPre: true, runPost: true } },
    { name: 'older inventory that applied this generation: nothing', input: { generation: '3', hadInventory: true, appliedGeneration: '3', record: undefined, syncRequested: false }, want: { install: false, runPre: false, runPost: false } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planHooks(c.input), c.want));
  }
});
