// Fleet namespaceLabels / namespaceAnnotations through the publishing model (issue #11): draft →
// samePublication (a change republishes) → DesiredState (what the agent gets, signed bytes stable).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DesiredStateSchema, signingPayload, toBinary } from '@gitfleet/proto';
import type { ResolvedTarget } from '../targeting/index.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { desiredStateOf, samePublication, targetDraftOf } from './desired-state.js';

const resolved = (over: Partial<ResolvedTarget> = {}): ResolvedTarget => ({
  cluster: 'c1', variant: { overlays: [] }, syncPolicy: { automated: true, prune: true, selfHeal: true }, ignoreDifferences: [], takeOwnership: true, ...over,
});
/** The row the publisher would store for a draft (generation and time fixed). */
const rowOf = (t: ResolvedTarget): TargetEntity => ({ ...targetDraftOf('src', 'src-web', 'r1', t, 'sha256-1'), generation: 3, publishedAt: new Date(0), syncRequest: 0 });

describe('namespace labels and annotations: draft, republish, DesiredState', () => {
  it('the draft carries them ({} when the target has none)', () => {
    const d = targetDraftOf('src', 'src-web', 'r1', resolved({ namespaceLabels: { team: 'a' }, namespaceAnnotations: { note: 'x' } }), 'sha256-1');
    assert.deepEqual([d.namespaceLabels, d.namespaceAnnotations], [{ team: 'a' }, { note: 'x' }]);
    const none = targetDraftOf('src', 'src-web', 'r1', resolved(), 'sha256-1');
    assert.deepEqual([none.namespaceLabels, none.namespaceAnnotations], [{}, {}]);
  });

  const prev = rowOf(resolved({ namespaceLabels: { team: 'a', tier: 'web' }, namespaceAnnotations: { note: 'x' } }));
  const cases: Array<[string, Partial<ResolvedTarget>, boolean]> = [
    ['same maps, other key order', { namespaceLabels: { tier: 'web', team: 'a' }, namespaceAnnotations: { note: 'x' } }, true],
    ['a label value changed', { namespaceLabels: { team: 'b', tier: 'web' }, namespaceAnnotations: { note: 'x' } }, false],
    ['a label dropped', { namespaceLabels: { team: 'a' }, namespaceAnnotations: { note: 'x' } }, false],
    ['a label added', { namespaceLabels: { team: 'a', tier: 'web', pci: 'true' }, namespaceAnnotations: { note: 'x' } }, false],
    ['annotations removed', { namespaceLabels: { team: 'a', tier: 'web' } }, false],
    ['labels and annotations gone', {}, false],
  ];
  for (const [name, over, same] of cases) {
    it(`samePublication: ${name} → ${same ? 'not republished' : 'republished'}`, () => {
      assert.equal(samePublication(prev, targetDraftOf('src', 'src-web', 'r1', resolved(over), 'sha256-1')), same);
    });
  }

  it('a row stored before the columns existed (fields absent) equals a draft without them', () => {
    const old: TargetEntity = { ...rowOf(resolved()) };
    delete old.namespaceLabels;
    delete old.namespaceAnnotations;
    assert.equal(samePublication(old, targetDraftOf('src', 'src-web', 'r1', resolved(), 'sha256-1')), true);
    assert.deepEqual(desiredStateOf(old, 'web').namespaceLabels, {});
  });

  it('the DesiredState carries them; its signed bytes do not depend on the key order the row came back in', () => {
    const a = desiredStateOf(rowOf(resolved({ namespaceLabels: { b: '2', a: '1' }, namespaceAnnotations: { y: 'n', x: 'm' } })), 'web');
    const b = desiredStateOf(rowOf(resolved({ namespaceLabels: { a: '1', b: '2' }, namespaceAnnotations: { x: 'm', y: 'n' } })), 'web');
    assert.deepEqual(a.namespaceLabels, { a: '1', b: '2' });
    assert.deepEqual(a.namespaceAnnotations, { x: 'm', y: 'n' });
    assert.deepEqual(signingPayload(a), signingPayload(b));
    assert.notDeepEqual(toBinary(DesiredStateSchema, a), toBinary(DesiredStateSchema, desiredStateOf(rowOf(resolved()), 'web')), 'the maps are on the wire');
  });
});
