// Holds (issue #11) through the whole hub: maintenance windows over HTTP (roles, audit, 400s
// naming the field), spoke-side holds arriving in heartbeats over a real nats-server, stored in a
// real PostgreSQL, shown by the clusters API, and ClusterHoldsService.heldAt's answers.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { CONTRACT_VERSION, create, HeartbeatSchema, heartbeatSubject, StatusReportSchema, statusSubject, SyncState, toBinary } from '@gitfleet/proto';
import { createHubApp } from '../src/app.factory.js';
import { ClusterHoldsService } from '../src/clusters/cluster-holds.service.js';
import { createTempDatabase, NatsServer, type TestDatabase, waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';
import { apiClient } from './support/http.js';

const ADMIN_TOKEN = 'hub-holds-test-admin-token';

describe('holds: maintenance windows API, spoke-side holds from heartbeats, heldAt (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let nc: NatsConnection;
  let holds: ClusterHoldsService;
  const api = apiClient(() => base, ADMIN_TOKEN);
  const as = (token: string) => apiClient(() => base, token);
  /** a query on the hub's own PostgreSQL connection */
  const sql = <T>(text: string): Promise<T[]> => app.get(DataSource).query(text) as Promise<T[]>;

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-holds-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-holds-'));
    app = await createHubApp({ databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: cacheDir, logLevel: 'silent', adminToken: ADMIN_TOKEN });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    nc = await connect({ servers: nats.url });
    holds = app.get(ClusterHoldsService);
    for (const [name, labels] of [['eu-1', { env: 'prod', region: 'eu' }], ['us-1', { env: 'prod', region: 'us' }], ['dev-1', { env: 'dev' }]] as const) {
      assert.equal((await api('POST', '/api/v1/clusters', { name, labels })).status, 201);
    }
    assert.equal((await api('POST', '/api/v1/clustergroups', { name: 'prod', selector: { matchLabels: { env: 'prod' } } })).status, 201);
  });

  after(async () => {
    await nc?.close();
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  const heartbeat = async (cluster: string, hold?: { reason: string; since: string; source: string }) => {
    const hb = create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster, agentVersion: '0.9.0', sentAt: new Date().toISOString(), ...(hold ? { hold } : {}) });
    await jetstream(nc).publish(heartbeatSubject(cluster), toBinary(HeartbeatSchema, hb));
  };

  it('refuses bad windows with 400 naming the field, and needs role operator to write', async () => {
    const ok = { name: 'w', schedule: '0 2 * * *', duration: '2h', clusterSelector: { matchLabels: { env: 'prod' } } };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...ok, schedule: '0 2 * *' }, /^schedule: "0 2 \* \*" must be a cron expression of 5 fields/],
      [{ ...ok, schedule: '99 2 * * *' }, /^schedule: "99 2 \* \* \*" is not a valid cron expression: Invalid value for minute: 99/],
      [{ ...ok, timezone: 'Europe/Atlantis' }, /^timezone: "Europe\/Atlantis" is not an IANA time zone/],
      [{ ...ok, duration: '2 hours' }, /^duration: "2 hours" must be a duration of hours and\/or minutes/],
      [{ name: 'w', schedule: '0 2 * * *', duration: '2h' }, /^clusterSelector or clusterGroup is required/],
      [{ ...ok, clusterSelector: undefined, clusterGroup: 'nope' }, /^clusterGroup: cluster group "nope" does not exist/],
      [{ ...ok, clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] } }, /^clusterSelector: operator In on "env" needs values/],
      [{ ...ok, name: 'Not_A_Name' }, /name must be a DNS-1123 label/],
    ];
    for (const [body, message] of bad) {
      const r = await api('POST', '/api/v1/maintenance-windows', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.body.message), message, JSON.stringify(body));
    }
    const viewer = (await api('POST', '/api/v1/tokens', { name: 'holds-viewer', role: 'viewer' })).body.token as string;
    const operator = (await api('POST', '/api/v1/tokens', { name: 'holds-operator', role: 'operator' })).body.token as string;
    assert.equal((await as(viewer)('POST', '/api/v1/maintenance-windows', ok)).status, 403);
    assert.equal((await as(viewer)('GET', '/api/v1/maintenance-windows')).status, 200);
    assert.equal((await as(operator)('POST', '/api/v1/maintenance-windows', ok)).status, 201);
    assert.equal((await as(operator)('POST', '/api/v1/maintenance-windows', ok)).status, 409);
    assert.equal((await as(viewer)('DELETE', '/api/v1/maintenance-windows/w')).status, 403);
    assert.equal((await as(operator)('DELETE', '/api/v1/maintenance-windows/w')).status, 204);
    assert.equal((await api('GET', '/api/v1/maintenance-windows/w')).status, 404);
    assert.equal((await api('DELETE', '/api/v1/maintenance-windows/w')).status, 404);
    const audit = (await api('GET', '/api/v1/audit?limit=50')).body as Array<{ actor: string; method: string; path: string; outcome: number }>;
    const writes = audit.filter((e) => e.path.startsWith('/api/v1/maintenance-windows')).map((e) => [e.actor, e.method, e.outcome]);
    for (const want of [['holds-viewer', 'POST', 403], ['holds-operator', 'POST', 201], ['holds-operator', 'POST', 409], ['holds-operator', 'DELETE', 204]]) {
      assert.ok(writes.some((w) => JSON.stringify(w) === JSON.stringify(want)), `audit has ${JSON.stringify(want)}: ${JSON.stringify(writes)}`);
    }
  });

  it('stores windows in PostgreSQL and shows them with their state and covered clusters', async () => {
    const r = await api('POST', '/api/v1/maintenance-windows', { name: 'eu-nights', schedule: '0 22 * * *', timezone: 'Europe/Berlin', duration: '4h', clusterSelector: { matchLabels: { region: 'eu' } }, clusterGroup: 'prod' });
    assert.equal(r.status, 201);
    assert.deepEqual([r.body.name, r.body.schedule, r.body.timezone, r.body.duration, r.body.clusterGroup, r.body.clusters], ['eu-nights', '0 22 * * *', 'Europe/Berlin', '4h', 'prod', ['eu-1']]);
    assert.equal(typeof r.body.open, 'boolean');
    assert.ok(r.body.open ? r.body.closesAt : r.body.nextOpen, JSON.stringify(r.body));
    const rows = await sql<{ name: string; schedule: string; timezone: string; duration: string; cluster_group: string }>(`SELECT name, schedule, timezone, duration, cluster_group FROM maintenance_windows`);
    assert.deepEqual(rows, [{ name: 'eu-nights', schedule: '0 22 * * *', timezone: 'Europe/Berlin', duration: '4h', cluster_group: 'prod' }]);
    const listed = (await api('GET', '/api/v1/maintenance-windows')).body as Array<{ name: string }>;
    assert.deepEqual(listed.map((w) => w.name), ['eu-nights']);
  });

  it('heldAt: a cluster covered by windows is held outside all of them and free inside any; uncovered clusters are free', async () => {
    // eu-nights: 22:00 Europe/Berlin for 4h; in January (UTC+1) that is 21:00Z to 01:00Z
    const inside = new Date('2027-01-12T23:30:00Z');
    const outside = new Date('2027-01-12T12:00:00Z');
    assert.deepEqual([...(await holds.heldAt(['eu-1', 'us-1', 'dev-1', 'unknown'], inside))], []);
    assert.deepEqual([...(await holds.heldAt(['eu-1', 'us-1', 'dev-1', 'unknown'], outside))], [['eu-1', 'outside maintenance window "eu-nights" (next opens 2027-01-12T21:00:00.000Z)']]);
    // a second window over eu-1, open at noon: inside any → free
    assert.equal((await api('POST', '/api/v1/maintenance-windows', { name: 'noon', schedule: '0 11 * * *', duration: '2h', clusterGroup: 'prod' })).status, 201);
    assert.deepEqual([...(await holds.heldAt(['eu-1', 'us-1'], outside))], []);
    const threeAm = new Date('2027-01-13T03:00:00Z');
    assert.deepEqual([...(await holds.heldAt(['eu-1', 'us-1'], threeAm))], [
      ['eu-1', 'outside maintenance window "noon" (next opens 2027-01-13T11:00:00.000Z)'],
      ['us-1', 'outside maintenance window "noon" (next opens 2027-01-13T11:00:00.000Z)'],
    ]);
    assert.equal((await api('DELETE', '/api/v1/maintenance-windows/noon')).status, 204);
    assert.deepEqual([...(await holds.heldAt(['us-1'], threeAm))], []);
  });

  it('a heartbeat\'s spoke-side hold is stored, shown by the clusters API and reported by heldAt; a report keeps it, a heartbeat without one lifts it', async () => {
    assert.equal((await api('GET', '/api/v1/clusters/dev-1')).body.hold, null);
    await heartbeat('dev-1', { reason: 'change freeze until Monday', since: '2026-12-01T08:00:00Z', source: 'configmap gitfleet-system/gitfleet-hold' });
    const shown = await waitFor('hold in the clusters API', async () => (await api('GET', '/api/v1/clusters/dev-1')).body.hold ?? undefined, 10_000);
    assert.deepEqual(shown, { reason: 'change freeze until Monday', since: '2026-12-01T08:00:00.000Z', source: 'configmap gitfleet-system/gitfleet-hold' });
    const listed = (await api('GET', '/api/v1/clusters')).body as Array<{ name: string; hold: unknown }>;
    assert.deepEqual(listed.find((c) => c.name === 'dev-1')?.hold, shown);
    const now = new Date();
    assert.deepEqual([...(await holds.heldAt(['dev-1'], now))], [['dev-1', 'spoke-side hold: "change freeze until Monday" (since 2026-12-01T08:00:00.000Z)']]);
    // GET /api/v1/holds: every cluster held now (eu-1 too when the eu-nights window is closed now)
    const held = (await api('GET', '/api/v1/holds')).body as Array<{ cluster: string; reason: string }>;
    assert.deepEqual(held.find((h) => h.cluster === 'dev-1'), { cluster: 'dev-1', reason: 'spoke-side hold: "change freeze until Monday" (since 2026-12-01T08:00:00.000Z)' });
    assert.equal(held.some((h) => h.cluster === 'us-1'), false, 'us-1: no hold, no window');

    // a status report proves the agent alive but says nothing of the hold: it stays
    const report = create(StatusReportSchema, { contractVersion: CONTRACT_VERSION, reportId: 'holds-r1', cluster: 'dev-1', bundleId: 'b', revision: 'r', digest: 'sha256-00', generation: 1n, state: SyncState.SYNCED, observedAt: new Date().toISOString(), agentVersion: '0.9.0' });
    await jetstream(nc).publish(statusSubject('dev-1'), toBinary(StatusReportSchema, report));
    await waitFor('report stored', async () => (await sql(`SELECT 1 FROM status_history WHERE report_id = 'holds-r1'`)).length === 1, 10_000);
    assert.deepEqual((await api('GET', '/api/v1/clusters/dev-1')).body.hold, shown);

    // both: spoke-side hold and a closed window
    assert.equal((await api('POST', '/api/v1/maintenance-windows', { name: 'dev-weekends', schedule: '0 0 * * 6', duration: '48h', clusterSelector: { matchLabels: { env: 'dev' } } })).status, 201);
    const wednesday = new Date('2027-01-13T12:00:00Z');
    assert.deepEqual([...(await holds.heldAt(['dev-1'], wednesday))], [
      ['dev-1', 'spoke-side hold: "change freeze until Monday" (since 2026-12-01T08:00:00.000Z); outside maintenance window "dev-weekends" (next opens 2027-01-16T00:00:00.000Z)'],
    ]);
    assert.equal((await api('DELETE', '/api/v1/maintenance-windows/dev-weekends')).status, 204);

    // a heartbeat without a hold lifts it
    await heartbeat('dev-1');
    await waitFor('hold lifted in the clusters API', async () => (await api('GET', '/api/v1/clusters/dev-1')).body.hold === null, 10_000);
    assert.deepEqual([...(await holds.heldAt(['dev-1'], new Date()))], []);
    const [row] = await sql<{ hold_reason: string | null; hold_since: Date | null; hold_source: string | null }>(`SELECT hold_reason, hold_since, hold_source FROM clusters WHERE name = 'dev-1'`);
    assert.deepEqual(row, { hold_reason: null, hold_since: null, hold_source: null });
  });
});
