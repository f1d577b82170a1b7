import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTRACT_VERSION, create, DiffResponseSchema, fromBinary, toBinary } from '@gitfleet/proto';
import { fitDiffResponse } from './diff-responder.js';

const ref = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: `cm-${String(i).padStart(4, '0')}` });
const response = (objects: number, prune: number, orphaned: number) => create(DiffResponseSchema, {
  contractVersion: CONTRACT_VERSION,
  cluster: 'spoke1',
  bundleId: 'demo',
  revision: 'abc',
  preview: true,
  objects: Array.from({ length: objects }, (_, i) => ({ object: ref(i), missing: false, diffs: [{ path: '/data/k', desired: JSON.stringify('x'.repeat(200)), live: '"y"', manager: 'kubectl' }] })),
  prune: Array.from({ length: prune }, (_, i) => ref(10_000 + i)),
  orphaned: Array.from({ length: orphaned }, (_, i) => ref(20_000 + i)),
});

describe('fitDiffResponse', () => {
  it('leaves an answer that fits unchanged', () => {
    const r = response(3, 2, 1);
    assert.deepEqual(fitDiffResponse(r, 1024 * 1024), toBinary(DiffResponseSchema, r));
  });

  // [objects, prune, orphaned, limit in bytes]
  const cases: Array<[number, number, number, number]> = [
    [2000, 10, 10, 64 * 1024],
    [10, 5000, 5000, 32 * 1024],
    [100, 0, 0, 2048],
  ];
  for (const [objects, prune, orphaned, limit] of cases) {
    it(`cuts ${objects} objects, ${prune} prunes, ${orphaned} orphans to ${limit} bytes, keeping as many first entries as fit, and says so`, () => {
      const whole = response(objects, prune, orphaned);
      assert.ok(toBinary(DiffResponseSchema, whole).length > limit, 'the case must not fit');
      const bytes = fitDiffResponse(whole, limit);
      assert.ok(bytes.length <= limit, `${bytes.length} > ${limit}`);
      const r = fromBinary(DiffResponseSchema, bytes);
      const kept = r.objects.length + r.prune.length + r.orphaned.length;
      const total = objects + prune + orphaned;
      assert.equal(r.truncated, total - kept);
      assert.ok(kept > 0 || limit < 4096, 'keeps entries when some fit');
      // the first entries, in order: objects, then prune, then orphaned
      assert.deepEqual(r.objects.map((o) => o.object?.name), whole.objects.slice(0, r.objects.length).map((o) => o.object?.name));
      if (r.prune.length > 0) assert.equal(r.objects.length, objects);
      if (r.orphaned.length > 0) assert.equal(r.prune.length, prune);
      assert.deepEqual(r.errors, [`answer cut to fit the NATS max_payload of ${limit} bytes: ${total - kept} of ${total} objects left out`]);
      // maximal: one more entry would not fit
      const more = create(DiffResponseSchema, { ...r, truncated: r.truncated - 1 });
      const next = [...whole.objects, ...whole.prune.map((p) => ({ object: p })), ...whole.orphaned.map((p) => ({ object: p }))][kept];
      if (next) {
        if (r.objects.length < objects) more.objects = whole.objects.slice(0, r.objects.length + 1);
        else if (r.prune.length < prune) more.prune = whole.prune.slice(0, r.prune.length + 1);
        else more.orphaned = whole.orphaned.slice(0, r.orphaned.length + 1);
        assert.ok(toBinary(DiffResponseSchema, more).length > limit, 'one more entry would have fit');
      }
      assert.deepEqual([r.cluster, r.bundleId, r.revision, r.preview], ['spoke1', 'demo', 'abc', true]);
    });
  }
});
