// Bundle object GC and kept revisions on a real nats-server (JetStream object store + KV) and a real PostgreSQL.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { create, DesiredStateSchema, desiredStateKey } from '@gitfleet/proto';
import { dataSourceOptions } from '../src/data-source.js';
import { connectAndEnsure, type NatsResources } from '../src/nats/nats.service.js';
import { BundleGcRepository } from '../src/publishing/bundle-gc.repository.js';
import { BundleGcService } from '../src/publishing/bundle-gc.service.js';
import { PublishingRepository } from '../src/publishing/publishing.repository.js';
import { StatusRepository, type StatusRecord } from '../src/targets/status.repository.js';
import { createTempDatabase, waitFor, NatsServer, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

Logger.overrideLogger(false);

/** GC timing of the test: a run every 200 ms, objects deleted 1.5 s after they became unreferenced. */
const INTERVAL_MS = 200;
const GRACE_MS = 1500;
const KEEP = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function applied(digest: string, generation: number, observedAt: Date): StatusRecord {
  return {
    reportId: `r-${digest}-${generation}`, cluster: 'c1', bundleId: 'src-web', revision: `rev-${digest}`, digest, generation, state: 'Synced',
    resources: [], errors: [], timings: null, observedAt, receivedAt: observedAt, syncStatus: 'Synced', health: 'Healthy', healthMessage: '',
    drift: [], orphaned: [], trigger: 'update', syncRequest: 0, applied: true,
  };
}

describe('bundle object GC and kept revisions (real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let nats: NatsServer;
  let res: NatsResources;
  let publishing: PublishingRepository;
  let statuses: StatusRepository;
  let gc: BundleGcService;

  const stored = async () => new Set((await publishing.listBundleObjects()).map((o) => o.digest));
  const put = (digest: string) => publishing.putBundleIfAbsent(digest, new TextEncoder().encode(`bundle ${digest}`));

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    ds = new DataSource({ ...dataSourceOptions(db.url), logging: false });
    await ds.initialize();
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    res = await connectAndEnsure([nats.url], 'gitfleet-hub-test');
    publishing = new PublishingRepository({ resources: res });
    statuses = new StatusRepository(ds, { keepRevisions: KEEP });
    gc = new BundleGcService(new BundleGcRepository(ds), publishing, { bundleGcGraceMs: GRACE_MS, bundleGcIntervalMs: INTERVAL_MS });
  });

  after(async () => {
    await gc?.onApplicationShutdown();
    await res?.nc.close();
    await nats?.dispose();
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps the last N applied revisions per target, newest first', async () => {
    const t0 = Date.now() - 60_000;
    await statuses.storeReports([applied('sha256-c', 1, new Date(t0)), applied('sha256-d', 2, new Date(t0 + 1000))]);
    // a report that did not apply (drift seen) adds nothing
    await statuses.storeReports([{ ...applied('sha256-z', 2, new Date(t0 + 2000)), reportId: 'drift', trigger: 'drift', applied: false }]);
    assert.deepEqual((await statuses.keptRevisions('c1', 'src-web')).map((r) => [r.digest, r.revision, r.generation]), [['sha256-d', 'rev-sha256-d', 2], ['sha256-c', 'rev-sha256-c', 1]]);
  });

  it('deletes unreferenced objects after the grace period and never a referenced one', async () => {
    // a: a target's digest; b: only the latest DesiredState in the KV; c: only a kept revision;
    // d: the agent's last report and a kept revision; x: nothing
    for (const d of ['sha256-a', 'sha256-b', 'sha256-c', 'sha256-d', 'sha256-x']) await put(d);
    // c1/src-web (whose reports made c and d kept revisions) and c2/src-web are targets, both at a
    await ds.query(`INSERT INTO targets (cluster, bundle_id, source, revision, digest, generation, sync_policy, published_at)
                    VALUES ('c1', 'src-web', 'src', 'rev-a', 'sha256-a', 3, '{}'::jsonb, now()), ('c2', 'src-web', 'src', 'rev-a', 'sha256-a', 1, '{}'::jsonb, now())`);
    await publishing.putDesiredState(desiredStateKey('c3', 'src-web'), create(DesiredStateSchema, { bundleId: 'src-web', cluster: 'c3', digest: 'sha256-b', revision: 'rev-b', generation: 1n }));
    // an older DesiredState of a key, overwritten since: references nothing any more
    await put('sha256-old');
    await publishing.putDesiredState(desiredStateKey('c4', 'src-web'), create(DesiredStateSchema, { bundleId: 'src-web', cluster: 'c4', digest: 'sha256-old', generation: 1n }));
    await publishing.putDesiredState(desiredStateKey('c4', 'src-web'), create(DesiredStateSchema, { bundleId: 'src-web', cluster: 'c4', digest: 'sha256-b', generation: 2n }));

    const started = Date.now();
    gc.onApplicationBootstrap();
    // not before the grace period: several GC periods pass, x is still there
    await sleep(GRACE_MS - 500);
    assert.ok((await stored()).has('sha256-x'), 'deleted before the grace period');
    await waitFor('unreferenced objects deleted', async () => !(await stored()).has('sha256-x') && !(await stored()).has('sha256-old'), 10_000);
    assert.ok(Date.now() - started >= GRACE_MS, 'deleted after the grace period');
    // several more GC periods: the referenced ones stay
    await sleep(5 * INTERVAL_MS);
    assert.deepEqual([...(await stored())].sort(), ['sha256-a', 'sha256-b', 'sha256-c', 'sha256-d']);
  });

  it('deletes an object once the kept revision referencing it falls out of the last N', async () => {
    await put('sha256-e');
    // a third applied revision: with N = 2, c (only kept as a revision) is no longer referenced
    await statuses.storeReports([applied('sha256-e', 3, new Date())]);
    assert.deepEqual((await statuses.keptRevisions('c1', 'src-web')).map((r) => r.digest), ['sha256-e', 'sha256-d']);
    await sleep(GRACE_MS / 2);
    assert.ok((await stored()).has('sha256-c'), 'deleted before the grace period');
    await waitFor('c deleted', async () => !(await stored()).has('sha256-c'), 10_000);
    await sleep(5 * INTERVAL_MS);
    assert.deepEqual([...(await stored())].sort(), ['sha256-a', 'sha256-b', 'sha256-d', 'sha256-e']);
  });

  it('keeps an object that is referenced again within the grace period, and republishes a deleted one', async () => {
    await put('sha256-f');
    await sleep(GRACE_MS / 2);
    await ds.query(`UPDATE targets SET digest = 'sha256-f'`);
    // a is unreferenced now, f referenced
    await waitFor('a deleted', async () => !(await stored()).has('sha256-a'), 10_000);
    await sleep(GRACE_MS);
    assert.ok((await stored()).has('sha256-f'), 'f deleted though referenced');
    // publishing a (e.g. a revert) writes the object again: the publisher does not trust its cache
    assert.equal(await put('sha256-a'), true);
    assert.ok((await stored()).has('sha256-a'));
  });

  it('a withdrawn target\'s kept revisions and last report keep no object alive', async () => {
    // c1/src-web keeps d and e as revisions (e is also its last report); withdrawing it frees them
    assert.deepEqual([...(await stored())].sort(), ['sha256-a', 'sha256-b', 'sha256-d', 'sha256-e', 'sha256-f']);
    await ds.query(`DELETE FROM targets WHERE cluster = 'c1'`);
    await waitFor('d and e deleted', async () => {
      const s = await stored();
      return !s.has('sha256-d') && !s.has('sha256-e');
    }, 10_000);
    await sleep(5 * INTERVAL_MS);
    // f: c2's target; b: the KV; a was published again in the previous test and is unreferenced
    // since, so it may still be within its grace period or gone: only the referenced ones are asserted
    const left = await stored();
    assert.ok(left.has('sha256-f') && left.has('sha256-b'));
    assert.equal((await statuses.keptRevisions('c1', 'src-web')).length, 2, 'the revisions themselves stay recorded');
  });
});
