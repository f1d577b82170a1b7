/**
 * applyBody fixture table: what a server-side apply sends under ignore rules (Argo CD
 * RespectIgnoreDifferences semantics with managedFields ownership; see apply-body.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyBody } from './apply-body.js';
import { DEFAULT_IGNORE_MANAGERS } from './ignore.js';

type Json = Record<string, unknown>;
const SELF = 'gitfleet-agent';
const deploy = (spec: Json, managedFields?: Json[]): Json => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'app', ...(managedFields ? { managedFields } : {}) }, spec,
});
const entry = (manager: string, fieldsV1: Json, operation = 'Apply', subresource?: string): Json =>
  ({ manager, operation, apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1, ...(subresource ? { subresource } : {}) });
const replicasOnly = { 'f:spec': { 'f:replicas': {} } };
const podSpec = (image: string) => ({ template: { spec: { containers: [{ name: 'web', image }] } } });
const agentOwnsAll = entry(SELF, { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {} } } } } } });

interface Case {
  name: string;
  desired: Json;
  live: Json | null;
  pointers?: string[];
  managers?: string[];
  body: Json;
  omitted?: string[];
  keptLive?: string[];
}

const cases: Case[] = [
  {
    name: 'an object that does not exist is created whole',
    desired: deploy({ replicas: 2 }), live: null, pointers: ['/spec/replicas'], managers: ['my-autoscaler'],
    body: deploy({ replicas: 2 }),
  },
  {
    name: 'no rules: the desired object',
    desired: deploy({ replicas: 2, ...podSpec('nginx:1') }), live: deploy({ replicas: 2 }, [agentOwnsAll]),
    body: deploy({ replicas: 2, ...podSpec('nginx:1') }),
  },
  {
    name: 'a field the rule\'s manager took over (SSA, force) is left out',
    desired: deploy({ replicas: 2, ...podSpec('nginx:1') }),
    live: deploy({ replicas: 5 }, [agentOwnsAll, entry('my-autoscaler', replicasOnly)]),
    pointers: ['/spec/replicas'], managers: ['my-autoscaler'],
    body: deploy(podSpec('nginx:1')), omitted: ['/spec/replicas'],
  },
  {
    name: 'an HPA (horizontal-pod-autoscaler, scale subresource) owns replicas: left out without any rule',
    desired: deploy({ replicas: 2, ...podSpec('nginx:1') }),
    live: deploy({ replicas: 4 }, [agentOwnsAll, entry('horizontal-pod-autoscaler', replicasOnly, 'Update', 'scale')]),
    body: deploy(podSpec('nginx:1')), omitted: ['/spec/replicas'],
  },
  {
    name: 'kube-controller-manager co-owning replicas (Update): left out',
    desired: deploy({ replicas: 2 }),
    live: deploy({ replicas: 4 }, [entry('kube-controller-manager', replicasOnly, 'Update', 'scale')]),
    body: deploy({}), omitted: ['/spec/replicas'],
  },
  {
    name: 'pointer rule, someone else (kubectl scale) owns the field: left out',
    desired: deploy({ replicas: 2 }), live: deploy({ replicas: 7 }, [entry(SELF, {}), entry('kubectl', replicasOnly, 'Update', 'scale')]),
    pointers: ['/spec/replicas'],
    body: deploy({}), omitted: ['/spec/replicas'],
  },
  {
    name: 'pointer rule, only the agent owns the field: applied with its live value (never deleted)',
    desired: deploy({ replicas: 2, ...podSpec('nginx:1') }), live: deploy({ replicas: 3 }, [agentOwnsAll]),
    pointers: ['/spec/replicas'],
    body: deploy({ replicas: 3, ...podSpec('nginx:1') }), keptLive: ['/spec/replicas'],
  },
  {
    name: 'pointer rule, field absent live: never created',
    desired: deploy({ replicas: 2 }), live: deploy({}, [entry(SELF, {})]), pointers: ['/spec/replicas'],
    body: deploy({}), omitted: ['/spec/replicas'],
  },
  {
    name: 'pointer rule, live without managedFields: live value kept',
    desired: deploy({ replicas: 2 }), live: deploy({ replicas: 9 }), pointers: ['/spec/replicas'],
    body: deploy({ replicas: 9 }), keptLive: ['/spec/replicas'],
  },
  {
    name: 'pointer to a subtree covers every field below it',
    desired: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { a: '1', b: '2' } }, data: { k: 'v' } },
    live: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { a: 'x', b: '2' }, managedFields: [entry('other', { 'f:metadata': { 'f:annotations': { 'f:a': {} } } }, 'Update')] }, data: { k: 'v' } },
    pointers: ['/metadata/annotations'],
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } }, omitted: ['/metadata/annotations'],
  },
  {
    name: 'a container image owned by an ignored manager: left out, the item and its key stay',
    desired: deploy(podSpec('nginx:1')),
    live: deploy(podSpec('nginx:2'), [agentOwnsAll, entry('image-updater', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:name': {}, 'f:image': {} } } } } } }, 'Update')]),
    managers: ['image-updater'],
    body: deploy({ template: { spec: { containers: [{ name: 'web' }] } } }), omitted: ['/spec/template/spec/containers/0/image'],
  },
  {
    name: 'keyed items are found by key, not by live index',
    desired: deploy({ template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } }),
    live: deploy({}, [entry('image-updater', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"b"}': { 'f:image': {} } } } } } }, 'Update')]),
    managers: ['image-updater'],
    body: deploy({ template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b' }] } } }), omitted: ['/spec/template/spec/containers/1/image'],
  },
  {
    name: 'fields of other managers (kubectl edit) are applied: that is drift to heal',
    desired: deploy({ replicas: 2 }), live: deploy({ replicas: 5 }, [entry('kubectl-edit', replicasOnly, 'Update')]),
    body: deploy({ replicas: 2 }),
  },
  {
    name: 'a field the ignored manager owns but Git does not hold: nothing to leave out',
    desired: deploy(podSpec('nginx:1')), live: deploy({ replicas: 4 }, [entry('horizontal-pod-autoscaler', replicasOnly, 'Update', 'scale')]),
    body: deploy(podSpec('nginx:1')),
  },
  {
    name: 'an invalid pointer matches nothing',
    desired: deploy({ replicas: 2 }), live: deploy({ replicas: 2 }, [agentOwnsAll]), pointers: ['spec/replicas'],
    body: deploy({ replicas: 2 }),
  },
];

describe('applyBody', () => {
  for (const c of cases) {
    it(c.name, () => {
      const ignores = { pointers: c.pointers ?? [], managers: new Set([...DEFAULT_IGNORE_MANAGERS, ...(c.managers ?? [])]) };
      const before = structuredClone(c.desired);
      const out = applyBody(c.desired, c.live, ignores, SELF);
      assert.deepEqual(out.body, c.body);
      assert.deepEqual(out.omitted, c.omitted ?? []);
      assert.deepEqual(out.keptLive, c.keptLive ?? []);
      assert.deepEqual(c.desired, before, 'desired is not changed');
    });
  }
});
