import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTRACT_VERSION, create, DesiredStateSchema, toBinary } from '@gitfleet/proto';
import { TerminalError } from '../errors.js';
import { checkPreviewDesired, decodeDesired, effectiveSyncPolicy, generationRefusal, type RecordedGeneration } from './desired.js';

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
    ['an empty digest without withdrawn', bytes({ digest: '' }), /invalid digest ""/],
    ['a tombstone with a digest', bytes({ withdrawn: true }), /a tombstone \(withdrawn=true\) must have an empty digest/],
    ['a preview desired state (only ever dry-run)', bytes({ preview: true }), /a preview desired state \(preview=true, generation 2\) is only ever dry-run, never applied; refused/],
    ['a preview tombstone', bytes({ preview: true, withdrawn: true, digest: '' }), /a preview desired state .* never applied/],
  ];
  it('accepts a tombstone: withdrawn with an empty digest', () => {
    const d = decodeDesired('spoke1', 'demo', bytes({ digest: '', withdrawn: true, withdrawalReason: 'dir left Git', generation: 3n }));
    assert.deepEqual([d.withdrawn, d.digest, d.withdrawalReason, d.generation], [true, '', 'dir left Git', 3n]);
  });
  for (const [name, value, message] of bad) {
    it(`refuses ${name} (terminal)`, () => {
      assert.throws(() => decodeDesired('spoke1', 'demo', value), (err: Error) => err instanceof TerminalError && message.test(err.message));
    });
  }
});

describe('checkPreviewDesired', () => {
  const msg = (over: Record<string, unknown> = {}) => create(DesiredStateSchema, { contractVersion: CONTRACT_VERSION, cluster: 'spoke1', bundleId: 'demo', digest, generation: 2n, preview: true, ...over });
  it('accepts a preview desired state and a preview tombstone for this cluster and bundle', () => {
    assert.equal(checkPreviewDesired('spoke1', 'demo', msg()).digest, digest);
    assert.equal(checkPreviewDesired('spoke1', 'demo', msg({ withdrawn: true, digest: '' })).withdrawn, true);
  });
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a desired state without preview', { preview: false }, /preview is not set/],
    ['another cluster', { cluster: 'spoke2' }, /cluster "spoke2" does not match/],
    ['another bundle id', { bundleId: 'other' }, /bundle_id "other" does not match/],
    ['a malformed digest', { digest: 'sha256-xyz' }, /invalid digest "sha256-xyz"/],
  ];
  for (const [name, over, message] of bad) {
    it(`refuses ${name} (terminal)`, () => {
      assert.throws(() => checkPreviewDesired('spoke1', 'demo', msg(over)), (err: Error) => err instanceof TerminalError && message.test(err.message));
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

describe('generationRefusal', () => {
  const rec = (generation: string, withdrawn?: boolean): RecordedGeneration => ({ generation, ...(withdrawn ? { withdrawn } : {}) });
  const cases: Array<{ name: string; desired: { generation: bigint; withdrawn: boolean }; recorded: RecordedGeneration | null; want: RegExp | undefined }> = [
    { name: 'first sight of a target', desired: { generation: 1n, withdrawn: false }, recorded: null, want: undefined },
    { name: 'a newer generation', desired: { generation: 5n, withdrawn: false }, recorded: rec('4'), want: undefined },
    { name: 'the same generation (a replay)', desired: { generation: 4n, withdrawn: false }, recorded: rec('4'), want: undefined },
    { name: 'an older generation', desired: { generation: 3n, withdrawn: false }, recorded: rec('4'), want: /^generation 3 is older than the last verified generation 4; refused \(replayed\?\)$/ },
    { name: 'an older tombstone', desired: { generation: 3n, withdrawn: true }, recorded: rec('4'), want: /generation 3 is older than the last verified generation 4/ },
    { name: 'an older state after a withdrawal', desired: { generation: 6n, withdrawn: false }, recorded: rec('7', true), want: /generation 6 is older than the last verified generation 7/ },
    { name: 'the tombstone again', desired: { generation: 7n, withdrawn: true }, recorded: rec('7', true), want: undefined },
    { name: 'a normal state of the tombstone\'s generation', desired: { generation: 7n, withdrawn: false }, recorded: rec('7', true), want: /generation 7 was withdrawn by a signed tombstone/ },
    { name: 're-published after a withdrawal', desired: { generation: 8n, withdrawn: false }, recorded: rec('7', true), want: undefined },
    { name: 'an older document without a generation', desired: { generation: 1n, withdrawn: false }, recorded: rec(''), want: undefined },
    { name: 'int64 beyond 2^53', desired: { generation: 9007199254740993n, withdrawn: false }, recorded: rec('9007199254740994'), want: /older than/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = generationRefusal(c.desired, c.recorded);
      if (c.want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', c.want);
    });
  }
});
