import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { strictMock } from '../testing/strict-mock.js';
import type { BundleGcRepository } from './bundle-gc.repository.js';
import { BundleGcService } from './bundle-gc.service.js';
import type { PublishingRepository } from './publishing.repository.js';

Logger.overrideLogger(false);

const NOW = new Date('2026-01-01T12:00:00Z');
const LONG_AGO = new Date('2026-01-01T10:00:00Z');

function build(opts: { objects: string[]; dbRefs: string[][]; published: string[][]; since: Record<string, Date>; lease?: boolean }) {
  let dbCall = 0;
  let kvCall = 0;
  const gc = strictMock<BundleGcRepository>('gc', {
    withLease: async <T>(fn: () => Promise<T>) => (opts.lease === false ? undefined : fn()),
    referencedDigests: async () => new Set(opts.dbRefs[Math.min(dbCall++, opts.dbRefs.length - 1)]),
    markUnreferenced: async (unreferenced: string[]) => new Map(unreferenced.filter((d) => opts.since[d]).map((d) => [d, opts.since[d]!] as const)),
    forgetCandidates: async () => undefined,
  });
  const publishing = strictMock<PublishingRepository>('publishing', {
    listBundleObjects: async () => opts.objects.map((digest) => ({ digest, mtime: LONG_AGO, size: 1 })),
    publishedDigests: async () => new Set(opts.published[Math.min(kvCall++, opts.published.length - 1)]),
    deleteBundleObject: async () => undefined,
  });
  return { service: new BundleGcService(gc, publishing, { bundleGcGraceMs: 3_600_000, bundleGcIntervalMs: 1000 }), gc, publishing };
}

const deleted = (t: ReturnType<typeof build>) => t.publishing.deleteBundleObject.mock.calls.map((c) => c.arguments[0]);

describe('BundleGcService.runOnce', () => {
  it('deletes only objects unreferenced (database and KV) for the grace period', async () => {
    const t = build({ objects: ['a', 'b', 'c', 'd'], dbRefs: [['a']], published: [['b']], since: { c: LONG_AGO, d: new Date(NOW.getTime() - 1000) } });
    assert.deepEqual(await t.service.runOnce(NOW), { objects: 4, unreferenced: 2, deleted: ['c'] });
    assert.deepEqual(deleted(t), ['c']);
    assert.deepEqual(t.gc.markUnreferenced.mock.calls[0]!.arguments[0], ['c', 'd']);
    assert.deepEqual(t.gc.forgetCandidates.mock.calls[0]!.arguments[0], ['c']);
  });

  it('keeps an object that became referenced between the first read and the delete', async () => {
    const t = build({ objects: ['c'], dbRefs: [[], []], published: [[], ['c']], since: { c: LONG_AGO } });
    assert.deepEqual((await t.service.runOnce(NOW))?.deleted, []);
    assert.deepEqual(deleted(t), []);
  });

  it('does nothing while another replica holds the lease', async () => {
    const t = build({ objects: ['c'], dbRefs: [[]], published: [[]], since: { c: LONG_AGO }, lease: false });
    assert.equal(await t.service.runOnce(NOW), undefined);
    assert.equal(t.publishing.listBundleObjects.mock.callCount(), 0);
  });
});
