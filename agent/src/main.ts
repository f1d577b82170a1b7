#!/usr/bin/env -S node --lite-mode --max-semi-space-size=1
/**
 * gitfleet-agent: watches this cluster's desired state in NATS JetStream, applies it to the local
 * Kubernetes cluster, prunes what left it and reports status. Wiring only; the logic lives in
 * nats/, kube/, inventory/ and reconcile/.
 */
import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { heartbeatSubject, statusSubject } from '@gitfleet/proto';
import { pino, type Logger } from 'pino';
import { type AgentConfig, parseConfig, type RawOptions } from './config.js';
import { DEFAULT_IGNORE_MANAGERS } from './drift/ignore.js';
import { startHealthServer } from './health.js';
import { InventoryStore } from './inventory/store.js';
import { ensureNamespace } from './kube/apply.js';
import { KubeClient } from './kube/client.js';
import { errorMessage } from './kube/errors.js';
import { LiveWatcher } from './kube/watch.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels.js';
import { BundleFetcher } from './nats/bundle-fetcher.js';
import { ConnectionMonitor, connectNats } from './nats/connection.js';
import { DesiredStateWatcher } from './nats/desired-watcher.js';
import { DiffResponder } from './nats/diff-responder.js';
import { HeartbeatSender, StatusPublisher } from './nats/status-publisher.js';
import { backoffDelay } from './reconcile/backoff.js';
import { Keeper } from './reconcile/keeper.js';
import { diffDesired } from './reconcile/plan.js';
import type { ReconcileDeps } from './reconcile/reconcile.js';
import { Reconciler } from './reconcile/reconciler.js';
import { loadTrustedKeys } from './reconcile/signature.js';
import { AGENT_VERSION } from './version.js';

/** CRD Established wait, ms. */
const CRD_TIMEOUT_MS = 30_000;

/** Parses argv (with env fallbacks) into a validated config; exits with usage on error. */
export function cli(argv: string[]): AgentConfig {
  const program = new Command('gitfleet-agent')
    .description('gitfleet agent: pulls this cluster\'s desired state from NATS JetStream and applies it')
    .version(AGENT_VERSION)
    .addOption(new Option('--cluster <name>', 'this cluster\'s name (DNS-1123 label)').env('GITFLEET_CLUSTER'))
    .addOption(new Option('--nats-url <url>', 'NATS server URL(s), comma-separated').env('GITFLEET_NATS_URL'))
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig; in-cluster config when absent in a pod').env('KUBECONFIG'))
    .addOption(new Option('--namespace <ns>', 'the agent\'s own namespace (inventory)').env('GITFLEET_NAMESPACE').default('gitfleet-system'))
    .addOption(new Option('--resync-interval <seconds>', 're-apply every target\'s last desired state this often').env('GITFLEET_RESYNC_INTERVAL').default('300'))
    .addOption(new Option('--heartbeat-interval <seconds>', 'heartbeat period').env('GITFLEET_HEARTBEAT_INTERVAL').default('10'))
    .addOption(new Option('--health-port <port>', 'serve /healthz and /readyz on this port').env('GITFLEET_HEALTH_PORT'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('GITFLEET_LOG_LEVEL').default('info'))
    .addOption(new Option('--concurrency <n>', 'targets reconciled at the same time').env('GITFLEET_CONCURRENCY').default('4'))
    .addOption(new Option('--apply-concurrency <n>', 'objects applied at the same time within one wave').env('GITFLEET_APPLY_CONCURRENCY').default('8'))
    .addOption(new Option('--ignore-managers <list>', 'comma-separated field managers whose fields are never drift').env('GITFLEET_IGNORE_MANAGERS').default(DEFAULT_IGNORE_MANAGERS.join(',')))
    .addOption(new Option('--bundle-public-keys <files>', 'comma-separated files of the hub\'s ed25519 public keys (PEM); desired states must be signed by one of them (also GITFLEET_BUNDLE_PUBLIC_KEY_FILE)').env('GITFLEET_BUNDLE_PUBLIC_KEYS'));
  program.parse(argv);
  try {
    return parseConfig({ ...program.opts<RawOptions>(), bundlePublicKeyFile: process.env.GITFLEET_BUNDLE_PUBLIC_KEY_FILE });
  } catch (err) {
    program.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    throw err; // not reached: program.error exits
  }
}

/** Creates the agent namespace, retrying (with backoff) until the apiserver lets us. */
async function ensureAgentNamespace(kube: KubeClient, namespace: string, log: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      if (await ensureNamespace(kube, namespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE })) log.info({ namespace }, 'created agent namespace');
      return;
    } catch (err) {
      const delay = backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 });
      log.warn({ namespace, reason: errorMessage(err), retryInMs: delay }, 'cannot ensure agent namespace; retrying');
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}

/**
 * Reads the apiserver's version (for heartbeats), retrying with backoff until it answers; the
 * client reads it again after every re-resolution of its connection.
 */
async function readKubernetesVersion(kube: KubeClient, log: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      log.info({ kubernetesVersion: await kube.readVersion() }, 'read the Kubernetes version');
      return;
    } catch (err) {
      const delay = backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 });
      log.warn({ reason: errorMessage(err), retryInMs: delay }, 'cannot read the Kubernetes version; retrying');
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Runs the agent until SIGTERM/SIGINT. */
export async function run(config: AgentConfig): Promise<void> {
  const log = pino({ level: config.logLevel, base: { cluster: config.cluster, agentVersion: AGENT_VERSION } });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const shutdown = new AbortController();
  // parts are created step by step; shutdown stops whatever exists
  const parts: {
    nc?: NatsConnection; watcher?: DesiredStateWatcher; reconciler?: Reconciler; heartbeat?: HeartbeatSender;
    publisher?: StatusPublisher; monitor?: ConnectionMonitor; health?: Server; keeper?: Keeper; live?: LiveWatcher;
    diff?: DiffResponder; kube?: KubeClient;
  } = {};

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log.info({ signal }, 'shutting down');
      shutdown.abort();
      parts.heartbeat?.stop();
      parts.diff?.stop();
      await parts.watcher?.stop();
      await parts.reconciler?.stop(20_000);
      parts.keeper?.stop();
      parts.live?.stop();
      parts.kube?.close();
      await parts.publisher?.close(5000);
      await parts.nc?.drain().catch((err: unknown) => log.warn({ err }, 'NATS drain failed'));
      parts.health?.close();
      log.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info({ natsUrl: config.natsUrl, namespace: config.namespace, kubeconfig: config.kubeconfig ?? '(in-cluster/default)', resyncIntervalS: config.resyncIntervalMs / 1000 }, 'starting gitfleet agent');
  // the hub's public keys: read before anything else (a bad key file stops the agent here)
  const trustedKeys = loadTrustedKeys(config.bundlePublicKeys);
  if (trustedKeys) log.info({ keyIds: [...trustedKeys.keys()], files: config.bundlePublicKeys }, 'verifying desired-state signatures');
  else log.warn('bundle signatures are not verified: no --bundle-public-keys');
  if (config.healthPort !== undefined) {
    parts.health = await startHealthServer(config.healthPort, () => {
      if (!parts.monitor?.connected) return { ok: false, reason: 'NATS not connected' };
      if (!parts.watcher?.watching) return { ok: false, reason: 'desired state not watched yet' };
      return { ok: true, reason: 'ready' };
    });
    log.info({ port: config.healthPort }, 'health server listening');
  }

  // Kubernetes: client and the agent's own namespace (inventories live there; the inventory
  // store creates it too, so reconciles need not wait for this)
  // (the kubeconfig is resolved in a short-lived child process: see kube/connection.ts)
  const kube = await KubeClient.connect(config.kubeconfig, {
    onRefreshError: (err) => log.warn({ reason: errorMessage(err) }, 'cannot re-resolve the kubeconfig; keeping the current credentials'),
  });
  parts.kube = kube;
  void ensureAgentNamespace(kube, config.namespace, log, shutdown.signal);
  void readKubernetesVersion(kube, log, shutdown.signal);

  // NATS: connection (waits for the first connect, reconnects forever), status, heartbeat
  try {
    parts.nc = await connectNats({ url: config.natsUrl, name: `gitfleet-agent/${config.cluster}`, signal: shutdown.signal }, log);
  } catch (err) {
    if (shutdown.signal.aborted) return;
    throw err;
  }
  log.info({ server: parts.nc.getServer() }, 'connected to NATS');
  parts.monitor = new ConnectionMonitor(parts.nc, log);
  const js = jetstream(parts.nc, { timeout: 5000 });
  parts.publisher = new StatusPublisher(js, parts.monitor, { subject: statusSubject(config.cluster) }, log);
  parts.heartbeat = new HeartbeatSender(js, parts.monitor, {
    subject: heartbeatSubject(config.cluster), cluster: config.cluster, agentVersion: AGENT_VERSION,
    intervalMs: config.heartbeatIntervalMs, targets: () => parts.reconciler?.size ?? 0,
    kubernetesVersion: () => kube.kubernetesVersion,
  }, log);
  // after a NATS reconnect (the agent may have been cut off for long), read the version again
  parts.monitor.on('reconnect', () => void kube.readVersion().catch(() => undefined));
  parts.heartbeat.start();

  // keeper (drift, health, self-heal, reports) over shared live watches; reconciler, fed by the
  // desired-state watch; the diff endpoint
  const deps: ReconcileDeps = {
    kube,
    inventory: new InventoryStore(kube, config.namespace),
    bundles: new BundleFetcher(parts.nc),
    log,
    crdTimeoutMs: CRD_TIMEOUT_MS,
    applyConcurrency: config.applyConcurrency,
    ignoreManagers: config.ignoreManagers,
    trustedKeys,
  };
  const keeper = new Keeper(kube, parts.publisher, { cluster: config.cluster, agentVersion: AGENT_VERSION, ignoreManagers: config.ignoreManagers }, log);
  parts.keeper = keeper;
  parts.live = new LiveWatcher(kube, (e) => keeper.onLiveEvent(e), log);
  keeper.attach(parts.live);
  parts.reconciler = new Reconciler(
    deps,
    parts.publisher,
    { cluster: config.cluster, agentVersion: AGENT_VERSION, resyncIntervalMs: config.resyncIntervalMs, concurrency: config.concurrency },
    log,
    keeper,
  );
  const forDiff = parts.reconciler;
  parts.diff = new DiffResponder(parts.nc, config.cluster, (bundleId) => diffDesired(deps, config.cluster, bundleId, forDiff.desiredValue(bundleId)), log);
  parts.diff.start();
  parts.reconciler.start();
  const reconciler = parts.reconciler;
  parts.watcher = new DesiredStateWatcher(parts.nc, config.cluster, (e) => reconciler.onDesiredEvent(e), log);
  parts.watcher.start();
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  run(cli(process.argv)).catch((err: unknown) => {
    process.stderr.write(`gitfleet-agent: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
