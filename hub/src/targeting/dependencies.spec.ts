import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyHold, dependencyState, type DependencyCandidate, type DependencyTarget } from './dependencies.js';

const published = { generation: 3, digest: 'sha256-a' };
const report = (over: Partial<NonNullable<DependencyTarget['report']>> = {}): DependencyTarget => ({
  ...published,
  report: { generation: 3, digest: 'sha256-a', state: 'Synced', syncStatus: 'Synced', health: 'Healthy', applied: true, ...over },
});

describe('dependencyState (Fleet BundleState of a target)', () => {
  const table: Array<[string, DependencyTarget | undefined, string]> = [
    ['no target on the cluster', undefined, 'Pending'],
    ['published, no report yet', { ...published }, 'WaitApplied'],
    ['a report of an older generation', report({ generation: 2 }), 'WaitApplied'],
    ['a report of another digest', report({ digest: 'sha256-b' }), 'WaitApplied'],
    ['the current generation failed', report({ state: 'Failed', applied: false }), 'ErrApplied'],
    ['applied, drifted', report({ syncStatus: 'OutOfSync' }), 'Modified'],
    ['applied, Progressing', report({ health: 'Progressing' }), 'NotReady'],
    ['applied, Degraded', report({ health: 'Degraded' }), 'NotReady'],
    ['applied, Synced, Healthy', report(), 'Ready'],
  ];
  for (const [name, t, want] of table) it(`${name} → ${want}`, () => assert.equal(dependencyState(t), want));
});

describe('dependencyHold', () => {
  const bundles: DependencyCandidate[] = [
    { id: 'src-db', name: 'db', labels: { tier: 'data' } },
    { id: 'src-cache', name: 'cache', labels: { tier: 'data' } },
    { id: 'src-app', name: 'app', labels: {} },
  ];
  const ready = report();
  const notReady = report({ health: 'Progressing' });
  it('no dependsOn: proceeds', () => assert.equal(dependencyHold('src-app', [], bundles, () => undefined), undefined));
  it('by bundle id, Ready: proceeds', () => assert.equal(dependencyHold('src-app', [{ name: 'src-db' }], bundles, () => ready), undefined));
  it('by fleet.yaml name, not Ready: waits, naming the bundle and its state', () =>
    assert.equal(dependencyHold('src-app', [{ name: 'db' }], bundles, () => notReady), 'depends on bundle "src-db", which is NotReady on this cluster (accepted: Ready)'));
  it('acceptedStates widens what lets it proceed', () =>
    assert.equal(dependencyHold('src-app', [{ name: 'db', acceptedStates: ['Ready', 'NotReady'] }], bundles, () => notReady), undefined));
  it('a selector: every selected bundle must be accepted', () =>
    assert.equal(dependencyHold('src-app', [{ selector: { matchLabels: { tier: 'data' } } }], bundles, (id) => (id === 'src-db' ? ready : undefined)), 'depends on bundle "src-cache", which is Pending on this cluster (accepted: Ready)'));
  it('a dependency that does not exist: waits', () =>
    assert.equal(dependencyHold('src-app', [{ name: 'nope' }], bundles, () => ready), 'depends on bundle "nope", which does not exist'));
  it('a bundle never depends on itself through a selector', () =>
    assert.equal(dependencyHold('src-db', [{ selector: { matchLabels: { tier: 'data' } } }], bundles, (id) => (id === 'src-cache' ? ready : undefined)), undefined));
});
