// Issue #4, tests 1, 2 and 3: agent enrollment end to end with NATS in operator (JWT) mode,
// per-cluster NATS isolation of an enrolled agent's credentials, revocation; plus credential
// rotation without downtime and the enrollment rate limit.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { createUser, decode, parseCreds } from '@nats-io/jwt';
import { Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  agentInboxPrefix,
  CONTRACT_VERSION,
  create,
  DESIRED_STATE_BUCKET,
  desiredStateKey,
  HealthStatus,
  HeartbeatSchema,
  heartbeatSubject,
  StatusReportSchema,
  statusSubject,
  toBinary,
} from '@gitfleet/proto';
import { createDatabase, eventually, GitRepo, type NatsServer } from '@gitfleet/testing';
import { startNatsServer } from '../support/nats-server.js';
import {
  createSigningKeys,
  describeHits,
  HubApi,
  HubApiError,
  Kubectl,
  loadTestbed,
  repoRoot,
  run,
  scanFiles,
  startAgent,
  startHub,
  type HubProcess,
  type ManagedProcess,
  type SecretValue,
  type SigningKeyFiles,
  type Testbed,
} from '../support/index.js';

const NS = 'e2e-enroll';
const AGENT_NS = 'gitfleet-system';
/** The suite's own credentials Secret name, so no other suite's agent ever reads it. */
const SECRET = 'gitfleet-e2e-enroll-nats';
const SPOKES = ['spoke1', 'spoke2'] as const;
const BUNDLE = 'enroll-app';

interface EnrollResult { status: number; body: { message?: string; userJwt?: string; labels?: Record<string, string> } }
interface CredentialView { userPublicKey: string; issuedBy: string; revokedAt: string | null }

/** POST /api/v1/enroll without a bearer token, as an agent does. */
async function enrollRaw(hubUrl: string, body: Record<string, unknown>): Promise<EnrollResult & { retryAfter: string | null }> {
  const res = await fetch(`${hubUrl}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as EnrollResult['body'], retryAfter: res.headers.get('retry-after') };
}

/** A ConfigMap manifest with one data value. */
function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

/** Connects with an agent's creds and its inbox prefix (as the agent does); no reconnects. */
function connectAs(url: string, cluster: string, creds: Uint8Array): Promise<NatsConnection> {
  return connect({ servers: url, authenticator: credsAuthenticator(creds), inboxPrefix: agentInboxPrefix(cluster), reconnect: false, timeout: 5000 });
}

describe('enrollment: registration token → agent → NATS credentials → bundles, isolation, revocation', () => {
  let testbed: Testbed;
  let natsDir: string;
  let nats: NatsServer;
  let keys: SigningKeyFiles;
  let hub: HubProcess;
  let api: HubApi;
  let repo: GitRepo;
  const kube = new Map<string, Kubectl>();
  const agents = new Map<string, ManagedProcess>();
  let token = '';

  function agentArgs(spoke: string): string[] {
    return ['--bundle-public-keys', keys.publicKeyFile, '--enrollment-url', hub.url, '--credentials-secret', SECRET, '--cluster-labels', `site=${spoke}`];
  }

  async function storedCreds(spoke: string): Promise<Uint8Array> {
    const secret = await kube.get(spoke)!.get('secret', SECRET, AGENT_NS);
    const data = (secret as { data?: Record<string, string> } | undefined)?.data?.['nats.creds'];
    if (!data) throw new Error(`no ${AGENT_NS}/${SECRET} with nats.creds on ${spoke}`);
    const creds = new Uint8Array(Buffer.from(data, 'base64'));
    rememberCreds(spoke, creds);
    return creds;
  }

  /** Every secret an agent of this suite saw (registration tokens, creds JWTs and seeds): none may be in an agent log. */
  const secrets = new Map<string, SecretValue>();
  function rememberCreds(spoke: string, creds: Uint8Array): void {
    const text = new TextDecoder().decode(creds);
    for (const m of text.matchAll(/-{3,}BEGIN ([^\n-]+?)-{3,}\s*\n([^\n]+)\n/g)) {
      secrets.set(m[2]!.trim(), { label: `${spoke} ${m[1]!.trim()}`, value: m[2]!.trim() });
    }
  }

  async function waitForRevision(revision: string, spokes: readonly string[]): Promise<void> {
    await eventually(`${BUNDLE} at ${revision.slice(0, 8)} on ${spokes.join(',')}`, async () => {
      const targets = await api.targets({ bundle: BUNDLE });
      for (const s of spokes) {
        const t = targets.find((x) => x.cluster === s);
        if (t?.status !== 'Synced' || t.applied?.revision !== revision) throw new Error(`${s}: ${t?.status ?? 'not targeted'} at ${t?.applied?.revision?.slice(0, 8) ?? 'nothing'}`);
      }
    }, 60_000);
  }

  before(async () => {
    testbed = loadTestbed();
    for (const s of SPOKES) {
      const k = new Kubectl(testbed, s);
      kube.set(s, k);
      await k.cleanNamespaces([NS]);
      await k.run('delete', 'secret', SECRET, '-n', AGENT_NS, '--ignore-not-found');
    }
    natsDir = mkdtempSync(path.join(tmpdir(), 'gitfleet-e2e-operator-'));
    await run(process.execPath, [path.join(repoRoot(), 'hub/dist/src/main.js'), 'nats-bootstrap', '--out', natsDir]);
    nats = await startNatsServer(testbed, 'enrollment', { dir: natsDir });
    keys = createSigningKeys(testbed, 'enrollment');
    const database = (await createDatabase(testbed.databaseUrl, 'gitfleet_e2e_enrollment')).url;
    hub = await startHub(testbed, 'enrollment-hub', database, {
      natsUrl: nats.url,
      signingKeyFile: keys.privateKeyFile,
      env: {
        GITFLEET_NATS_CREDS_FILE: path.join(natsDir, 'hub.creds'),
        GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE: path.join(natsDir, 'account-signing.nk'),
        GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE: path.join(natsDir, 'operator-signing.nk'),
        GITFLEET_NATS_SYSTEM_CREDS_FILE: path.join(natsDir, 'system.creds'),
        GITFLEET_ENROLLMENT_RATE_LIMIT: '40',
      },
    });
    api = new HubApi(hub.url, hub.adminToken);
    repo = await GitRepo.create(testbed, 'enrollment');
  });

  after(async () => {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await hub?.stop();
    await nats?.dispose();
    repo?.dispose();
  });

  it('test 1: a registration token enrolls agents, their credentials land in a Secret, bundles are applied', async () => {
    const created = await api.post<{ token: string; uses: number; maxUses: number }>('/api/v1/registration-tokens', { name: 'edge', maxUses: 2, labels: { enrolled: 'true' } });
    assert.match(created.token, /^gfr_/);
    token = created.token;
    secrets.set(token, { label: 'registration token "edge"', value: token });
    const listed = await api.get<{ name: string; token?: string }[]>('/api/v1/registration-tokens');
    assert.equal(listed.find((t) => t.name === 'edge')?.token, undefined, 'the value is shown once, never listed');

    for (const s of SPOKES) agents.set(s, startAgent(testbed, s, agentArgs(s), false, nats.url, `enroll-agent-${s}`, { GITFLEET_ENROLLMENT_TOKEN: token }));
    for (const s of SPOKES) {
      await eventually(`${s} enrolled`, async () => {
        const c = await api.get<{ labels: Record<string, string> }>(`/api/v1/clusters/${s}`);
        assert.deepEqual(c.labels, { enrolled: 'true', site: s });
      }, 30_000);
      const creds = new TextDecoder().decode(await eventually(`${s} credentials Secret`, () => storedCreds(s), 20_000));
      assert.match(creds, /-----BEGIN NATS USER JWT-----/);
      assert.match(creds, /-----BEGIN USER NKEY SEED-----/);
      const issued = await api.get<CredentialView[]>(`/api/v1/clusters/${s}/credentials`);
      assert.equal(issued.length, 1);
      assert.equal(issued[0]!.issuedBy, 'registration-token/edge');
      const parsed = await parseCreds(new TextEncoder().encode(creds));
      assert.equal(decode(parsed.jwt).sub, issued[0]!.userPublicKey, 'the Secret holds the credential the hub lists');
    }
    const tokenAfter = (await api.get<{ name: string; uses: number }[]>('/api/v1/registration-tokens')).find((t) => t.name === 'edge');
    assert.equal(tokenAfter?.uses, 2);

    repo.write('app/fleet.yaml', `namespace: ${NS}\n`);
    repo.write('app/configmap.yaml', configMap('enrolled', 'one'));
    const first = await repo.commitAndPush('app for enrolled clusters');
    await api.createSource({ name: 'enroll', url: repo.url, pollIntervalSeconds: 3600, targets: [{ name: 'enrolled', clusterSelector: { matchLabels: { enrolled: 'true' } } }] });
    await waitForRevision(first, SPOKES);
    for (const s of SPOKES) {
      const cm = await kube.get(s)!.get('configmap', 'enrolled', NS);
      assert.equal((cm?.data as Record<string, string> | undefined)?.['value'], 'one', `${s} has the ConfigMap`);
    }

    // across a restart, without the token: the stored credentials are used, no new enrollment
    await agents.get('spoke1')!.stop();
    agents.set('spoke1', startAgent(testbed, 'spoke1', agentArgs('spoke1'), false, nats.url, 'enroll-agent-spoke1-restarted'));
    repo.write('app/configmap.yaml', configMap('enrolled', 'two'));
    const second = await repo.commitAndPush('second value');
    await api.pushWebhook('enroll', second);
    await waitForRevision(second, SPOKES);
    assert.equal((await api.get<CredentialView[]>('/api/v1/clusters/spoke1/credentials')).length, 1, 'the restarted agent did not enroll again');
  });

  it('test 1: a wrong, used-up or expired token is refused with a clear error', async () => {
    const key = () => createUser().getPublicKey();
    const wrong = await enrollRaw(hub.url, { token: 'gfr_not-a-real-token', cluster: 'spoke9', userPublicKey: key() });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message ?? '', /registration token not recognised/);

    const usedUp = await enrollRaw(hub.url, { token, cluster: 'spoke9', userPublicKey: key() });
    assert.equal(usedUp.status, 401);
    assert.match(usedUp.body.message ?? '', /registration token "edge" is used up \(2 of 2 enrollments\)/);

    const shortLived = await api.post<{ token: string }>('/api/v1/registration-tokens', { name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() });
    secrets.set(shortLived.token, { label: 'registration token "short"', value: shortLived.token });
    await new Promise((r) => setTimeout(r, 2000));
    const expired = await enrollRaw(hub.url, { token: shortLived.token, cluster: 'spoke9', userPublicKey: key() });
    assert.equal(expired.status, 401);
    assert.match(expired.body.message ?? '', /registration token "short" expired at /);

    const malformed = await enrollRaw(hub.url, { token: shortLived.token, cluster: 'Spoke_9', userPublicKey: 'not-a-key', extra: 1 });
    assert.equal(malformed.status, 400);

    await assert.rejects(api.get('/api/v1/clusters/spoke9'), (e: unknown) => e instanceof HubApiError && e.status === 404, 'no refused enrollment created a cluster');

    // an agent started with a wrong token stops with the hub's reason
    const bad = startAgent(testbed, 'spoke1', ['--bundle-public-keys', keys.publicKeyFile, '--enrollment-url', hub.url, '--credentials-secret', 'gitfleet-e2e-enroll-wrong'], false, nats.url, 'enroll-agent-wrong-token', { GITFLEET_ENROLLMENT_TOKEN: 'gfr_wrong' });
    const code = await new Promise<number | null>((resolve) => bad.child.once('exit', (c) => resolve(c)));
    assert.equal(code, 1, 'the agent exits when the hub refuses its token');
    assert.match(readFileSync(bad.logFile, 'utf8'), /enrollment refused by the hub \(HTTP 401\): registration token not recognised/);
  });

  it('rotation: the agent gets new credentials without downtime, the old ones are revoked', async () => {
    const old = await storedCreds('spoke2');
    await api.post('/api/v1/clusters/spoke2/credentials/rotate');
    await eventually('rotated credentials stored and the old ones revoked', async () => {
      const now = await storedCreds('spoke2');
      assert.notDeepEqual(now, old, 'the Secret holds new credentials');
      const issued = await api.get<CredentialView[]>('/api/v1/clusters/spoke2/credentials');
      assert.equal(issued.length, 2);
      assert.equal(issued.filter((c) => c.revokedAt === null).length, 1, 'only the new credential is valid');
      assert.equal(issued.find((c) => c.revokedAt === null)?.issuedBy, 'rotation');
    }, 30_000);
    await assert.rejects(connectAs(nats.url, 'spoke2', old), /authorization/i, 'the old credentials no longer connect');
    const fresh = await connectAs(nats.url, 'spoke2', await storedCreds('spoke2'));
    await fresh.close();
    repo.write('app/configmap.yaml', configMap('enrolled', 'three'));
    const third = await repo.commitAndPush('after the rotation');
    await api.pushWebhook('enroll', third);
    await waitForRevision(third, SPOKES);
  });

  it('test 2: spoke1\'s credentials cannot watch or read spoke2\'s keys, nor publish its status or heartbeat', async () => {
    const nc = await connectAs(nats.url, 'spoke1', await storedCreds('spoke1'));
    try {
      const kv = await new Kvm(nc).open(DESIRED_STATE_BUCKET);
      // control: the same connection watches its own keys, as the agent does
      const ownWatch = await kv.watch({ key: 'spoke1.>' });
      let own: string | undefined;
      for await (const e of ownWatch) { own = e.key; break; }
      assert.equal(own, desiredStateKey('spoke1', BUNDLE), 'spoke1 watches its own desired state');

      await assert.rejects(kv.get(desiredStateKey('spoke2', BUNDLE)), /permission/i, 'reading spoke2\'s desired state');
      await assert.rejects(async () => {
        const w = await kv.watch({ key: 'spoke2.>' });
        for await (const e of w) { void e; break; }
      }, /permission/i, 'watching spoke2\'s keys');

      const js = jetstream(nc, { timeout: 3000 });
      const forged = create(StatusReportSchema, { contractVersion: CONTRACT_VERSION, cluster: 'spoke2', bundleId: BUNDLE, health: HealthStatus.DEGRADED, healthMessage: 'forged by spoke1', reportId: 'forged-1', observedAt: new Date().toISOString() });
      await assert.rejects(js.publish(statusSubject('spoke2'), toBinary(StatusReportSchema, forged)), /permission/i, 'publishing spoke2\'s status');
      const beat = create(HeartbeatSchema, { contractVersion: CONTRACT_VERSION, cluster: 'spoke2', agentVersion: 'forged-by-spoke1', sentAt: new Date().toISOString() });
      await assert.rejects(js.publish(heartbeatSubject('spoke2'), toBinary(HeartbeatSchema, beat)), /permission/i, 'publishing spoke2\'s heartbeat');
    } finally {
      await nc.close().catch(() => undefined);
    }
    // the hub recorded nothing under spoke2's name
    await new Promise((r) => setTimeout(r, 1000));
    const t = await api.target('spoke2', BUNDLE);
    assert.notEqual(t.health?.status, 'Degraded');
    const history = await api.history('spoke2', BUNDLE);
    assert.ok(!JSON.stringify(history).includes('forged by spoke1'), 'no forged report in spoke2\'s history');
    const cluster = await api.get<{ agentVersion: string | null }>('/api/v1/clusters/spoke2');
    assert.notEqual(cluster.agentVersion, 'forged-by-spoke1');
  });

  it('test 3: revoking a cluster disconnects its agent within seconds and its reconnect fails', async (t) => {
    const creds = await storedCreds('spoke1');
    const names = async () => (await nats.connections()).map((c) => c.name);
    assert.ok((await names()).includes('gitfleet-agent/spoke1'), 'spoke1\'s agent is connected');
    const t0 = Date.now();
    const revoked = await api.post<{ revoked: string[] }>('/api/v1/clusters/spoke1/credentials/revoke');
    assert.equal(revoked.revoked.length, 1);
    await eventually('spoke1\'s agent disconnected', async () => {
      assert.ok(!(await names()).includes('gitfleet-agent/spoke1'));
    }, 10_000, 100);
    const seconds = (Date.now() - t0) / 1000;
    t.diagnostic(`spoke1's agent disconnected ${seconds.toFixed(2)} s after the revoke call (connz polled every 100 ms)`);
    assert.ok(seconds < 5, `disconnected after ${seconds} s`);
    await assert.rejects(connectAs(nats.url, 'spoke1', creds), /authorization/i, 'spoke1\'s credentials no longer connect');
    // the agent keeps trying and keeps failing
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(!(await names()).includes('gitfleet-agent/spoke1'), 'spoke1\'s agent could not reconnect');
    assert.ok((await names()).includes('gitfleet-agent/spoke2'), 'spoke2 stays connected');

    // deleting a cluster revokes its agent too
    await api.delete('/api/v1/clusters/spoke2');
    await eventually('spoke2\'s agent disconnected after the cluster was deleted', async () => {
      assert.ok(!(await names()).includes('gitfleet-agent/spoke2'));
    }, 10_000, 100);
    await assert.rejects(connectAs(nats.url, 'spoke2', await storedCreds('spoke2')), /authorization/i);
  });

  it('the enrollment endpoint is rate limited per client address', async () => {
    let limited: { status: number; retryAfter: string | null } | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await enrollRaw(hub.url, { token: 'gfr_flood', cluster: 'flood', userPublicKey: createUser().getPublicKey() });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401);
    }
    assert.ok(limited, 'a flood of enrollment attempts is answered with 429');
    assert.ok(Number(limited.retryAfter) > 0, 'with Retry-After');
  });

  it('no agent log line holds a registration token or NATS credentials (JWT, seed)', async () => {
    for (const s of SPOKES) await storedCreds(s); // the newest credentials of each spoke are looked for too
    const logDir = path.join(testbed.stateDir, 'logs', 'e2e');
    const files = readdirSync(logDir).filter((f) => /^enroll-agent-.*\.log$/.test(f)).map((f) => path.join(logDir, f));
    assert.ok(files.length >= 3, `agent logs: ${files.join(', ')}`);
    assert.ok(secrets.size >= 4, `secrets to look for: ${[...secrets.values()].map((x) => x.label).join(', ')}`);
    const hits = scanFiles(files, [...secrets.values()]);
    assert.deepEqual(hits, [], describeHits(hits));
  });
});
