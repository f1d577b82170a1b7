// The hub's NATS handlers as NestJS microservice handlers on a real nats-server: the transport
// (nats/nats.transport.ts) with JetStream batches and core-NATS request/reply, and the
// credentials handler (messaging/credentials.handlers.ts) through Nest's wiring.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Logger, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CONTRACT_VERSION, create, CredentialsRequestSchema, CredentialsResponseSchema, fromBinary, toBinary } from '@gitfleet/proto';
import { NatsServer, waitFor } from '@gitfleet/testing';
import type { ClusterCredentialsService } from '../src/clusters/cluster-credentials.service.js';
import { CredentialsResponder } from '../src/enrollment/credentials-responder.service.js';
import { CredentialsHandlers } from '../src/messaging/credentials.handlers.js';
import { MAX_BATCH } from '../src/nats/jetstream-batches.js';
import { NatsTransport } from '../src/nats/nats.transport.js';
import { InvalidInputError } from '../src/errors.js';
import { loadTestbed } from './support/testbed.js';

Logger.overrideLogger(false);

const STREAM = 'T_EVENTS';
const CONSUMER = 't-consumer';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** What the test handlers saw. */
const seen = {
  batches: [] as number[][],
  active: 0,
  maxActive: 0,
  gate: undefined as Promise<void> | undefined,
  requests: 0,
};

@Controller()
class BatchHandlers {
  @EventPattern(CONSUMER, { stream: STREAM })
  async handle(@Payload() batch: JsMsg[]): Promise<void> {
    seen.active++;
    seen.maxActive = Math.max(seen.maxActive, seen.active);
    await new Promise((r) => setTimeout(r, 2));
    await seen.gate;
    seen.batches.push(batch.map((m) => Number(dec.decode(m.data))));
    for (const m of batch) m.ack();
    seen.active--;
  }
}

@Controller()
class EchoHandlers {
  @MessagePattern('t.echo.*', { queue: 't-queue' })
  async echo(@Payload() data: Uint8Array, @Ctx() context: NatsContext): Promise<Uint8Array> {
    seen.requests++;
    if (dec.decode(data) === 'fail') throw new Error('refused by the test');
    return enc.encode(`${context.getSubject()}:${dec.decode(data)}`);
  }
}

@Controller()
class StreamlessHandlers {
  @EventPattern('t.nothing')
  handle(@Payload() _data: unknown): void {}
}

describe('NATS handlers (NestJS microservice on a real nats-server)', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const apps: INestMicroservice[] = [];

  /** A Nest microservice of `controllers` (and `providers`) on a NatsTransport of its own. */
  async function start(controllers: Array<new (...a: never[]) => unknown>, providers: unknown[] = []): Promise<{ app: INestMicroservice; transport: NatsTransport }> {
    const transport = new NatsTransport({ resources: { nc, js } });
    const app = await NestFactory.createMicroservice({ module: class HandlersTestModule {}, controllers, providers: providers as never[] }, { strategy: transport, logger: false });
    apps.push(app);
    await app.listen();
    return { app, transport };
  }

  /** Closes `app` (a test that ends its app itself), so that `after` closes only the others. */
  async function stop(app: INestMicroservice): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  }

  const pending = async () => {
    const ci = await jsm.consumers.info(STREAM, CONSUMER);
    return ci.num_pending + ci.num_ack_pending;
  };

  before(async () => {
    const tb = await loadTestbed();
    nats = await NatsServer.start(tb.binDir, { name: 'hub-handlers-test' });
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['t.events.>'] });
    await jsm.consumers.add(STREAM, { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit });
  });

  after(async () => {
    for (const app of apps) await app.close();
    await nc?.close();
    await nats?.dispose();
  });

  it('hands a durable consumer\'s messages to an @EventPattern handler in batches of at most MAX_BATCH, in stream order, one batch at a time', async () => {
    const n = 1200;
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => js.publish(`t.events.e${(i + j) % 7}`, enc.encode(String(i + j)))));
    const { app } = await start([BatchHandlers]);
    await waitFor('all handled and acked', async () => seen.batches.flat().length === n && (await pending()) === 0, 20_000);
    assert.deepEqual(seen.batches.flat(), Array.from({ length: n }, (_, i) => i));
    assert.ok(seen.batches.every((b) => b.length >= 1 && b.length <= MAX_BATCH), `batch sizes ${seen.batches.map((b) => b.length).join(',')}`);
    assert.ok(seen.batches.some((b) => b.length > 1), 'messages buffered together form one batch');
    assert.equal(seen.maxActive, 1, 'batches are handled one at a time');
    await stop(app);
  });

  it('closes after the batch being handled is finished, and listens again after close', async () => {
    let open!: () => void;
    seen.gate = new Promise<void>((r) => (open = r));
    seen.batches = [];
    const { app, transport } = await start([BatchHandlers]);
    await js.publish('t.events.x', enc.encode('1'));
    await waitFor('batch in the handler', async () => seen.active === 1, 5000);
    let closed = false;
    const closing = transport.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(closed, false, 'close waits for the batch');
    open();
    await closing;
    assert.deepEqual(seen.batches, [[1]]);
    seen.gate = undefined;
    await js.publish('t.events.x', enc.encode('2'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen.batches, [[1]], 'nothing consumed after close');
    await new Promise<void>((resolve, reject) => transport.listen((err) => (err ? reject(err) : resolve())));
    await waitFor('consumed after listening again', async () => seen.batches.length === 2 && (await pending()) === 0, 5000);
    assert.deepEqual(seen.batches, [[1], [2]]);
    await stop(app);
  });

  it('refuses to listen to an @EventPattern handler that names no stream', async () => {
    const transport = new NatsTransport({ resources: { nc, js } });
    const app = await NestFactory.createMicroservice({ module: class StreamlessTestModule {}, controllers: [StreamlessHandlers] }, { strategy: transport, logger: false });
    apps.push(app);
    await assert.rejects(app.listen(), /event handler "t\.nothing" names no JetStream stream/);
  });

  it('answers core-NATS requests with an @MessagePattern handler\'s bytes, one replica of a queue group each; a failing handler sends no reply', async () => {
    seen.requests = 0;
    await start([EchoHandlers]);
    await start([EchoHandlers]);
    for (let i = 0; i < 10; i++) {
      const reply = await nc.request(`t.echo.c${i}`, enc.encode(`hi${i}`), { timeout: 2000 });
      assert.equal(dec.decode(reply.data), `t.echo.c${i}:hi${i}`);
    }
    await nc.flush();
    assert.equal(seen.requests, 10, 'one queue member answered each request');
    await assert.rejects(nc.request('t.echo.c1', enc.encode('fail'), { timeout: 500 }), /timeout/i);
    assert.equal(dec.decode((await nc.request('t.echo.c2', enc.encode('again'), { timeout: 2000 })).data), 't.echo.c2:again');
  });

  it('answers a credentials request on fleet.credentials.<cluster> through CredentialsHandlers, refusing one that names another cluster', async () => {
    const asked: Array<[string, string, boolean]> = [];
    const credentials = {
      enabled: true,
      handleAgentRequest: async (cluster: string, key: string, confirm: boolean) => {
        asked.push([cluster, key, confirm]);
        if (key === 'bad') throw new InvalidInputError('not a user public key');
        return `jwt-for-${cluster}`;
      },
    } as unknown as ClusterCredentialsService;
    await start([CredentialsHandlers], [{ provide: CredentialsResponder, useValue: new CredentialsResponder(credentials) }]);
    const ask = async (subject: string, cluster: string, userPublicKey: string, confirm = false) => {
      const req = create(CredentialsRequestSchema, { contractVersion: CONTRACT_VERSION, cluster, userPublicKey, confirm });
      return fromBinary(CredentialsResponseSchema, (await nc.request(subject, toBinary(CredentialsRequestSchema, req), { timeout: 2000 })).data);
    };
    const ok = await ask('fleet.credentials.c1', 'c1', 'UKEY', true);
    assert.equal(ok.userJwt, 'jwt-for-c1');
    assert.equal(ok.error, '');
    const spoofed = await ask('fleet.credentials.c2', 'c1', 'UKEY');
    assert.equal(spoofed.userJwt, '');
    assert.match(spoofed.error, /names cluster "c1" but came on the subject of "c2"/);
    assert.equal((await ask('fleet.credentials.c1', 'c1', 'bad')).error, 'not a user public key');
    assert.deepEqual(asked, [['c1', 'UKEY', true], ['c1', 'bad', false]]);
  });
});
