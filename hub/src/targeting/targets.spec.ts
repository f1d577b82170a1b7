import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BundleSpec, TargetCustomization } from '../rendering/fleet-yaml.js';
import { parseFleetYaml } from '../rendering/fleet-yaml.js';
import { resolveTargets, type ClusterGroupInfo, type ClusterInfo, type ResolvedIgnoreRule, type TargetRule } from './targets.js';

const clusters: ClusterInfo[] = [
  { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
  { name: 'dev-1', labels: { env: 'dev' } },
  { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
  { name: 'edge-7', labels: { env: 'edge', region: 'eu' } },
];
const groups: ClusterGroupInfo[] = [
  { name: 'europe', selector: { matchLabels: { region: 'eu' } } },
  { name: 'production', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } },
];
const spec = (targetCustomizations: TargetCustomization[], extra: Partial<BundleSpec> = {}): BundleSpec => ({ labels: {}, targetCustomizations, ...extra });
/** cluster → customization name ('-' when none matched) for every targeted cluster. */
const summary = (s: BundleSpec, rules?: TargetRule[]) =>
  Object.fromEntries(resolveTargets(s, clusters, groups, rules).map((t) => [t.cluster, t.customization ?? '-']));

describe('resolveTargets: which clusters and which customization', () => {
  const table: Array<[string, BundleSpec, TargetRule[] | undefined, Record<string, string>]> = [
    ['no rules → every cluster, sorted by name', spec([]), undefined, { 'dev-1': '-', 'edge-7': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['empty rules → every cluster', spec([]), [], { 'dev-1': '-', 'edge-7': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['rules restrict (ANY rule): selector or clusterName', spec([]), [{ clusterSelector: { matchLabels: { env: 'prod' } } }, { clusterName: 'dev-1' }], { 'dev-1': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['rule by clusterGroup', spec([]), [{ clusterGroup: 'europe' }], { 'edge-7': '-', 'prod-eu': '-' }],
    ['rule criteria are ANDed: group europe AND env=prod', spec([]), [{ clusterGroup: 'europe', clusterSelector: { matchLabels: { env: 'prod' } } }], { 'prod-eu': '-' }],
    ['rule with no criteria matches nothing', spec([]), [{ name: 'empty' }], {}],
    ['rule naming an unknown group matches nothing', spec([]), [{ clusterGroup: 'mars' }], {}],
    ['clusterGroupSelector: empty matches (groups carry no labels)', spec([]), [{ clusterGroupSelector: {} }], { 'dev-1': '-', 'edge-7': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['clusterGroupSelector: matchLabels never matches', spec([]), [{ clusterGroupSelector: { matchLabels: { a: 'b' } } }], {}],
    ['first matching customization wins', spec([
      { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } } },
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
    ]), undefined, { 'dev-1': '-', 'edge-7': 'eu', 'prod-eu': 'eu', 'prod-us': 'prod' }],
    ['order matters: same entries reversed', spec([
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
      { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } } },
    ]), undefined, { 'dev-1': '-', 'edge-7': 'eu', 'prod-eu': 'prod', 'prod-us': 'prod' }],
    ['doNotDeploy excludes the matched cluster only', spec([
      { name: 'skip-edge', clusterName: 'edge-7', doNotDeploy: true },
      { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } } },
    ]), undefined, { 'dev-1': '-', 'prod-eu': 'eu', 'prod-us': '-' }],
    ['doNotDeploy after an earlier match does not apply', spec([
      { name: 'eu', clusterGroup: 'europe' },
      { name: 'skip-eu-prod', clusterName: 'prod-eu', doNotDeploy: true },
    ]), undefined, { 'dev-1': '-', 'edge-7': 'eu', 'prod-eu': 'eu', 'prod-us': '-' }],
    ['customization by clusterGroup (group selector uses In)', spec([{ name: 'p', clusterGroup: 'production' }]), undefined, { 'dev-1': '-', 'edge-7': '-', 'prod-eu': 'p', 'prod-us': 'p' }],
    ['customization by clusterName', spec([{ name: 'one', clusterName: 'prod-us' }]), undefined, { 'dev-1': '-', 'edge-7': '-', 'prod-eu': '-', 'prod-us': 'one' }],
    ['customization with no criteria matches nothing', spec([{ name: 'all?' }]), undefined, { 'dev-1': '-', 'edge-7': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['unnamed customizations get Fleet names target000…', spec([{ clusterName: 'x' }, { clusterName: 'dev-1' }]), undefined, { 'dev-1': 'target001', 'edge-7': '-', 'prod-eu': '-', 'prod-us': '-' }],
    ['rules and customizations together', spec([{ name: 'eu', clusterGroup: 'europe' }]), [{ clusterGroup: 'production' }], { 'prod-eu': 'eu', 'prod-us': '-' }],
    ['customizations do not widen the rules', spec([{ name: 'dev', clusterName: 'dev-1' }]), [{ clusterName: 'prod-us' }], { 'prod-us': '-' }],
  ];
  for (const [name, s, rules, want] of table) {
    it(name, () => assert.deepEqual(summary(s, rules), want));
  }
});

describe('resolveTargets: resolved options', () => {
  const base = spec(
    [
      { name: 'eu', clusterGroup: 'europe', namespace: 'eu-ns', yaml: { overlays: ['eu'] }, kustomize: { dir: 'k/eu' } },
      { name: 'dev', clusterName: 'dev-1', defaultNamespace: 'dev-default' },
    ],
    { namespace: 'base-ns', defaultNamespace: 'base-default', yaml: { overlays: ['common'] } },
  );

  it('bundle options apply when no customization matched', () => {
    const [t] = resolveTargets(base, [{ name: 'prod-us', labels: { env: 'prod', region: 'us' } }], groups);
    assert.deepEqual(t, {
      cluster: 'prod-us',
      variant: { overlays: ['common'] },
      targetNamespace: 'base-ns',
      defaultNamespace: 'base-default',
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      ignoreDifferences: [],
      takeOwnership: true,
    });
  });

  it('a customization overrides namespace and kustomize.dir and appends overlays (Fleet options.Merge)', () => {
    const [t] = resolveTargets(base, [{ name: 'prod-eu', labels: { env: 'prod', region: 'eu' } }], groups);
    assert.deepEqual(t, {
      cluster: 'prod-eu',
      customization: 'eu',
      variant: { overlays: ['common', 'eu'], kustomizeDir: 'k/eu' },
      targetNamespace: 'eu-ns',
      defaultNamespace: 'base-default',
      syncPolicy: { automated: true, prune: true, selfHeal: true },
      ignoreDifferences: [],
      takeOwnership: true,
    });
  });

  it('only the fields a customization sets change', () => {
    const [t] = resolveTargets(base, [{ name: 'dev-1', labels: { env: 'dev' } }], groups);
    assert.equal(t?.customization, 'dev');
    assert.equal(t?.targetNamespace, 'base-ns');
    assert.equal(t?.defaultNamespace, 'dev-default');
    assert.deepEqual(t?.variant, { overlays: ['common'] });
  });

  it('sync policy: gitfleet.syncPolicy with absent fields true', () => {
    const [t] = resolveTargets(spec([], { syncPolicy: { prune: false } }), [clusters[0]!], []);
    assert.deepEqual(t?.syncPolicy, { automated: true, prune: false, selfHeal: true });
  });

  const rule = (kind: string, jsonPointers: string[], extra: Partial<ResolvedIgnoreRule> = {}): ResolvedIgnoreRule =>
    ({ group: '', kind, namespace: '', name: '', jsonPointers, managers: [], ...extra });
  const policyTable: Array<[string, BundleSpec, string, { automated: boolean; prune: boolean; selfHeal: boolean }, ResolvedIgnoreRule[]]> = [
    ['no policy anywhere → all true (our defaults, also for Fleet bundles without correctDrift)', spec([]), 'prod-eu',
      { automated: true, prune: true, selfHeal: true }, []],
    ['bundle policy applies to clusters without a customization', spec([{ name: 'x', clusterName: 'dev-1', syncPolicy: { automated: false } }], { syncPolicy: { selfHeal: false } }), 'prod-eu',
      { automated: true, prune: true, selfHeal: false }, []],
    ['customization overrides field by field, the rest inherited', spec([{ name: 'x', clusterName: 'prod-eu', syncPolicy: { automated: false, selfHeal: true } }], { syncPolicy: { selfHeal: false, prune: false } }), 'prod-eu',
      { automated: false, prune: false, selfHeal: true }, []],
    ['first matching customization wins for policy too', spec([
      { name: 'eu', clusterGroup: 'europe', syncPolicy: { prune: false } },
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } }, syncPolicy: { automated: false } },
    ]), 'prod-eu', { automated: true, prune: false, selfHeal: true }, []],
    ['ignore rules: customization rules appended, same selector replaced in place', spec(
      [{ name: 'x', clusterName: 'prod-eu', ignoreDifferences: [{ kind: 'B', jsonPointers: ['/b2'] }, { group: 'apps', kind: 'Deployment', managers: ['hpa'] }] }],
      { ignoreDifferences: [{ kind: 'A', jsonPointers: ['/a'] }, { kind: 'B', jsonPointers: ['/b'] }] },
    ), 'prod-eu', { automated: true, prune: true, selfHeal: true }, [
      rule('A', ['/a']), rule('B', ['/b2']), rule('Deployment', [], { group: 'apps', managers: ['hpa'] }),
    ]],
    ['ignore rules: bundle rules only where no customization matched', spec(
      [{ name: 'x', clusterName: 'prod-eu', ignoreDifferences: [{ kind: 'C' }] }],
      { ignoreDifferences: [{ kind: 'A', jsonPointers: ['/a'] }] },
    ), 'prod-us', { automated: true, prune: true, selfHeal: true }, [rule('A', ['/a'])]],
  ];
  for (const [name, s, cluster, wantPolicy, wantRules] of policyTable) {
    it(`sync options: ${name}`, () => {
      const t = resolveTargets(s, clusters, groups).find((x) => x.cluster === cluster);
      assert.deepEqual(t?.syncPolicy, wantPolicy);
      assert.deepEqual(t?.ignoreDifferences, wantRules);
    });
  }

  it('sync options from a parsed Fleet fleet.yaml: correctDrift / keepResources / comparePatches per customization', () => {
    const { spec: parsed } = parseFleetYaml([
      'correctDrift: {enabled: false}',
      'diff: {comparePatches: [{apiVersion: v1, kind: Service, operations: [{op: remove, path: /spec/clusterIP}]}]}',
      'targetCustomizations:',
      '- name: prod',
      '  clusterSelector: {matchLabels: {env: prod}}',
      '  correctDrift: {enabled: true}',
      '  keepResources: true',
      '  diff: {comparePatches: [{apiVersion: v1, kind: Service, jsonPointers: [/spec/ports]}]}',
    ].join('\n'), 'fleet.yaml');
    const byCluster = Object.fromEntries(resolveTargets(parsed, clusters, groups).map((t) => [t.cluster, t]));
    assert.deepEqual(byCluster['dev-1']?.syncPolicy, { automated: true, prune: true, selfHeal: false });
    assert.deepEqual(byCluster['dev-1']?.ignoreDifferences, [rule('Service', ['/spec/clusterIP'])]);
    assert.deepEqual(byCluster['prod-eu']?.syncPolicy, { automated: true, prune: false, selfHeal: true });
    assert.deepEqual(byCluster['prod-eu']?.ignoreDifferences, [rule('Service', ['/spec/ports'])]);
  });

  it('takeOwnership: resolved helm.takeOwnership for Helm bundles (default false), true for the rest', () => {
    const cases: Array<[string, BundleSpec, Record<string, boolean>]> = [
      ['plain YAML bundle', spec([]), { 'dev-1': true, 'prod-eu': true }],
      ['YAML bundle with a stray helm.takeOwnership: false', spec([], { helm: { takeOwnership: false } }), { 'dev-1': true, 'prod-eu': true }],
      ['Helm bundle, unset', spec([], { helm: { chart: 'chart' } }), { 'dev-1': false, 'prod-eu': false }],
      ['Helm bundle, true', spec([], { helm: { chart: 'chart', takeOwnership: true } }), { 'dev-1': true, 'prod-eu': true }],
      [
        'Helm bundle, customization overrides',
        spec([{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } }, helm: { takeOwnership: false } }], { helm: { chart: 'chart', takeOwnership: true } }),
        { 'dev-1': true, 'prod-eu': false },
      ],
      [
        'chart only in the customization',
        spec([{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } }, helm: { chart: 'chart' } }]),
        { 'dev-1': true, 'prod-eu': false },
      ],
    ];
    for (const [name, s, want] of cases) {
      const got = Object.fromEntries(resolveTargets(s, clusters, groups).filter((t) => t.cluster in want).map((t) => [t.cluster, t.takeOwnership]));
      assert.deepEqual(got, want, name);
    }
  });

  it('namespaceLabels / namespaceAnnotations: the customization\'s keys merged over the bundle\'s (Fleet options.Merge)', () => {
    const { spec: parsed } = parseFleetYaml([
      'defaultNamespace: shop',
      'namespaceLabels: {team: payments, tier: web}',
      'namespaceAnnotations: {owner: pay}',
      'targetCustomizations:',
      '- {name: prod, clusterSelector: {matchLabels: {env: prod}}, namespaceLabels: {tier: gold, pci: "true"}}',
      '- {name: edge, clusterName: edge-7, namespaceAnnotations: {owner: edge-team, site: "7"}}',
    ].join('\n'), 'f/fleet.yaml');
    const table: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['dev-1', { team: 'payments', tier: 'web' }, { owner: 'pay' }],
      ['prod-eu', { team: 'payments', tier: 'gold', pci: 'true' }, { owner: 'pay' }],
      ['edge-7', { team: 'payments', tier: 'web' }, { owner: 'edge-team', site: '7' }],
    ];
    const byCluster = new Map(resolveTargets(parsed, clusters, groups).map((t) => [t.cluster, t]));
    for (const [cluster, labels, annotations] of table) {
      assert.deepEqual(byCluster.get(cluster)?.namespaceLabels, labels, `${cluster} labels`);
      assert.deepEqual(byCluster.get(cluster)?.namespaceAnnotations, annotations, `${cluster} annotations`);
    }
    assert.deepEqual(parsed.namespaceLabels, { team: 'payments', tier: 'web' }, 'the bundle\'s map is not mutated by the merge');
    const [none] = resolveTargets(spec([{ clusterName: 'dev-1', namespaceLabels: {} }]), [clusters[1]!], groups);
    assert.equal(Object.hasOwn(none!, 'namespaceLabels') || Object.hasOwn(none!, 'namespaceAnnotations'), false, 'absent when empty');
  });

  it('paused bundles still resolve', () => {
    assert.equal(resolveTargets(spec([], { paused: true }), clusters, groups).length, 4);
  });

  it('does not mutate its inputs', () => {
    const s = structuredClone(base);
    const cs = structuredClone(clusters);
    resolveTargets(s, cs, groups);
    assert.deepEqual(s, base);
    assert.deepEqual(cs, clusters);
  });

  it('throws on an invalid selector operator', () => {
    assert.throws(() => resolveTargets(spec([{ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Bad' as 'In' }] } }]), clusters, []), /invalid operator/);
  });
});
