import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTRACT_VERSION, create, DesiredStateSchema, toBinary } from '@gitfleet/proto';
import { TerminalError } from '../errors.js';
import { decodeDesired, effectiveSyncPolicy } from './desired.js';

const digest = `sha256-${'a'.repeat(64)}`;
const bytes = (over: Record<string, unknown> = {}) =>
  toBinary(DesiredStateSchema, create(DesiredStateSchema, { contractVersion: CONTRACT_VERSION, cluster: 'spoke1', bundleId: 'demo', digest, generation: 2n, ...over }));

describe('decodeDesired', () => {
  it('accepts a valid desired state', () => {
    const d = decodeDesired('spoke1', 'demo', bytes());
    assert.equal(d.digest, digest);
    assert.equal(d.generation, 2n);
  });
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['an incompatible contract', bytes({ contractVersion: '2.0.0' }), /incompatible contract_version "2.0.0"/],
    ['an empty contract', bytes({ contractVersion: '' }), /incompatible contract_version ""/],
    ['another cluster', bytes({ cluster: 'spoke2' }), /cluster "spoke2" does not match/],
    ['another bundle id', bytes({ bundleId: 'other' }), /bundle_id "other" does not match/],
    ['a malformed digest', bytes({ digest: 'sha256-xyz' }), /invalid digest "sha256-xyz"/],
    ['garbage', new Uint8Array([0xff, 0xff]), /cannot decode DesiredState/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses ${name} (terminal)`, () => {
      assert.throws(() => decodeDesired('spoke1', 'demo', value), (err: Error) => err instanceof TerminalError && message.test(err.message));
    });
  }
});

describe('effectiveSyncPolicy', () => {
  it('defaults to all true without a policy', () => {
    assert.deepEqual(effectiveSyncPolicy(create(DesiredStateSchema, {})), { automated: true, prune: true, selfHeal: true });
  });
  it('keeps a given policy', () => {
    const d = create(DesiredStateSchema, { syncPolicy: { automated: true, prune: false, selfHeal: true } });
    assert.deepEqual(effectiveSyncPolicy(d), { automated: true, prune: false, selfHeal: true });
  });
});
