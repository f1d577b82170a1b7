import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetEntity } from '../targets/target.entity.js';
import { desiredStateOf } from './desired-state.js';

const row = (over: Partial<TargetEntity> = {}): TargetEntity => ({
  cluster: 'c1', bundleId: 'src-web', source: 'src', revision: 'r1', digest: 'sha256-1', generation: 3, targetNamespace: '', defaultNamespace: '',
  syncPolicy: { automated: true, prune: true, selfHeal: true }, publishedAt: new Date(0), ignoreDifferences: [], syncRequest: 0, ...over,
});

describe('desiredStateOf: take_ownership', () => {
  const cases: Array<[string, boolean | undefined, boolean]> = [
    ['Helm bundle without takeOwnership', false, false],
    ['Helm bundle with takeOwnership', true, true],
    ['row without the field (non-Helm default)', undefined, true],
  ];
  for (const [name, stored, want] of cases) {
    it(name, () => assert.equal(desiredStateOf(row(stored === undefined ? {} : { takeOwnership: stored }), 'web').takeOwnership, want));
  }
});
