import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BundleError } from './bundle-error.js';
import { parseFleetYaml, type BundleSpec } from './fleet-yaml.js';
import { hubFixtures, needsSharedFixtures, sharedFixtures } from './test-fixtures.js';

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
    [
      'helm at the top level and in a customization',
      [
        'helm:',
        '  chart: ./chart',
        '  repo: https://charts.example.com',
        '  version: "1.2.3"',
        '  releaseName: web',
        '  values: {replicas: 2, image: {tag: "${ .ClusterLabels.tag }"}}',
        '  valuesFiles: [values-a.yaml, values-b.yaml]',
        '  takeOwnership: true',
        'targetCustomizations:',
        '- name: prod',
        '  clusterName: p',
        '  helm: {version: "1.3.0", values: {replicas: 3}, valuesFiles: [values-prod.yaml], disablePreProcess: true}',
      ].join('\n'),
      {
        labels: {},
        helm: {
          chart: './chart', repo: 'https://charts.example.com', version: '1.2.3', releaseName: 'web',
          values: { replicas: 2, image: { tag: '${ .ClusterLabels.tag }' } }, valuesFiles: ['values-a.yaml', 'values-b.yaml'], takeOwnership: true,
        },
        targetCustomizations: [
          { name: 'prod', clusterName: 'p', helm: { version: '1.3.0', values: { replicas: 3 }, valuesFiles: ['values-prod.yaml'], disablePreProcess: true } },
        ],
      },
    ],
    [
      'namespaceLabels and namespaceAnnotations, top level and per customization (Fleet)',
      [
        'defaultNamespace: shop',
        'namespaceLabels: {team: payments, pod-security.kubernetes.io/enforce: baseline, empty: ""}',
        'namespaceAnnotations: {example.com/owner: "payments <pay@example.com>", note: "any text: even / and spaces"}',
        'targetCustomizations:',
        '- name: prod',
        '  clusterName: p',
        '  namespaceLabels: {team: payments-prod}',
        '  namespaceAnnotations: {example.com/tier: gold}',
      ].join('\n'),
      {
        labels: {},
        defaultNamespace: 'shop',
        namespaceLabels: { team: 'payments', 'pod-security.kubernetes.io/enforce': 'baseline', empty: '' },
        namespaceAnnotations: { 'example.com/owner': 'payments <pay@example.com>', note: 'any text: even / and spaces' },
        targetCustomizations: [{ name: 'prod', clusterName: 'p', namespaceLabels: { team: 'payments-prod' }, namespaceAnnotations: { 'example.com/tier': 'gold' } }],
      },
    ],
    [
      'helm with kustomize.dir (post-render)',
      'helm: {chart: ./chart}\nkustomize: {dir: overlays/dev}\n',
      { labels: {}, helm: { chart: './chart' }, kustomize: { dir: 'overlays/dev' }, targetCustomizations: [] },
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
    ['helm.valuesFrom not supported yet', 'helm: {chart: x, valuesFrom: [{secretKeyRef: {name: s}}]}\n', [
      'x/fleet.yaml: helm.valuesFrom is not supported yet (ignored: values from ConfigMaps/Secrets on the cluster are not read)',
    ]],
    ['helm install-time options not supported yet', 'helm: {chart: x, atomic: true, timeoutSeconds: 30, colour: red}\n', [
      'x/fleet.yaml: field "helm.atomic" is not supported yet (ignored)',
      'x/fleet.yaml: field "helm.timeoutSeconds" is not supported yet (ignored)',
      'x/fleet.yaml: unknown field "helm.colour"',
    ]],
    ['imageScans not supported yet, diff is', 'imageScans: []\ndiff: {}\n', [
      'x/fleet.yaml: field "imageScans" is not supported yet (ignored)',
    ]],
    ['rollout settings that steer the whole rollout, in a customization', 'targetCustomizations:\n- {clusterName: c, gitfleet: {rollout: {maxFailures: 1, autoRollback: false, minHealthyDuration: 5s}}}\n', [
      'x/fleet.yaml: field "targetCustomizations[0].gitfleet.rollout.maxFailures" applies to the whole rollout; set it at the top level (ignored here)',
      'x/fleet.yaml: field "targetCustomizations[0].gitfleet.rollout.autoRollback" applies to the whole rollout; set it at the top level (ignored here)',
    ]],
    ['an unknown rollout setting', 'gitfleet: {rollout: {canary: true}}\nrolloutStrategy: {partitions: [{name: a, clusterLabels: {}}]}\n', [
      'x/fleet.yaml: unknown field "rolloutStrategy.partitions[0].clusterLabels"',
      'x/fleet.yaml: unknown field "gitfleet.rollout.canary"',
    ]],
    ['namespaceLabels is supported now, deleteNamespace still is not', 'namespaceLabels: {a: b}\nnamespaceAnnotations: {c: d}\ndeleteNamespace: true\ntargetCustomizations:\n- {clusterName: c, namespaceLabels: {a: e}, deleteNamespace: true}\n', [
      'x/fleet.yaml: field "deleteNamespace" is not supported yet (ignored)',
      'x/fleet.yaml: field "targetCustomizations[0].deleteNamespace" is not supported yet (ignored)',
    ]],
    ['helm.valuesFrom in a customization', 'targetCustomizations:\n- {clusterName: c, helm: {valuesFrom: []}}\n', [
      'x/fleet.yaml: targetCustomizations[0].helm.valuesFrom is not supported yet (ignored: values from ConfigMaps/Secrets on the cluster are not read)',
    ]],
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
    ['helm.values not a mapping', 'helm: {values: [1]}\n', /field "helm\.values": expected a mapping, got a list/],
    ['helm.valuesFiles not strings', 'targetCustomizations:\n- {clusterName: c, helm: {valuesFiles: [{a: 1}]}}\n', /field "targetCustomizations\[0\]\.helm\.valuesFiles\[0\]": expected a string/],
    ['helm.takeOwnership not boolean', 'helm: {takeOwnership: "yes"}\n', /field "helm\.takeOwnership": expected true or false/],
    ['overlays not strings', 'yaml: {overlays: [1]}\n', /field "yaml\.overlays\[0\]": expected a string/],
    ['maxUnavailable neither a count nor a percentage', 'rolloutStrategy: {maxUnavailable: "half"}\n', /field "rolloutStrategy\.maxUnavailable": expected a count \(≥ 0\) or a percentage such as "25%", got string "half"/],
    ['a negative partition limit', 'rolloutStrategy: {partitions: [{maxUnavailable: -1}]}\n', /field "rolloutStrategy\.partitions\[0\]\.maxUnavailable": expected a count/],
    ['a duration without a unit', 'gitfleet: {rollout: {minHealthyDuration: "30"}}\n', /field "gitfleet\.rollout\.minHealthyDuration": expected a duration such as "30s", "10m" or "1m30s", got string "30"/],
    ['an unknown onStale', 'gitfleet: {rollout: {onStale: wait}}\n', /field "gitfleet\.rollout\.onStale": expected "block" or "skip", got string "wait"/],
    ['an unknown accepted state', 'dependsOn: [{name: db, acceptedStates: [Healthy]}]\n', /field "dependsOn\[0\]\.acceptedStates\[0\]": expected one of Ready, NotReady, WaitApplied, ErrApplied, OutOfSync, Pending, Modified, got string "Healthy"/],
    ['a dependsOn entry naming nothing', 'dependsOn: [{acceptedStates: [Ready]}]\n', /field "dependsOn\[0\]": expected a "name" or a "selector"/],
    ['top level a list', '- a\n', /expected a mapping, got a list/],
    ['malformed YAML', 'a: [1,\n  b: c: d\n', /^x\/fleet\.yaml: line 2 col \d+: /],
    ['two documents', 'a: 1\n---\nb: 2\n', /expected one YAML document, found 2/],
    ['namespaceLabels not a mapping', 'namespaceLabels: [a]\n', /field "namespaceLabels": expected a mapping, got a list/],
    ['namespaceLabels value not a string', 'namespaceLabels: {replicas: 3}\n', /field "namespaceLabels\.replicas": expected a string, got number 3/],
    ['namespaceLabels key not a label key', 'namespaceLabels: {"bad key": x}\n', /^x\/fleet\.yaml: field "namespaceLabels\.bad key": expected a Kubernetes label key .*, got string "bad key"$/],
    ['namespaceLabels value not a label value', 'namespaceLabels: {team: "pay ments"}\n', /field "namespaceLabels\.team": expected a Kubernetes label value .*, got string "pay ments"/],
    ['namespaceLabels value longer than 63', `namespaceLabels: {team: ${'a'.repeat(64)}}\n`, /field "namespaceLabels\.team": expected a Kubernetes label value/],
    ['namespaceAnnotations key not a qualified name', 'targetCustomizations:\n- clusterName: c\n  namespaceAnnotations: {"-x": y}\n', /field "targetCustomizations\[0\]\.namespaceAnnotations\.-x": expected a Kubernetes annotation key/],
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

  it('reads the real multi-cluster fleet.yaml', needsSharedFixtures(), async () => {
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
      'unknown-fields/fleet.yaml: unknown field "kustomize.extra"',
      'unknown-fields/fleet.yaml: unknown field "gitfleet.webhooks"',
      'unknown-fields/fleet.yaml: unknown field "gitfleet.syncPolicy.dryRun"',
      'unknown-fields/fleet.yaml: unknown field "targetCustomizations[0].colour"',
      'unknown-fields/fleet.yaml: unknown field "targetCustomizations[0].clusterSelector.matchFields"',
    ]);
    assert.equal(spec.namespace, 'demo');
    assert.deepEqual(spec.kustomize, { dir: './k' });
    assert.deepEqual(spec.syncPolicy, { prune: false });
  });
});

describe('parseFleetYaml: sync policy, ignore rules and their Fleet aliases', () => {
  type Want = Pick<BundleSpec, 'syncPolicy' | 'ignoreDifferences'>;
  const only = (spec: BundleSpec): Want => {
    const out: Want = {};
    if (spec.syncPolicy) out.syncPolicy = spec.syncPolicy;
    if (spec.ignoreDifferences) out.ignoreDifferences = spec.ignoreDifferences;
    return out;
  };
  const table: Array<[string, string, Want, string[]]> = [
    ['nothing said → nothing set (resolveTargets defaults every field to true)', 'name: a\n', {}, []],
    ['ours: gitfleet.syncPolicy', 'gitfleet: {syncPolicy: {automated: false, prune: false, selfHeal: false}}\n',
      { syncPolicy: { automated: false, prune: false, selfHeal: false } }, []],
    ['ours: gitfleet.ignoreDifferences (empty strings dropped)', [
      'gitfleet:',
      '  ignoreDifferences:',
      '  - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas], managers: [hpa-controller]}',
      '  - {kind: ConfigMap, namespace: "", name: settings, jsonPointers: [/data/generated]}',
    ].join('\n'), { ignoreDifferences: [
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], managers: ['hpa-controller'] },
      { kind: 'ConfigMap', name: 'settings', jsonPointers: ['/data/generated'] },
    ] }, []],
    ['Fleet: correctDrift.enabled true → selfHeal true', 'correctDrift: {enabled: true}\n', { syncPolicy: { selfHeal: true } }, []],
    ['Fleet: correctDrift.enabled false → selfHeal false', 'correctDrift: {enabled: false}\n', { syncPolicy: { selfHeal: false } }, []],
    ['Fleet: correctDrift without enabled means false (Go zero value)', 'correctDrift: {}\n', { syncPolicy: { selfHeal: false } }, []],
    ['Fleet: correctDrift.force / keepFailHistory are Helm-only, warned', 'correctDrift: {enabled: true, force: true, keepFailHistory: true}\n', { syncPolicy: { selfHeal: true } }, [
      'x/fleet.yaml: field "correctDrift.force" is not supported yet (ignored)',
      'x/fleet.yaml: field "correctDrift.keepFailHistory" is not supported yet (ignored)',
    ]],
    ['Fleet: keepResources true → prune false', 'keepResources: true\n', { syncPolicy: { prune: false } }, []],
    ['Fleet: keepResources false says nothing (Fleet ORs it)', 'keepResources: false\n', {}, []],
    ['Fleet: diff.comparePatches → rules; group from apiVersion; remove paths + jsonPointers', [
      'diff:',
      '  comparePatches:',
      '  - apiVersion: apps/v1',
      '    kind: Deployment',
      '    name: web',
      '    namespace: shop',
      '    operations:',
      '    - {op: remove, path: /spec/replicas}',
      '    - {op: remove, path: /spec/template/metadata/annotations}',
      '    jsonPointers: [/metadata/labels/extra]',
      '  - apiVersion: v1',
      '    kind: Service',
      '    operations: [{op: remove, path: /spec/clusterIP}]',
    ].join('\n'), { ignoreDifferences: [
      { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', jsonPointers: ['/metadata/labels/extra', '/spec/replicas', '/spec/template/metadata/annotations'] },
      { kind: 'Service', jsonPointers: ['/spec/clusterIP'] },
    ] }, []],
    ['Fleet: a non-remove operation is warned about and dropped', 'diff: {comparePatches: [{kind: Service, operations: [{op: replace, path: /spec/x, value: "1"}]}]}\n',
      { ignoreDifferences: [{ kind: 'Service' }] },
      ['x/fleet.yaml: field "diff.comparePatches[0].operations[0].op": only "remove" is supported, got "replace" (ignored)']],
    ['a pointer without a leading slash is warned about and dropped', 'gitfleet: {ignoreDifferences: [{kind: A, jsonPointers: [spec/x, /spec/y]}]}\n',
      { ignoreDifferences: [{ kind: 'A', jsonPointers: ['/spec/y'] }] },
      ['x/fleet.yaml: field "gitfleet.ignoreDifferences[0].jsonPointers": "spec/x" is not a JSON pointer (RFC 6901, starts with "/") (ignored)']],
    ['ours and Fleet agreeing: no warning, both kept', 'gitfleet: {syncPolicy: {selfHeal: true}}\ncorrectDrift: {enabled: true}\nkeepResources: true\n',
      { syncPolicy: { selfHeal: true, prune: false } }, []],
    ['conflict: ours wins with a warning (selfHeal, prune)', 'gitfleet: {syncPolicy: {selfHeal: true, prune: true}}\ncorrectDrift: {enabled: false}\nkeepResources: true\n',
      { syncPolicy: { selfHeal: true, prune: true } }, [
        'x/fleet.yaml: field "correctDrift.enabled" conflicts with "gitfleet.syncPolicy.selfHeal"; using selfHeal: true',
        'x/fleet.yaml: field "keepResources" conflicts with "gitfleet.syncPolicy.prune"; using prune: true',
      ]],
    ['conflict: same selector in ignoreDifferences and comparePatches → ours wins with a warning', [
      'gitfleet: {ignoreDifferences: [{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]}',
      'diff: {comparePatches: [{apiVersion: apps/v1, kind: Deployment, jsonPointers: [/spec/paused]}, {apiVersion: v1, kind: Secret, jsonPointers: [/data]}]}',
    ].join('\n'), { ignoreDifferences: [
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      { kind: 'Secret', jsonPointers: ['/data'] },
    ] }, ['x/fleet.yaml: field "diff.comparePatches[0]" selects the same objects as an entry of "gitfleet.ignoreDifferences"; using the latter']],
    ['unknown keys under the new fields are reported', 'gitfleet: {ignoreDifferences: [{kind: A, jqPathExpressions: [x]}]}\ndiff: {comparePatches: [{kind: B, extra: 1}], other: 2}\n',
      { ignoreDifferences: [{ kind: 'A' }, { kind: 'B' }] }, [
        'x/fleet.yaml: unknown field "gitfleet.ignoreDifferences[0].jqPathExpressions"',
        'x/fleet.yaml: unknown field "diff.other"',
        'x/fleet.yaml: unknown field "diff.comparePatches[0].extra"',
      ]],
  ];
  for (const [name, text, want, wantWarnings] of table) {
    it(name, () => {
      const { spec, warnings } = parseFleetYaml(text, 'x/fleet.yaml');
      assert.deepEqual(only(spec), want);
      assert.deepEqual(warnings, wantWarnings);
    });
  }

  it('reads the same options in a targetCustomization, with paths in messages', () => {
    const text = [
      'targetCustomizations:',
      '- name: edge',
      '  clusterSelector: {matchLabels: {env: edge}}',
      '  gitfleet: {syncPolicy: {automated: false, prune: false}}',
      '  correctDrift: {enabled: true}',
      '  keepResources: true',
      '  diff: {comparePatches: [{apiVersion: apps/v1, kind: Deployment, operations: [{op: remove, path: /spec/replicas}]}]}',
    ].join('\n');
    const { spec, warnings } = parseFleetYaml(text, 'x/fleet.yaml');
    assert.deepEqual(spec.targetCustomizations[0]?.syncPolicy, { automated: false, prune: false, selfHeal: true });
    assert.deepEqual(spec.targetCustomizations[0]?.ignoreDifferences, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }]);
    assert.deepEqual(warnings, []);
    const conflict = parseFleetYaml('targetCustomizations:\n- {clusterName: a, gitfleet: {syncPolicy: {selfHeal: false}}, correctDrift: {enabled: true}}\n', 'x/fleet.yaml');
    assert.deepEqual(conflict.warnings, ['x/fleet.yaml: field "targetCustomizations[0].correctDrift.enabled" conflicts with "targetCustomizations[0].gitfleet.syncPolicy.selfHeal"; using selfHeal: false']);
  });

  const errors: Array<[string, string, RegExp]> = [
    ['correctDrift.enabled not a boolean', 'correctDrift: {enabled: "yes"}\n', /field "correctDrift\.enabled": expected true or false/],
    ['keepResources not a boolean', 'keepResources: 1\n', /field "keepResources": expected true or false, got number 1/],
    ['comparePatches not a list', 'diff: {comparePatches: {kind: A}}\n', /field "diff\.comparePatches": expected a list/],
    ['operations entry not a mapping', 'diff: {comparePatches: [{operations: [remove]}]}\n', /field "diff\.comparePatches\[0\]\.operations\[0\]": expected a mapping/],
    ['ignoreDifferences jsonPointers not strings', 'gitfleet: {ignoreDifferences: [{jsonPointers: [1]}]}\n', /field "gitfleet\.ignoreDifferences\[0\]\.jsonPointers\[0\]": expected a string/],
    ['syncPolicy in a customization not a boolean', 'targetCustomizations:\n- {clusterName: a, gitfleet: {syncPolicy: {prune: no-thanks}}}\n', /field "targetCustomizations\[0\]\.gitfleet\.syncPolicy\.prune": expected true or false/],
  ];
  for (const [name, text, want] of errors) {
    it(`refuses: ${name}`, () => {
      assert.throws(() => parseFleetYaml(text, 'x/fleet.yaml'), (err: unknown) => err instanceof BundleError && want.test(err.message));
    });
  }
});

describe('parseFleetYaml: rolloutStrategy, gitfleet.rollout and dependsOn', () => {
  it('reads Fleet\'s rolloutStrategy with its partitions', () => {
    const { spec, warnings } = parseFleetYaml(
      [
        'rolloutStrategy:',
        '  maxUnavailable: 10%',
        '  maxUnavailablePartitions: 1',
        '  autoPartitionSize: "5"',
        '  partitions:',
        '  - {name: canary, clusterName: c1, maxUnavailable: 1}',
        '  - {name: eu, clusterSelector: {matchLabels: {region: eu}}, clusterGroup: g}',
      ].join('\n'),
      'x/fleet.yaml',
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(spec.rolloutStrategy, {
      maxUnavailable: '10%', maxUnavailablePartitions: 1, autoPartitionSize: '5',
      partitions: [{ name: 'canary', clusterName: 'c1', maxUnavailable: 1 }, { name: 'eu', clusterGroup: 'g', clusterSelector: { matchLabels: { region: 'eu' } } }],
    });
  });

  it('reads gitfleet.rollout at the top and in a customization (durations in ms)', () => {
    const { spec, warnings } = parseFleetYaml(
      'gitfleet:\n  rollout: {minHealthyDuration: 1m30s, progressDeadline: 2m, maxFailures: 20%, autoRollback: false, onStale: skip}\n' +
        'targetCustomizations:\n- {name: prod, clusterName: p, gitfleet: {rollout: {minHealthyDuration: 500ms, onStale: block}}}\n',
      'x/fleet.yaml',
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(spec.rollout, { minHealthyDurationMs: 90_000, progressDeadlineMs: 120_000, maxFailures: '20%', autoRollback: false, onStale: 'skip' });
    assert.deepEqual(spec.targetCustomizations[0]!.rollout, { minHealthyDurationMs: 500, onStale: 'block' });
  });

  it('reads dependsOn with acceptedStates', () => {
    const { spec } = parseFleetYaml('dependsOn:\n- {name: db, acceptedStates: [Ready, Modified]}\n- selector: {matchLabels: {tier: infra}}\n', 'x/fleet.yaml');
    assert.deepEqual(spec.dependsOn, [{ name: 'db', acceptedStates: ['Ready', 'Modified'] }, { selector: { matchLabels: { tier: 'infra' } } }]);
  });
});
