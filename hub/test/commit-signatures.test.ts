// Issue #4, test 5 on the hub: a source with a commit signature policy deploys a head commit
// signed (git commit -S, real gpg) by a trusted key, holds and reports an unsigned one or one
// signed by another key, and deploys the next trusted commit. Real PostgreSQL, a private
// nats-server, the test bed's smart-HTTP Git server.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { DESIRED_STATE_BUCKET, desiredStateKey, DesiredStateSchema, fromBinary } from '@gitfleet/proto';
import { createHubApp } from '../src/app.factory.js';
import { createGpgKey, createTempDatabase, GitRepo, type GpgKey, NatsServer, type TestDatabase, waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';
import { apiClient } from './support/http.js';

const ADMIN_TOKEN = 'hub-commit-signatures-test-admin-token';
const KEY = desiredStateKey('spoke-sig', 'signed-web');

describe('commit signature policy (gpg-signed commits, HTTP, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: NatsServer;
  let app: INestApplication;
  let base: string;
  let cacheDir: string;
  let nc: NatsConnection;
  let kv: KV;
  let repo: GitRepo;
  let trusted: GpgKey;
  let stranger: GpgKey;
  const repoName = `hub-sig-test-${process.pid}-${Date.now()}`;

  const api = apiClient(() => base, ADMIN_TOKEN);
  const color = (c: string) => repo.write('web/cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: ${c}\n`);
  /** The revision of the published desired state of spoke-sig/signed-web (undefined: none). */
  const published = async () => {
    const e = await kv.get(KEY);
    return e?.operation === 'PUT' ? fromBinary(DesiredStateSchema, e.value).revision : undefined;
  };
  /** Fetches now (webhook) and waits until the source reports the head check of `revision`. */
  const checked = async (revision: string) => {
    assert.equal((await api('POST', '/api/v1/sources/signed/webhook', { ref: 'refs/heads/main' })).status, 202);
    return waitFor(`signature check of ${revision}`, async () => {
      const s = (await api('GET', '/api/v1/sources/signed')).body;
      return s.commitSignature?.revision === revision ? s : undefined;
    }, 10_000);
  };

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-git-'));
    [trusted, stranger] = await Promise.all([createGpgKey('Release Signer <release@test.invalid>'), createGpgKey('Someone Else <else@test.invalid>')]);
    repo = await GitRepo.create(tb, repoName);
    repo.write('web/fleet.yaml', 'defaultNamespace: web\n');
    app = await createHubApp({ databaseUrl: db.url, natsUrls: [nats.url], httpHost: '127.0.0.1', httpPort: 0, gitCacheDir: cacheDir, logLevel: 'silent', adminToken: ADMIN_TOKEN });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).open(DESIRED_STATE_BUCKET);
    assert.equal((await api('POST', '/api/v1/clusters', { name: 'spoke-sig' })).status, 201);
  });

  after(async () => {
    await nc?.close();
    await app?.close();
    await nats?.dispose();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    repo?.dispose({ bare: true });
    await trusted?.dispose();
    await stranger?.dispose();
  });

  it('refuses a private key or garbage as a trusted key with 400 naming the field and index', async () => {
    const source = { name: 'bad-keys', url: repo.url, pollIntervalSeconds: 3600 };
    const priv = await api('POST', '/api/v1/sources', { ...source, commitSignatures: { trustedKeys: [trusted.publicKeyArmored, await trusted.privateKeyArmored()] } });
    assert.equal(priv.status, 400);
    assert.match(priv.body.message, /commitSignatures\.trustedKeys\[1\] is a private key/);
    const junk = await api('POST', '/api/v1/sources', { ...source, commitSignatures: { trustedKeys: ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnope\n-----END PGP PUBLIC KEY BLOCK-----'] } });
    assert.equal(junk.status, 400);
    assert.match(junk.body.message, /commitSignatures\.trustedKeys\[0\] is not an armored OpenPGP public key/);
    assert.equal((await api('POST', '/api/v1/sources', { ...source, commitSignatures: { trustedKeys: [] } })).status, 400);
    assert.equal((await api('GET', '/api/v1/sources/bad-keys')).status, 404);
  });

  it('deploys a head commit signed by the trusted key and shows the policy as fingerprints', async () => {
    color('blue');
    const rev1 = await repo.commitAndPushSigned('blue, signed', trusted);
    const created = await api('POST', '/api/v1/sources', { name: 'signed', url: repo.url, pollIntervalSeconds: 3600, commitSignatures: { trustedKeys: [trusted.publicKeyArmored] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.commitSignatures, {
      trustedKeys: [{ fingerprint: trusted.fingerprint, keyId: trusted.keyId, userIds: ['Release Signer <release@test.invalid>'], expiresAt: null }],
    });
    await waitFor('signed commit published', async () => (await published()) === rev1, 10_000);
    const s = (await api('GET', '/api/v1/sources/signed')).body;
    assert.equal(s.commitSignature.revision, rev1);
    assert.equal(s.commitSignature.verified, true);
    assert.equal(s.commitSignature.reason, null);
    assert.equal(s.commitSignature.keyFingerprint, trusted.fingerprint);
    assert.equal(s.commitSignature.signer, 'Release Signer <release@test.invalid>');
    assert.equal((await api('GET', '/api/v1/bundles/signed-web')).body.revision, rev1);
  });

  it('holds an unsigned commit: the desired state stays at the signed revision, the source reports it', async () => {
    const rev1 = await published();
    color('red');
    const rev2 = await repo.commitAndPush('red, unsigned');
    const s = await checked(rev2);
    assert.equal(s.commitSignature.verified, false);
    assert.equal(s.commitSignature.reason, `commit ${rev2.slice(0, 7)} is not signed`);
    assert.equal(s.lastRevision, rev2, 'the commit was fetched');
    assert.equal(await published(), rev1, 'desired state still at the signed revision');
    assert.equal((await api('GET', '/api/v1/bundles/signed-web')).body.revision, rev1);
  });

  it('holds a commit signed by a key that is not trusted, naming the key', async () => {
    const rev1 = await published();
    color('black');
    const rev3 = await repo.commitAndPushSigned('black, signed by someone else', stranger);
    const s = await checked(rev3);
    assert.equal(s.commitSignature.verified, false);
    assert.equal(s.commitSignature.reason, `commit ${rev3.slice(0, 7)} is signed by untrusted key ${stranger.keyId}`);
    assert.equal(await published(), rev1);
  });

  it('deploys the next commit signed by the trusted key and clears the report', async () => {
    color('green');
    const rev4 = await repo.commitAndPushSigned('green, signed', trusted);
    const s = await checked(rev4);
    assert.equal(s.commitSignature.verified, true);
    assert.equal(s.commitSignature.reason, null);
    await waitFor('trusted commit published', async () => (await published()) === rev4, 10_000);
  });

  it('removing the policy (PATCH commitSignatures: null) deploys a held head; a bad key in a PATCH is a 400', async () => {
    color('white');
    const rev5 = await repo.commitAndPush('white, unsigned');
    assert.equal((await checked(rev5)).commitSignature.verified, false);
    const bad = await api('PATCH', '/api/v1/sources/signed', { commitSignatures: { trustedKeys: ['garbage'] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /commitSignatures\.trustedKeys\[0\]/);
    const off = await api('PATCH', '/api/v1/sources/signed', { commitSignatures: null });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.commitSignatures, null);
    assert.equal(off.body.commitSignature, null);
    await waitFor('held commit published once the policy is gone', async () => (await published()) === rev5, 10_000);
  });
});
