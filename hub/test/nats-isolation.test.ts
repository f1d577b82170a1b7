// NATS operator (JWT) mode on a real nats-server: an agent's user JWT (agentPermissions) reaches
// only its own cluster's desired state, status and heartbeat subjects and inbox; revoking the
// user disconnects it within seconds and keeps it out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { decode } from '@nats-io/jwt';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect, credsAuthenticator, errors, type NatsConnection } from '@nats-io/transport-node';
import {
  agentInboxPrefix,
  BUNDLE_STORE,
  clusterKeyFilter,
  DESIRED_STATE_BUCKET,
  desiredStateKey,
  diffSubject,
  heartbeatSubject,
  STATUS_STREAM,
  statusSubject,
} from '@gitfleet/proto';
import { InvalidNkeyError, NatsIdentity, type AgentCredentials } from '../src/nats-auth/nats-identity.js';
import { connectAndEnsure, type NatsResources } from '../src/nats/nats.service.js';
import { startOperatorNatsServer, type OperatorNatsServer } from './support/nats-operator.js';
import { waitFor } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

const PERMISSION = /Permissions Violation/;
const enc = (s: string) => new TextEncoder().encode(s);

interface Agent {
  cluster: string;
  creds: AgentCredentials;
  nc: NatsConnection;
  js: JetStreamClient;
  /** connection status events seen, with their time */
  events: Array<{ type: string; at: number; message?: string }>;
}

/**
 * Connects the way the agent must: its own inbox prefix (nats.js uses it for request replies and,
 * as JetStream's default watcherPrefix, for ordered-consumer deliveries), and a JetStream client
 * with checkAPI off (Objm.open would otherwise ask for `$JS.API.INFO`, which the agent may not).
 */
async function connectAgent(url: string, cluster: string, creds: AgentCredentials): Promise<Agent> {
  const nc = await connect({
    servers: url,
    name: `agent-${cluster}`,
    authenticator: credsAuthenticator(creds.creds),
    inboxPrefix: agentInboxPrefix(cluster),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const events: Agent['events'] = [];
  void (async () => {
    for await (const s of nc.status()) {
      events.push({ type: s.type, at: Date.now(), ...('error' in s && s.error ? { message: String(s.error) } : {}) });
    }
  })();
  const js = jetstream(nc, { checkAPI: false });
  return { cluster, creds, nc, js, events };
}

describe('NATS operator mode: per-agent isolation and revocation (real nats-server)', () => {
  let srv: OperatorNatsServer;
  let res: NatsResources;
  let identity: NatsIdentity;
  let alpha: Agent;
  let beta: Agent;
  const bundleBytes = enc('a bundle manifest');

  before(async () => {
    const tb = await loadTestbed();
    srv = await startOperatorNatsServer(tb);
    res = await connectAndEnsure([srv.url], 'gitfleet-hub-test', credsAuthenticator(srv.hubCreds));
    const f = srv.bootstrap.files;
    identity = await NatsIdentity.fromFiles(
      { credsFile: f.hubCreds, accountSigningKeyFile: f.accountSigningKey, operatorSigningKeyFile: f.operatorSigningKey, systemCredsFile: f.systemCreds },
      { servers: [srv.url] },
    );
    await res.desired.put(desiredStateKey('alpha', 'app'), enc('alpha-app'));
    await res.desired.put(desiredStateKey('alpha', 'web'), enc('alpha-web'));
    await res.desired.put(desiredStateKey('beta', 'app'), enc('beta-app'));
    await res.bundles.putBlob({ name: 'sha256-test' }, bundleBytes);
    alpha = await connectAgent(srv.url, 'alpha', await identity.issueAgentCreds('alpha'));
    beta = await connectAgent(srv.url, 'beta', await identity.issueAgentCreds('beta'));
  });

  after(async () => {
    for (const a of [alpha, beta]) await a?.nc.close().catch(() => undefined);
    await identity?.close();
    await res?.nc.close().catch(() => undefined);
    await srv?.dispose();
  });

  const betaSubjectsInStream = async () => {
    const si = await res.jsm.streams.info(STATUS_STREAM, { subjects_filter: '>' });
    const subjects = si.state.subjects ?? {};
    return Object.keys(subjects).filter((s) => s === statusSubject('beta') || s === heartbeatSubject('beta'));
  };

  describe('what an agent may do', () => {
    it('watches its own keys in the desired-state bucket', async () => {
      const kv = await new Kvm(alpha.nc).open(DESIRED_STATE_BUCKET); // as agent/src/nats/desired-watcher.ts
      const iter = await kv.watch({ key: clusterKeyFilter('alpha') });
      const seen: string[] = [];
      for await (const e of iter) {
        seen.push(`${e.key}=${e.string()}`);
        if (e.delta === 0) break;
      }
      assert.deepEqual(seen.sort(), ['alpha.app=alpha-app', 'alpha.web=alpha-web']);
    });

    it('opens the object store only with checkAPI off', async () => {
      await assert.rejects(new Objm(alpha.nc).open(BUNDLE_STORE), PERMISSION); // $JS.API.INFO
      await new Objm(alpha.js).open(BUNDLE_STORE);
    });

    it('reads bundle objects', async () => {
      const store = await new Objm(alpha.js).open(BUNDLE_STORE);
      assert.deepEqual(new Uint8Array((await store.getBlob('sha256-test'))!), bundleBytes);
      assert.equal((await store.info('sha256-test'))?.size, bundleBytes.length);
    });

    it('publishes its status report and heartbeat to JetStream with acks', async () => {
      const s = await alpha.js.publish(statusSubject('alpha'), enc('report'), { msgID: 'alpha-report-1' });
      const h = await alpha.js.publish(heartbeatSubject('alpha'), enc('beat'));
      assert.equal(s.stream, STATUS_STREAM);
      assert.equal(h.stream, STATUS_STREAM);
    });

    it("answers the hub's request on its diff subject", async () => {
      const sub = alpha.nc.subscribe(diffSubject('alpha'), { callback: (_err, m) => { m.respond(enc(`diff of ${m.string()}`)); } });
      await alpha.nc.flush();
      const reply = await res.nc.request(diffSubject('alpha'), enc('app'), { timeout: 3000 });
      assert.equal(reply.string(), 'diff of app');
      sub.unsubscribe();
    });
  });

  describe("what an agent may not do (another cluster's data, writes)", () => {
    it("cannot watch another cluster's keys", async () => {
      const kv = await new Kvm(alpha.js).open(DESIRED_STATE_BUCKET);
      await assert.rejects(kv.watch({ key: clusterKeyFilter('beta') }), PERMISSION);
      await assert.rejects(kv.watch(), PERMISSION); // the whole bucket
    });

    it("cannot read another cluster's desired state (get, direct get, bucket info)", async () => {
      const kv = await new Kvm(alpha.js).open(DESIRED_STATE_BUCKET);
      await assert.rejects(kv.get(desiredStateKey('beta', 'app')), PERMISSION); // STREAM.MSG.GET
      await assert.rejects(kv.status(), PERMISSION); // STREAM.INFO (subjects_filter would list every key)
      const jsm = await jetstreamManager(alpha.nc, { checkAPI: false });
      await assert.rejects(jsm.direct.getMessage(`KV_${DESIRED_STATE_BUCKET}`, { last_by_subj: `$KV.${DESIRED_STATE_BUCKET}.beta.app` }), PERMISSION);
      await assert.rejects(jsm.streams.getMessage(`KV_${DESIRED_STATE_BUCKET}`, { seq: 1 }), PERMISSION);
    });

    it('cannot widen its consumer filter through the request body', async () => {
      const subject = `$JS.API.CONSUMER.CREATE.KV_${DESIRED_STATE_BUCKET}.sneaky.$KV.${DESIRED_STATE_BUCKET}.alpha.>`;
      for (const config of [
        { name: 'sneaky', filter_subject: `$KV.${DESIRED_STATE_BUCKET}.>` },
        { name: 'sneaky', filter_subjects: [`$KV.${DESIRED_STATE_BUCKET}.beta.>`] },
        { name: 'sneaky' },
      ]) {
        const body = { stream_name: `KV_${DESIRED_STATE_BUCKET}`, config: { ...config, deliver_subject: `${agentInboxPrefix('alpha')}.x`, ack_policy: 'none' } };
        const reply = (await alpha.nc.request(subject, JSON.stringify(body), { timeout: 3000 })).json<{ error?: { code: number } }>();
        assert.equal(reply.error?.code, 400, JSON.stringify(reply));
      }
    });

    it("cannot publish another cluster's status or heartbeat; the stream holds nothing under its name", async () => {
      await assert.rejects(alpha.js.publish(statusSubject('beta'), enc('forged')), PERMISSION);
      await assert.rejects(alpha.js.publish(heartbeatSubject('beta'), enc('forged')), PERMISSION);
      // nor through a consumer of its own keys that delivers onto beta's status subject (while
      // someone listens there, so the consumer does deliver)
      const listener = res.nc.subscribe(statusSubject('beta'));
      await res.nc.flush();
      const body = {
        stream_name: `KV_${DESIRED_STATE_BUCKET}`,
        config: { name: 'redirect', filter_subject: `$KV.${DESIRED_STATE_BUCKET}.alpha.>`, deliver_subject: statusSubject('beta'), ack_policy: 'none' },
      };
      await alpha.nc.request(`$JS.API.CONSUMER.CREATE.KV_${DESIRED_STATE_BUCKET}.redirect.$KV.${DESIRED_STATE_BUCKET}.alpha.>`, JSON.stringify(body), { timeout: 3000 });
      await new Promise((r) => setTimeout(r, 500));
      listener.unsubscribe();
      assert.deepEqual(await betaSubjectsInStream(), []);
    });

    it("cannot subscribe to the shared inbox space or another agent's inbox", async () => {
      for (const subject of ['_INBOX.>', `${agentInboxPrefix('beta')}.>`, '>', diffSubject('beta')]) {
        const sub = alpha.nc.subscribe(subject);
        const closed = await sub.closed;
        assert.ok(closed instanceof errors.PermissionViolationError, `${subject}: ${String(closed)}`);
      }
    });

    it('cannot put or delete in the bucket or the object store', async () => {
      const kv = await new Kvm(alpha.js).open(DESIRED_STATE_BUCKET);
      await assert.rejects(kv.put(desiredStateKey('alpha', 'app'), enc('mine now')), PERMISSION);
      await assert.rejects(kv.delete(desiredStateKey('alpha', 'app')), PERMISSION);
      const store = await new Objm(alpha.js).open(BUNDLE_STORE);
      await assert.rejects(store.putBlob({ name: 'evil' }, enc('x')), PERMISSION);
      await assert.rejects(store.delete('sha256-test'), PERMISSION);
      assert.equal((await res.desired.get(desiredStateKey('alpha', 'app')))?.string(), 'alpha-app');
      assert.deepEqual(new Uint8Array((await res.bundles.getBlob('sha256-test'))!), bundleBytes);
    });

    it('was still connected after all those refusals', () => {
      assert.equal(alpha.nc.isClosed(), false);
    });
  });

  describe('issuing', () => {
    it('refuses a key that is not a user public key', async () => {
      await assert.rejects(identity.issueAgentUser('alpha', identity.accountPublicKey), InvalidNkeyError);
      await assert.rejects(identity.issueAgentUser('alpha', 'UNOTAKEY'), InvalidNkeyError);
      await assert.rejects(identity.issueAgentUser('Not_A_Cluster', alpha.creds.userPublicKey), /invalid cluster name/);
    });
  });

  describe('revocation', () => {
    it('disconnects a revoked agent within seconds, refuses its reconnect, keeps the others', async () => {
      const t0 = Date.now();
      const r = await identity.revokeUsers([alpha.creds.userPublicKey]);
      assert.equal(r.updated, true);
      const gone = await waitFor('alpha disconnected', async () => alpha.events.find((e) => e.type === 'disconnect' || e.type === 'close'), 5000);
      const seconds = (gone.at - t0) / 1000;
      process.stdout.write(`# revocation: alpha ${gone.type} after ${seconds.toFixed(2)} s\n`);
      assert.ok(seconds < 5, `disconnected after ${seconds} s`);

      await assert.rejects(
        connect({ servers: srv.url, authenticator: credsAuthenticator(alpha.creds.creds), inboxPrefix: agentInboxPrefix('alpha'), timeout: 3000 }),
        (err: Error) => err instanceof errors.AuthorizationError,
      );
      // beta is untouched
      assert.equal(beta.nc.isClosed(), false);
      assert.equal(beta.events.some((e) => e.type === 'disconnect'), false);
      const ack = await beta.js.publish(heartbeatSubject('beta'), enc('still here'));
      assert.equal(ack.stream, STATUS_STREAM);
      // the revoked connection never got back in
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(alpha.events.some((e) => e.type === 'reconnect'), false);
    });

    it('lets the same cluster in again with newly issued credentials (rotation)', async () => {
      // JWTs issued in the second of the revocation are revoked too
      await new Promise((r) => setTimeout(r, 1100));
      const fresh = await connectAgent(srv.url, 'alpha', await identity.issueAgentCreds('alpha'));
      try {
        const ack = await fresh.js.publish(statusSubject('alpha'), enc('report'), { msgID: 'alpha-report-2' });
        assert.equal(ack.stream, STATUS_STREAM);
      } finally {
        await fresh.nc.close();
      }
    });

    it('keeps both of two revocations pushed in the same second', async () => {
      const a = (await identity.issueAgentCreds('gamma')).userPublicKey;
      const b = (await identity.issueAgentCreds('delta')).userPublicKey;
      await Promise.all([identity.revokeUsers([a]), identity.revokeUsers([b])]);
      const claims = decode<{ revocations?: Record<string, number> }>(await identity.lookupAccountJwt());
      assert.ok(claims.nats.revocations?.[a], 'first revocation kept');
      assert.ok(claims.nats.revocations?.[b], 'second revocation kept');
      assert.ok(claims.nats.revocations?.[alpha.creds.userPublicKey], 'earlier revocation kept');
      assert.equal((await identity.revokeUsers([a], new Date(0))).updated, false, 'an older revocation changes nothing');
    });

    it('survives a nats-server restart (the older preloaded account JWT does not win)', async () => {
      await srv.restart();
      const claims = decode<{ revocations?: Record<string, number> }>(await identity.lookupAccountJwt());
      assert.ok(claims.nats.revocations?.[alpha.creds.userPublicKey]);
      await assert.rejects(
        connect({ servers: srv.url, authenticator: credsAuthenticator(alpha.creds.creds), timeout: 3000 }),
        (err: Error) => err instanceof errors.AuthorizationError,
      );
    });
  });
});
