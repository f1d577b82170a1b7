/**
 * Helpers for the agent's integration suites on the REAL test bed (kube-apiserver, nats-server,
 * kubectl): read testbed.env, check the parts are up (fail loudly when not), play the hub's side
 * (publish bundles and desired states with the proto helpers: test data only), run the agent as
 * a child process and read what it reported.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { type KeyObject, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readTestbedEnv, waitFor } from '@gitfleet/testing';
import {
  BUNDLE_STORE,
  BundleManifestSchema,
  bundleDigest,
  canonicalJson,
  CONTRACT_VERSION,
  create,
  DESIRED_STATE_BUCKET,
  desiredStateKey,
  DesiredStateSchema,
  fromBinary,
  HEARTBEAT_SUBJECT_PREFIX,
  type Heartbeat,
  HeartbeatSchema,
  heartbeatSubject,
  signingKeyId,
  signingPayload,
  STATUS_STREAM,
  STATUS_SUBJECT_PREFIX,
  type StatusReport,
  StatusReportSchema,
  statusSubject,
  toBinary,
} from '@gitfleet/proto';

const exec = promisify(execFile);

/** The test bed as read from testbed.env. */
export interface Testbed {
  natsUrl: string;
  kubeconfigDir: string;
  spokes: string[];
  /** spokes that run kube-controller-manager, kube-scheduler and KWOK nodes (GITFLEET_WORKLOAD_SPOKES; every spoke of today's test bed) */
  workloadSpokes: string[];
  bin: string;
  /** name of the spoke the suites use, e.g. `spoke5` */
  spoke: string;
  /** kubeconfig of the spoke the suites use */
  kubeconfig: string;
}

/**
 * Reads the test bed env file (`readTestbedEnv` of `@gitfleet/testing`) and checks that NATS and the spoke's kube-apiserver answer.
 * @throws Error naming the env file when it is missing; AssertionError with a clear message when
 *   NATS or the kube-apiserver does not answer
 */
export async function testbed(spokeName?: string): Promise<Testbed> {
  const { env } = readTestbedEnv();
  const spokes = (env.GITFLEET_SPOKES ?? 'spoke1').split(',').filter(Boolean);
  const spoke = spokeName ?? process.env.GITFLEET_AGENT_TEST_SPOKE ?? spokes[spokes.length - 1]!;
  const tb: Testbed = {
    natsUrl: env.GITFLEET_NATS_URL ?? 'nats://127.0.0.1:14222',
    kubeconfigDir: env.GITFLEET_KUBECONFIG_DIR ?? '',
    spokes,
    workloadSpokes: (env.GITFLEET_WORKLOAD_SPOKES ?? '').split(',').filter(Boolean),
    bin: env.GITFLEET_BIN ?? join(homedir(), '.cache/gitfleet/bin'),
    spoke,
    kubeconfig: join(env.GITFLEET_KUBECONFIG_DIR ?? '', `${spoke}.kubeconfig`),
  };
  assert.ok(existsSync(tb.kubeconfig), `kubeconfig ${tb.kubeconfig} not found: is the test bed up?`);
  try {
    await exec('kubectl', ['--kubeconfig', tb.kubeconfig, 'get', '--raw', '/readyz'], { timeout: 10_000 });
  } catch (err) {
    assert.fail(`kube-apiserver of ${spoke} (${tb.kubeconfig}) is not ready: ${(err as Error).message}`);
  }
  try {
    const nc = await connect({ servers: tb.natsUrl, timeout: 3000 });
    await nc.close();
  } catch (err) {
    assert.fail(`nats-server ${tb.natsUrl} is not reachable: ${(err as Error).message}`);
  }
  return tb;
}

/** A short random suffix for unique names per run. */
export function uniq(): string {
  return randomBytes(3).toString('hex');
}

/** kubectl against the test spoke; returns stdout. */
export async function kubectl(tb: Testbed, ...args: string[]): Promise<string> {
  const { stdout } = await exec('kubectl', ['--kubeconfig', tb.kubeconfig, ...args], { timeout: 30_000 });
  return stdout;
}

/** A Kubernetes object as kubectl prints it with -o json. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary fields
export type KubeJson = Record<string, any>;

/** The object as JSON, or null when kubectl says NotFound. */
export async function kubeGet(tb: Testbed, kind: string, name: string, namespace?: string): Promise<KubeJson | null> {
  try {
    return JSON.parse(await kubectl(tb, 'get', kind, name, ...(namespace ? ['-n', namespace] : []), '-o', 'json'));
  } catch (err) {
    if (/NotFound|not found/.test((err as { stderr?: string }).stderr ?? '')) return null;
    throw err;
  }
}

/** One manifest object for a bundle: a file name and the object. */
export interface TestObject {
  file?: string;
  obj: Record<string, unknown>;
}

/** Options of a desired state the hub side publishes. */
export interface DesiredOptions {
  revision?: string;
  generation?: bigint;
  prune?: boolean;
  targetNamespace?: string;
  defaultNamespace?: string;
  contractVersion?: string;
  /** cluster written into the message (default: the key's cluster) */
  messageCluster?: string;
  /** digest written into the message (default: the bundle's) */
  digest?: string;
  /** sync policy (default: all true) */
  automated?: boolean;
  selfHeal?: boolean;
  /** DesiredState.sync_request (default 0) */
  syncRequest?: bigint;
  ignoreDifferences?: Array<{ group?: string; kind?: string; namespace?: string; name?: string; jsonPointers?: string[]; managers?: string[] }>;
  /** DesiredState.take_ownership (default true, as the hub publishes for non-Helm bundles) */
  takeOwnership?: boolean;
  /** DesiredState.namespace_labels / namespace_annotations (Fleet namespaceLabels/Annotations; default none) */
  namespaceLabels?: Record<string, string>;
  namespaceAnnotations?: Record<string, string>;
  /** ed25519 key pair to sign the message with, as the hub does (default: unsigned) */
  signWith?: { privateKey: KeyObject; publicKey: KeyObject };
  /** flip one bit of the signature after signing */
  corruptSignature?: boolean;
  /** DesiredState.withdrawn (a tombstone: use putTombstone) */
  withdrawn?: boolean;
  /** DesiredState.withdrawal_reason */
  withdrawalReason?: string;
}

/** The hub's side, for tests only: KV bucket, object store and status stream on one NATS. */
export class FakeHubSide {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly kv: KV,
    readonly store: ObjectStore,
  ) {}

  /** Connects and makes sure the bucket, the object store and the status stream exist. */
  static async open(natsUrl: string): Promise<FakeHubSide> {
    const nc = await connect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const kvm = new Kvm(nc);
    const kv = await kvm.open(DESIRED_STATE_BUCKET)
      .then(async (b) => { await b.status(); return b; })
      .catch(() => kvm.create(DESIRED_STATE_BUCKET, { history: 5 }));
    const objm = new Objm(nc);
    const store = await objm.open(BUNDLE_STORE).catch(() => objm.create(BUNDLE_STORE));
    try {
      await jsm.streams.info(STATUS_STREAM);
    } catch {
      await jsm.streams.add({ name: STATUS_STREAM, subjects: [`${STATUS_SUBJECT_PREFIX}.>`, `${HEARTBEAT_SUBJECT_PREFIX}.>`], duplicate_window: 120_000_000_000 });
    }
    return new FakeHubSide(nc, js, kv, store);
  }

  /** Stores a BundleManifest of `objects`; returns its digest. */
  async putBundle(bundleId: string, revision: string, objects: TestObject[]): Promise<string> {
    const bytes = bundleBytes(bundleId, objects);
    const digest = bundleDigest(bytes);
    await this.store.putBlob({ name: digest }, bytes);
    return digest;
  }

  /** Stores raw bytes under an object name (to tamper with a bundle). */
  async putRaw(name: string, bytes: Uint8Array): Promise<void> {
    await this.store.putBlob({ name }, bytes);
  }

  /** Writes the DesiredState of `<cluster>.<bundleId>`; returns the KV revision. */
  async putDesired(cluster: string, bundleId: string, digest: string, o: DesiredOptions = {}): Promise<number> {
    const d = create(DesiredStateSchema, {
      contractVersion: o.contractVersion ?? CONTRACT_VERSION,
      cluster: o.messageCluster ?? cluster,
      bundleId,
      revision: o.revision ?? 'rev1',
      digest: o.digest ?? digest,
      syncPolicy: { automated: o.automated ?? true, prune: o.prune ?? true, selfHeal: o.selfHeal ?? true },
      syncRequest: o.syncRequest ?? 0n,
      ignoreDifferences: (o.ignoreDifferences ?? []).map((r) => ({ group: '', kind: '', namespace: '', name: '', jsonPointers: [], managers: [], ...r })),
      generation: o.generation ?? 1n,
      defaultNamespace: o.defaultNamespace ?? '',
      targetNamespace: o.targetNamespace ?? '',
      takeOwnership: o.takeOwnership ?? true,
      namespaceLabels: o.namespaceLabels ?? {},
      namespaceAnnotations: o.namespaceAnnotations ?? {},
      withdrawn: o.withdrawn ?? false,
      withdrawalReason: o.withdrawalReason ?? '',
      source: 'test',
      path: bundleId,
      publishedAt: new Date().toISOString(),
    });
    if (o.signWith) {
      d.signature = sign(null, signingPayload(d), o.signWith.privateKey);
      d.signingKeyId = signingKeyId(o.signWith.publicKey);
      if (o.corruptSignature) d.signature[0] = d.signature[0]! ^ 1;
    }
    return this.kv.put(desiredStateKey(cluster, bundleId), toBinary(DesiredStateSchema, d));
  }

  /**
   * Writes a tombstone for `<cluster>.<bundleId>` as the hub withdraws a target: withdrawn=true,
   * empty digest, the given (next) generation, signed when `signWith` is given. Returns the KV revision.
   */
  async putTombstone(cluster: string, bundleId: string, o: DesiredOptions & { generation: bigint }): Promise<number> {
    return this.putDesired(cluster, bundleId, '', { withdrawalReason: 'withdrawn by the test', ...o, withdrawn: true });
  }

  /** Writes raw bytes as the value of `<cluster>.<bundleId>` (e.g. to replay an earlier entry). */
  async putRawDesired(cluster: string, bundleId: string, value: Uint8Array): Promise<number> {
    return this.kv.put(desiredStateKey(cluster, bundleId), value);
  }

  /** The values of every PUT of `<cluster>.<bundleId>` still in the KV history, oldest first. */
  async desiredHistory(cluster: string, bundleId: string): Promise<Array<{ revision: number; value: Uint8Array }>> {
    const out: Array<{ revision: number; value: Uint8Array }> = [];
    const iter = await this.kv.history({ key: desiredStateKey(cluster, bundleId) });
    for await (const e of iter) if (e.operation === 'PUT') out.push({ revision: e.revision, value: e.value });
    return out;
  }

  /** Deletes the key of a target (a bare KV DEL: never a withdrawal; the agent must refuse it). */
  async deleteDesired(cluster: string, bundleId: string): Promise<void> {
    await this.kv.delete(desiredStateKey(cluster, bundleId));
  }

  /** Purges the key of a target (a bare KV PURGE: never a withdrawal; the agent must refuse it). */
  async purgeDesired(cluster: string, bundleId: string): Promise<void> {
    await this.kv.purge(desiredStateKey(cluster, bundleId));
  }

  /** Every status report of `cluster` in the stream so far. */
  async reports(cluster: string): Promise<StatusReport[]> {
    return (await this.messages(statusSubject(cluster))).map((m) => fromBinary(StatusReportSchema, m.data));
  }

  /** Every heartbeat of `cluster` in the stream so far. */
  async heartbeats(cluster: string): Promise<Heartbeat[]> {
    return (await this.messages(heartbeatSubject(cluster))).map((m) => fromBinary(HeartbeatSchema, m.data));
  }

  /** Polls the stream until a report of `cluster` matches. */
  async waitReport(cluster: string, what: string, match: (r: StatusReport) => boolean, timeoutMs = 30_000): Promise<StatusReport> {
    return waitFor(what, async () => (await this.reports(cluster)).find(match), timeoutMs);
  }

  /**
   * Every message on `subject` in the status stream, read with an ordered consumer that is
   * deleted afterwards: the polls of waitReport would otherwise leave one consumer each on the
   * shared test bed's stream for its 5-minute inactivity threshold, until JetStream refuses more
   * ("maximum consumers limit reached").
   */
  private async messages(subject: string): Promise<JsMsg[]> {
    const c = await this.js.consumers.get(STATUS_STREAM, { filter_subjects: subject });
    try {
      const info = await c.info(true);
      const out: JsMsg[] = [];
      if (info.num_pending === 0) return out;
      const iter = await c.fetch({ max_messages: info.num_pending, expires: 5000 });
      for await (const m of iter) {
        out.push(m);
        if (m.info.pending === 0) break;
      }
      return out;
    } finally {
      await c.delete();
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/** Protobuf bytes of a BundleManifest of `objects` (canonical JSON per object). */
export function bundleBytes(bundleId: string, objects: TestObject[]): Uint8Array {
  return toBinary(BundleManifestSchema, create(BundleManifestSchema, {
    contractVersion: CONTRACT_VERSION,
    bundleId,
    objects: objects.map((o, i) => ({ file: o.file ?? `obj-${i}.yaml`, json: canonicalJson(o.obj) })),
  }));
}

/** A ConfigMap object. */
export function configMap(name: string, data: Record<string, string>, namespace?: string): TestObject {
  return { obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data } };
}

/**
 * A Deployment `name` with one container `web` (image, 2 replicas by default, cpu limit "0.5" so
 * that the apiserver's quantity normalisation is exercised).
 */
export function deployment(name: string, namespace: string, o: { image?: string; replicas?: number; annotations?: Record<string, string> } = {}): TestObject {
  return {
    obj: {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name, namespace, ...(o.annotations ? { annotations: o.annotations } : {}) },
      spec: {
        replicas: o.replicas ?? 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image: o.image ?? 'registry.invalid/web:1', resources: { limits: { cpu: '0.5', memory: '64Mi' } } }] },
        },
      },
    },
  };
}

/** Reports of one bundle of `cluster`, in stream order. */
export async function bundleReports(ctx: SuiteContext, bundleId: string): Promise<StatusReport[]> {
  return (await ctx.hub.reports(ctx.cluster)).filter((r) => r.bundleId === bundleId);
}

/** Waits for a report of `bundleId` published after `sinceMs` (observedAt) that matches. */
export async function waitBundleReport(ctx: SuiteContext, bundleId: string, what: string, match: (r: StatusReport) => boolean, o: { sinceMs?: number; timeoutMs?: number } = {}): Promise<StatusReport> {
  return waitFor(what, async () => (await bundleReports(ctx, bundleId)).find((r) => Date.parse(r.observedAt) >= (o.sinceMs ?? 0) && match(r)), o.timeoutMs ?? 30_000);
}

/** A Namespace object. */
export function namespace(name: string): TestObject {
  return { obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } };
}

/** The agent as a child process (`node dist/src/main.js`), with its log lines. */
export class AgentProcess {
  readonly lines: string[] = [];
  private exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      for (const l of chunk.toString().split('\n')) if (l.trim()) this.lines.push(l);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts the agent for `cluster` with extra flags. Set AGENT_TEST_LOGS=1 to echo its logs. */
  static start(tb: Testbed, opts: { cluster: string; natsUrl?: string; namespace: string; kubeconfig?: string; args?: string[] }): AgentProcess {
    const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
    // the V8 flags the agent is meant to run with (README, "Memory")
    const child = spawn(process.execPath, [
      '--lite-mode', '--max-semi-space-size=1', main, '--cluster', opts.cluster, '--nats-url', opts.natsUrl ?? tb.natsUrl, '--kubeconfig', opts.kubeconfig ?? tb.kubeconfig,
      '--namespace', opts.namespace, '--heartbeat-interval', '1', '--log-level', 'debug', ...(opts.args ?? []),
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
    const agent = new AgentProcess(child);
    if (process.env.AGENT_TEST_LOGS) {
      child.stdout?.on('data', (c: Buffer) => process.stderr.write(c));
      child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
    }
    return agent;
  }

  /** Log lines (parsed) whose msg matches. */
  logs(msg: RegExp): Array<Record<string, unknown>> {
    return this.lines.flatMap((l) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        return msg.test(String(o.msg)) ? [o] : [];
      } catch {
        return [];
      }
    });
  }

  /** Sends SIGTERM and waits for the exit code (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** Everything one suite needs: the test bed, the hub side, a unique cluster and agent namespace. */
export interface SuiteContext {
  tb: Testbed;
  hub: FakeHubSide;
  /** unique per run: the agent's cluster name and the prefix of every namespace the suite uses */
  id: string;
  cluster: string;
  agentNamespace: string;
  agent: AgentProcess | undefined;
  /** namespaces to delete after the suite */
  namespaces: Set<string>;
  /** keys to delete after the suite */
  bundles: Set<string>;
}

/**
 * Opens a suite: checks the test bed and connects the hub side (no agent yet). `spoke` picks the
 * cluster (default: GITFLEET_AGENT_TEST_SPOKE, else the last spoke).
 */
export async function openSuite(name: string, natsUrl?: string, spoke?: string): Promise<SuiteContext> {
  const tb = await testbed(spoke);
  const id = `${name}-${uniq()}`;
  const hub = await FakeHubSide.open(natsUrl ?? tb.natsUrl);
  return { tb, hub, id, cluster: `gfa-${id}`, agentNamespace: `gfa-${id}-system`, agent: undefined, namespaces: new Set(), bundles: new Set() };
}

/** Starts (or restarts) the suite's agent. */
export function startAgent(ctx: SuiteContext, opts: { natsUrl?: string; kubeconfig?: string; args?: string[] } = {}): AgentProcess {
  ctx.agent = AgentProcess.start(ctx.tb, { cluster: ctx.cluster, namespace: ctx.agentNamespace, ...opts });
  ctx.namespaces.add(ctx.agentNamespace);
  return ctx.agent;
}

/** Stops the agent, deletes the suite's keys and namespaces (without waiting), closes NATS. */
export async function closeSuite(ctx: SuiteContext | undefined): Promise<void> {
  if (!ctx) return;
  await ctx.agent?.stop();
  for (const b of ctx.bundles) await ctx.hub.deleteDesired(ctx.cluster, b).catch(() => undefined);
  for (const ns of ctx.namespaces) {
    await kubectl(ctx.tb, 'delete', 'namespace', ns, '--ignore-not-found', '--wait=false').catch(() => undefined);
  }
  await ctx.hub.close();
}

/** True when an object is gone or being deleted (a bare apiserver has no namespace controller). */
export function goneOrDeleting(obj: KubeJson | null): boolean {
  return obj === null || typeof obj.metadata?.deletionTimestamp === 'string';
}

/**
 * A TCP relay in front of a real server, to cut and restore the network path in a test (like
 * toxiproxy): while closed, connections are refused; the real server answers everything else.
 */
export class TcpRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(readonly port: number, private readonly targetHost: string, private readonly targetPort: number) {}

  /** Starts relaying. */
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = netConnect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Stops relaying: drops open connections and refuses new ones. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Writes a copy of the test kubeconfig whose server is https://127.0.0.1:<port>; returns its path. */
export function kubeconfigVia(tb: Testbed, port: number): { path: string; target: { host: string; port: number } } {
  const text = readFileSync(tb.kubeconfig, 'utf8');
  const m = /server:\s*https:\/\/([^:/\s]+):(\d+)/.exec(text);
  assert.ok(m, `cannot find the server URL in ${tb.kubeconfig}`);
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-agent-kc-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, text.replace(m[0], `server: https://${m[1]}:${port}`));
  return { path, target: { host: m[1]!, port: Number(m[2]) } };
}
