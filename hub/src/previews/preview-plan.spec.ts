import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetDraft } from '../deployments/desired-state.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { compareTargets, type PreviewBundle, publicationChanges } from './preview-plan.js';

const D1 = `sha256-${'1'.repeat(64)}`;
const D2 = `sha256-${'2'.repeat(64)}`;
const REV = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const policy = { automated: true, prune: true, selfHeal: true };

const published = (cluster: string, bundleId: string, over: Partial<TargetEntity> = {}): TargetEntity => ({
  cluster, bundleId, source: 'src', revision: 'aaaaaaaaaaaa', digest: D1, generation: 4, targetNamespace: '', defaultNamespace: '',
  syncPolicy: { ...policy }, publishedAt: new Date(0), ignoreDifferences: [], syncRequest: 0, takeOwnership: true, ...over,
});
const draft = (cluster: string, bundleId: string, over: Partial<TargetDraft> = {}): TargetDraft => ({
  cluster, bundleId, source: 'src', revision: REV, digest: D1, targetNamespace: '', defaultNamespace: '',
  syncPolicy: { ...policy }, ignoreDifferences: [], takeOwnership: true, namespaceLabels: {}, namespaceAnnotations: {}, ...over,
});
const ready = (id: string, drafts: TargetDraft[], path = id): PreviewBundle => ({ id, path, state: 'Ready', drafts });

/** `cluster/bundle change` lines of a comparison, with the reason when there is one. */
function lines(input: Parameters<typeof compareTargets>[0]): string[] {
  return compareTargets(input).map((c) => `${c.cluster}/${c.bundleId} ${c.change}${c.reason ? `: ${c.reason}` : ''}`);
}

describe('compareTargets (a revision\'s targets against the published ones)', () => {
  const none = new Map<string, string>();
  // [case, bundles of the revision, published targets, gone bundles, expected lines]
  const table: Array<[string, PreviewBundle[], TargetEntity[], Array<{ id: string; path: string }>, string[]]> = [
    ['a new bundle: added on each resolved cluster', [ready('web', [draft('c1', 'web'), draft('c2', 'web')])], [], [], ['c1/web added', 'c2/web added']],
    ['same digest and options at a new revision: unchanged', [ready('web', [draft('c1', 'web')])], [published('c1', 'web')], [], ['c1/web unchanged']],
    ['a new render: changed, saying what differs', [ready('web', [draft('c1', 'web', { digest: D2 })])], [published('c1', 'web')], [],
      [`c1/web changed: content ${D1.slice(0, 19)}… → ${D2.slice(0, 19)}…`]],
    ['a cluster no longer targeted: withdrawn with the pipeline\'s reason', [ready('web', [draft('c1', 'web')])], [published('c1', 'web'), published('c2', 'web')], [],
      ['c1/web unchanged', 'c2/web withdrawn: cluster c2 is no longer targeted by bundle web at bbbbbbb']],
    ['a bundle gone from Git: every target withdrawn', [ready('web', [draft('c1', 'web')])], [published('c1', 'web'), published('c1', 'db'), published('c3', 'db')], [{ id: 'db', path: 'apps/db' }],
      ['c1/db withdrawn: bundle directory apps/db left Git at bbbbbbb', 'c1/web unchanged', 'c3/db withdrawn: bundle directory apps/db left Git at bbbbbbb']],
    ['a failed bundle: its targets kept, none added or withdrawn', [{ id: 'web', path: 'web', state: 'Failed', errors: [{ file: 'web/a.yaml', message: 'bad' }] }], [published('c1', 'web')], [],
      ['c1/web kept: bundle failed at bbbbbbb: kept on its last good revision aaaaaaa']],
    ['a paused bundle: published targets kept, nothing added', [{ id: 'web', path: 'web', state: 'Paused', drafts: [draft('c1', 'web', { digest: D2 }), draft('c2', 'web')] }], [published('c1', 'web')], [],
      ['c1/web kept: bundle paused: targeted but not deployed']],
    ['a bundle not identified at the revision: kept as published', [], [published('c1', 'odd')], [],
      ['c1/odd kept: bundle not identified at this revision (no id, or an id claimed twice): kept as published']],
    ['one bundle moving between clusters', [ready('web', [draft('c2', 'web', { digest: D2 }), draft('c3', 'web')])], [published('c1', 'web'), published('c2', 'web')], [],
      ['c1/web withdrawn: cluster c1 is no longer targeted by bundle web at bbbbbbb', `c2/web changed: content ${D1.slice(0, 19)}… → ${D2.slice(0, 19)}…`, 'c3/web added']],
  ];
  for (const [name, bundles, pub, gone, want] of table) {
    it(name, () => assert.deepEqual(lines({ revision: REV, bundles, published: pub, gone, knownPaths: none }), want));
  }

  it('lists every published target exactly once', () => {
    const pub = [published('c1', 'web'), published('c2', 'web'), published('c1', 'db')];
    const out = compareTargets({ revision: REV, bundles: [ready('web', [draft('c1', 'web')])], published: pub, gone: [{ id: 'db', path: 'db' }], knownPaths: none });
    assert.deepEqual(out.map((c) => `${c.cluster}/${c.bundleId}`).sort(), ['c1/db', 'c1/web', 'c2/web']);
    assert.ok(out.every((c) => c.change === 'added' || c.published !== undefined), 'every non-added change names what is published');
  });
});

describe('publicationChanges', () => {
  const table: Array<[string, Partial<TargetDraft>, string[]]> = [
    ['nothing', {}, []],
    ['the namespace', { targetNamespace: 'apps' }, ['namespace "" → "apps"']],
    ['the default namespace', { defaultNamespace: 'web' }, ['defaultNamespace "" → "web"']],
    ['the sync policy', { syncPolicy: { automated: false, prune: true, selfHeal: true } }, ['sync policy automated=true prune=true selfHeal=true → automated=false prune=true selfHeal=true']],
    ['the ignore rules', { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', namespace: '', name: '', jsonPointers: ['/spec/replicas'], managers: [] }] }, ['ignore rules']],
    ['takeOwnership', { takeOwnership: false }, ['takeOwnership true → false']],
  ];
  for (const [name, over, want] of table) {
    it(name, () => assert.deepEqual(publicationChanges(published('c1', 'web'), draft('c1', 'web', over)), want));
  }
});
