import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BundleManifestSchema, bundleDigest, CONTRACT_VERSION, create, toBinary } from '@gitfleet/proto';
import { pino } from 'pino';
import { TerminalError, TransientError } from '../errors.js';
import { DeferredStatusSink } from './deferred-sink.js';
import { StateCache } from './state-cache.js';
import { type CachedTarget, DirStateStore, fromSecret, MAX_SECRET_RECORD_BYTES, RecordTooLargeError, stateName, toSecret } from './state-store.js';

const log = pino({ level: 'silent' });
const manifestBytes = (name: string) => toBinary(BundleManifestSchema, create(BundleManifestSchema, {
  contractVersion: CONTRACT_VERSION, bundleId: 'b', objects: [{ file: 'c.yaml', json: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }) }],
}));
const record = (bundleId: string, revision = 3): CachedTarget => {
  const bundle = manifestBytes(bundleId);
  return { bundleId, revision, desired: new Uint8Array([1, 2, 3]), digest: bundleDigest(bundle), bundle };
};

describe('state records', () => {
  it('round-trip through a Secret, gzip\'d, named by a hash of the bundle id', () => {
    const t = record('source-web');
    const s = toSecret(t, 'gitfleet-system');
    assert.equal(s.metadata.name, stateName('source-web'));
    assert.match(s.metadata.name, /^gitfleet-state-[0-9a-f]{20}$/);
    assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], 'gitfleet');
    const back = fromSecret(s);
    assert.deepEqual({ ...back, desired: [...back.desired], bundle: [...back.bundle] }, { ...t, desired: [...t.desired], bundle: [...t.bundle] });
  });
  it('refuses a record larger than a Secret holds', () => {
    const big = { ...record('big'), bundle: new Uint8Array(Buffer.from(Array.from({ length: 3 * MAX_SECRET_RECORD_BYTES }, () => Math.floor(Math.random() * 256)))) };
    assert.throws(() => toSecret(big, 'ns'), RecordTooLargeError);
  });
  it('names what is wrong with a bad Secret', () => {
    assert.throws(() => fromSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), /state Secret x: missing/);
  });
  it('round-trip through a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-state-'));
    try {
      const store = new DirStateStore(join(dir, 'sub'));
      assert.deepEqual(await store.loadAll(), { targets: [], errors: [] });
      await store.save(record('a'));
      await store.save(record('b', 7));
      await store.remove('a');
      const { targets } = await store.loadAll();
      assert.deepEqual(targets.map((t) => [t.bundleId, t.revision]), [['b', 7]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('StateCache', () => {
  it('serves kept bytes while NATS is not attached or fails transiently, verified by digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-state-'));
    try {
      const store = new DirStateStore(dir);
      const t = record('a');
      await store.save(t);
      const cache = new StateCache(store, log);
      assert.equal((await cache.load()).length, 1);
      assert.equal((await cache.fetch(t.digest)).objects.length, 1, 'not attached: from the cache');
      cache.attach({ fetch: () => Promise.reject(new TransientError('down')) });
      assert.equal((await cache.fetch(t.digest)).objects.length, 1, 'transient failure: from the cache');
      await assert.rejects(cache.fetch(`sha256-${'0'.repeat(64)}`), TransientError, 'unknown digest: the failure');
      cache.attach({ fetch: () => Promise.reject(new TerminalError('digest mismatch')) });
      await assert.rejects(cache.fetch(t.digest), TerminalError, 'a terminal failure is never papered over');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses kept bytes that do not match their digest', async () => {
    const t = { ...record('a'), bundle: manifestBytes('tampered') };
    const cache = new StateCache({ loadAll: () => Promise.resolve({ targets: [t], errors: [] }), save: () => Promise.resolve(), remove: () => Promise.resolve() }, log);
    await cache.load();
    await assert.rejects(cache.fetch(t.digest), /digest mismatch/);
  });
  it('remembers changed states only, with the fetched bytes; forgets deleted targets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-state-'));
    try {
      const store = new DirStateStore(dir);
      const cache = new StateCache(store, log);
      const t = record('a');
      cache.remember('a', 1, t.desired, t.digest);
      await cache.flush();
      assert.equal((await store.loadAll()).targets.length, 0, 'no bytes at hand: nothing recorded');
      cache.onFetched(t.digest, t.bundle);
      cache.remember('a', 1, t.desired, t.digest);
      await cache.flush();
      assert.deepEqual((await store.loadAll()).targets.map((x) => x.revision), [1]);
      cache.remember('a', 2, t.desired, t.digest);
      await cache.flush();
      assert.deepEqual((await store.loadAll()).targets.map((x) => x.revision), [2]);
      cache.forget('a');
      await cache.flush();
      assert.equal((await store.loadAll()).targets.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DeferredStatusSink', () => {
  it('buffers until attached, then forwards in order', () => {
    const sink = new DeferredStatusSink(2);
    const got: string[] = [];
    const r = (id: string) => ({ reportId: id }) as never;
    sink.enqueue(r('1'));
    sink.enqueue(r('2'));
    sink.enqueue(r('3'));
    assert.equal(sink.buffered, 2, 'bounded: the oldest dropped');
    sink.attach({ enqueue: (x) => got.push((x as { reportId: string }).reportId) });
    sink.enqueue(r('4'));
    assert.deepEqual(got, ['2', '3', '4']);
  });
});
