import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BundleError } from './bundle-error.js';
import { parseFleetYaml, type BundleSpec } from './fleet-yaml.js';
import { hubFixtures, sharedFixtures } from './test-fixtures.js';

describe('parseFleetYaml', () => {
  const valid: Array<[string, string, BundleSpec]> = [
    ['empty file → defaults', '', { labels: {}, targetCustomizations: [] }],
    ['comment only → defaults', '# nothing\n', { labels: {}, targetCustomizations: [] }],
    [
      'top-level options',
      'name: web\nlabels: {team: a}\nnamespace: ns\ndefaultNamespace: dns\nkustomize: {dir: k}\nyaml: {overlays: [o1]}\npaused: true\n',
      { name: 'web', labels: { team: 'a' }, namespace: 'ns', defaultNamespace: 'dns', kustomize: { dir: 'k' }, yaml: { overlays: ['o1'] }, paused: true, targetCustomizations: [] },
    ],
    [
      'targetCustomizations with every criterion',
      [
        'targetCustomizations:',
        '- name: a',
        '  clusterName: c1',
        '  clusterGroup: g1',
        '  clusterGroupSelector: {}',
        '  clusterSelector:',
        '    matchLabels: {env: prod}',
        '    matchExpressions: [{key: zone, operator: In, values: [x, y]}, {key: gpu, operator: DoesNotExist}]',
        '  doNotDeploy: false',
        '  namespace: n',
        '  defaultNamespace: d',
        '  kustomize: {dir: overlays/prod}',
        '  yaml: {overlays: [big]}',
      ].join('\n'),
      {
        labels: {},
        targetCustomizations: [
          {
            name: 'a', clusterName: 'c1', clusterGroup: 'g1', clusterGroupSelector: {},
            clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['x', 'y'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
            doNotDeploy: false, namespace: 'n', defaultNamespace: 'd', kustomize: { dir: 'overlays/prod' }, yaml: { overlays: ['big'] },
          },
        ],
      },
    ],
    [
      'dependsOn and gitfleet.syncPolicy',
      'dependsOn:\n- name: db\n- selector: {matchLabels: {tier: data}}\ngitfleet:\n  syncPolicy: {automated: true, prune: false}\n',
      { labels: {}, targetCustomizations: [], dependsOn: [{ name: 'db' }, { selector: { matchLabels: { tier: 'data' } } }], syncPolicy: { automated: true, prune: false } },
    ],
  ];
  for (const [name, text, want] of valid) {
    it(`parses: ${name}`, () => {
      const { spec, warnings } = parseFleetYaml(text, 'app/fleet.yaml');
      assert.deepEqual(spec, want);
      assert.deepEqual(warnings, []);
    });
  }

  const warnings: Array<[string, string, string[]]> = [
    ['unknown top-level field', 'foo: 1\n', ['x/fleet.yaml: unknown field "foo"']],
    ['unknown nested field', 'kustomize: {dir: a, extra: 1}\n', ['x/fleet.yaml: unknown field "kustomize.extra"']],
    ['unknown field in a customization', 'targetCustomizations:\n- {name: a, clusterName: c, colour: red}\n', ['x/fleet.yaml: unknown field "targetCustomizations[0].colour"']],
    ['unknown field in a selector', 'targetCustomizations:\n- clusterSelector: {matchFields: {}}\n', ['x/fleet.yaml: unknown field "targetCustomizations[0].clusterSelector.matchFields"']],
    ['unknown key under gitfleet', 'gitfleet: {webhooks: []}\n', ['x/fleet.yaml: unknown field "gitfleet.webhooks"']],
    ['unknown key under gitfleet.syncPolicy', 'gitfleet: {syncPolicy: {dryRun: true}}\n', ['x/fleet.yaml: unknown field "gitfleet.syncPolicy.dryRun"']],
    ['helm not supported yet', 'helm: {chart: x}\n', ['x/fleet.yaml: field "helm" is not supported yet (ignored)']],
    ['rolloutStrategy and diff not supported yet', 'rolloutStrategy: {}\ndiff: {}\n', [
      'x/fleet.yaml: field "rolloutStrategy" is not supported yet (ignored)',
      'x/fleet.yaml: field "diff" is not supported yet (ignored)',
    ]],
    ['helm in a customization not supported yet', 'targetCustomizations:\n- {clusterName: c, helm: {values: {}}}\n', ['x/fleet.yaml: field "targetCustomizations[0].helm" is not supported yet (ignored)']],
  ];
  for (const [name, text, want] of warnings) {
    it(`warns: ${name}`, () => {
      assert.deepEqual(parseFleetYaml(text, 'x/fleet.yaml').warnings, want);
    });
  }

  const errors: Array<[string, string, RegExp]> = [
    ['namespace not a string', 'namespace: [a]\n', /^x\/fleet\.yaml: field "namespace": expected a string, got a list$/],
    ['labels value not a string', 'labels: {version: 1}\n', /field "labels\.version": expected a string, got number 1/],
    ['paused not boolean', 'paused: "yes"\n', /field "paused": expected true or false/],
    ['targetCustomizations not a list', 'targetCustomizations: {a: 1}\n', /field "targetCustomizations": expected a list/],
    ['bad operator', 'targetCustomizations:\n- clusterSelector: {matchExpressions: [{key: a, operator: Equals}]}\n', /operator": expected one of In, NotIn, Exists, DoesNotExist/],
    ['overlays not strings', 'yaml: {overlays: [1]}\n', /field "yaml\.overlays\[0\]": expected a string/],
    ['top level a list', '- a\n', /expected a mapping, got a list/],
    ['malformed YAML', 'a: [1,\n  b: c: d\n', /^x\/fleet\.yaml: line 2 col \d+: /],
    ['two documents', 'a: 1\n---\nb: 2\n', /expected one YAML document, found 2/],
  ];
  for (const [name, text, want] of errors) {
    it(`refuses: ${name}`, () => {
      assert.throws(() => parseFleetYaml(text, 'x/fleet.yaml'), (err: unknown) => {
        assert.ok(err instanceof BundleError, `not a BundleError: ${String(err)}`);
        assert.equal(err.file, 'x/fleet.yaml');
        assert.match(err.message, want);
        return true;
      });
    });
  }

  it('reads the real multi-cluster fleet.yaml', async () => {
    const file = path.join(sharedFixtures(), 'fleet-examples/multi-cluster/manifests/fleet.yaml');
    const { spec, warnings } = parseFleetYaml(await readFile(file, 'utf8'), 'multi-cluster/manifests/fleet.yaml');
    assert.deepEqual(warnings, []);
    assert.equal(spec.namespace, 'fleet-mc-manifest-example');
    assert.deepEqual(
      spec.targetCustomizations.map((t) => [t.name, t.clusterSelector?.matchLabels?.env, t.yaml?.overlays]),
      [['dev', 'dev', ['noreplication']], ['test', 'test', ['scale3']], ['prod', 'prod', ['servicelb', 'scale3']]],
    );
  });

  it('reports every unknown and unsupported field of the unknown-fields fixture', async () => {
    const text = await readFile(path.join(hubFixtures(), 'unknown-fields/fleet.yaml'), 'utf8');
    const { spec, warnings } = parseFleetYaml(text, 'unknown-fields/fleet.yaml');
    assert.deepEqual(warnings, [
      'unknown-fields/fleet.yaml: unknown field "foo"',
      'unknown-fields/fleet.yaml: field "helm" is not supported yet (ignored)',
      'unknown-fields/fleet.yaml: unknown field "kustomize.extra"',
      'unknown-fields/fleet.yaml: field "targetCustomizations[0].helm" is not supported yet (ignored)',
      'unknown-fields/fleet.yaml: unknown field "targetCustomizations[0].colour"',
      'unknown-fields/fleet.yaml: unknown field "targetCustomizations[0].clusterSelector.matchFields"',
      'unknown-fields/fleet.yaml: unknown field "gitfleet.webhooks"',
      'unknown-fields/fleet.yaml: unknown field "gitfleet.syncPolicy.dryRun"',
    ]);
    assert.equal(spec.namespace, 'demo');
    assert.deepEqual(spec.kustomize, { dir: './k' });
    assert.deepEqual(spec.syncPolicy, { prune: false });
  });
});
