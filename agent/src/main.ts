#!/usr/bin/env -S node --lite-mode --max-semi-space-size=1
/**
 * gitfleet-agent: watches this cluster's desired state in NATS JetStream, applies it to the local
 * Kubernetes cluster, prunes what left it and reports status. Wiring only; the logic lives in
 * nats/, kube/, inventory/ and reconcile/.
 */
import { readFileSync, realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { agentInboxPrefix, desiredStateKey, heartbeatSubject, statusSubject } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { DeferredStatusSink, DirStateStore, SecretStateStore, StateCache } from './cache/index.js';
import { type AgentConfig, parseConfig, type RawOptions } from './config.js';
import { CredentialsRotator, FileCredentialsStore, resolveCredentials, SecretCredentialsStore, type CredentialsHolder } from './credentials/index.js';
import { DEFAULT_IGNORE_MANAGERS } from './drift/ignore.js';
import { startProbeServer } from './probes.js';
import { InventoryStore } from './inventory/store.js';
import { ensureNamespace } from './kube/apply.js';
import { KubeClient } from './kube/client.js';
import { errorMessage } from './kube/errors.js';
import { HoldWatcher } from './kube/hold.js';
import { LiveWatcher } from './kube/watch.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels.js';
import { createAgentLogger, credsSecrets, LogSecrets, redactUrl, urlSecrets } from './logging.js';
import { BundleFetcher } from './nats/bundle-fetcher.js';
import { ConnectionMonitor, connectNats } from './nats/connection.js';
import { DesiredStateWatcher } from './nats/desired-watcher.js';
import { DiffResponder } from './nats/diff-responder.js';
import { HeartbeatSender, StatusPublisher } from './nats/status-publisher.js';
import { retryUntilDone } from './util/retry.js';
import { Keeper } from './reconcile/keeper.js';
import { diffAnswer, diffDesired } from './reconcile/plan.js';
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
    .addOption(new Option('--enrollment-url <url>', 'the hub\'s URL to enroll at with the registration token in GITFLEET_ENROLLMENT_TOKEN (once: the credentials are stored)').env('GITFLEET_ENROLLMENT_URL'))
    .addOption(new Option('--enrollment-token-file <file>', 'file holding the registration token (instead of GITFLEET_ENROLLMENT_TOKEN)').env('GITFLEET_ENROLLMENT_TOKEN_FILE'))
    .addOption(new Option('--cluster-labels <labels>', 'labels to ask for at enrollment, k=v,k2=v2').env('GITFLEET_CLUSTER_LABELS'))
    .addOption(new Option('--nats-creds-file <file>', 'NATS creds file to use, and to store enrolled credentials in (default: the credentials Secret)').env('GITFLEET_NATS_CREDS_FILE'))
    .addOption(new Option('--credentials-secret <name>', 'Secret in the agent namespace holding the enrolled NATS credentials').env('GITFLEET_CREDENTIALS_SECRET').default('gitfleet-agent-nats'))
    .addOption(new Option('--state-cache <where>', 'keep each target\'s last verified desired state for a cold start while NATS is down: secret (Secrets in the agent namespace), none, or a local directory').env('GITFLEET_STATE_CACHE').default('secret'))
    .addOption(new Option('--allow-self-management', 'let bundles change the agent\'s own Deployment, ServiceAccount, RBAC and credentials Secrets (refused by default)').env('GITFLEET_ALLOW_SELF_MANAGEMENT'))
    .addOption(new Option('--self-name <name>', 'the agent chart\'s full name: names of the agent\'s Deployment, RBAC and Secret, protected from bundles').env('GITFLEET_SELF_NAME').default('gitfleet-agent'))
    .addOption(new Option('--service-account <name>', 'the agent\'s ServiceAccount, protected from bundles (default: --self-name)').env('GITFLEET_SERVICE_ACCOUNT'))
    .addOption(new Option('--hold <reason>', 'spoke-side hold: ask the hub to send no new revision to this cluster now, for this reason (drift correction and health go on)').env('GITFLEET_HOLD'))
    .addOption(new Option('--hold-configmap <name>', 'ConfigMap in the agent namespace whose presence holds this cluster (key `reason`); none: not read').env('GITFLEET_HOLD_CONFIGMAP').default('gitfleet-hold'))
    .addOption(new Option('--hold-poll-interval <seconds>', 'how often the hold ConfigMap is read').env('GITFLEET_HOLD_POLL_INTERVAL').default('10'))
    .addOption(new Option('--bundle-public-keys <files>', 'comma-separated files of the hub\'s ed25519 public keys (PEM); desired states must be signed by one of them (also GITFLEET_BUNDLE_PUBLIC_KEY_FILE)').env('GITFLEET_BUNDLE_PUBLIC_KEYS'));
  program.parse(argv);
  try {
    // commander names --hold-configmap's value `holdConfigmap`
    const { holdConfigmap, ...opts } = program.opts<RawOptions & { enrollmentTokenFile?: string; holdConfigmap?: string }>();
    const enrollmentToken = opts.enrollmentTokenFile ? readFileSync(opts.enrollmentTokenFile, 'utf8') : process.env.GITFLEET_ENROLLMENT_TOKEN;
    return parseConfig({ ...opts, holdConfigMap: holdConfigmap, enrollmentToken, bundlePublicKeyFile: process.env.GITFLEET_BUNDLE_PUBLIC_KEY_FILE });
  } catch (err) {
    program.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    throw err; // not reached: program.error exits
  }
}

/**
 * Creates the agent namespace, retrying (with backoff, util/retry.ts) until the apiserver lets us;
 * returns quietly when `signal` aborts.
 */
async function ensureAgentNamespace(kube: KubeClient, namespace: string, log: Logger, signal: AbortSignal): Promise<void> {
  await retryUntilDone(async () => {
    if (await ensureNamespace(kube, namespace, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE })) log.info({ namespace }, 'created agent namespace');
  }, {
    signal,
    onRetry: (err, delay) => log.warn({ namespace, reason: errorMessage(err), retryInMs: delay }, 'cannot ensure agent namespace; retrying'),
  }).catch((err: unknown) => {
    if (!signal.aborted) throw err;
  });
}

/**
 * Reads the apiserver's version (for heartbeats), retrying with backoff until it answers; the
 * client reads it again after every re-resolution of its connection. Returns quietly when
 * `signal` aborts.
 */
async function readKubernetesVersion(kube: KubeClient, log: Logger, signal: AbortSignal): Promise<void> {
  await retryUntilDone(async () => {
    log.info({ kubernetesVersion: await kube.readVersion() }, 'read the Kubernetes version');
  }, {
    signal,
    onRetry: (err, delay) => log.warn({ reason: errorMessage(err), retryInMs: delay }, 'cannot read the Kubernetes version; retrying'),
  }).catch((err: unknown) => {
    if (!signal.aborted) throw err;
  });
}

/** Runs the agent until SIGTERM/SIGINT. */
export async function run(config: AgentConfig): Promise<void> {
  // no credential in any log line: the NATS URL's user info, the enrollment token, creds (logging.ts)
  const { log, secrets: logSecrets } = createAgentLogger({
    level: config.logLevel,
    base: { cluster: config.cluster, agentVersion: AGENT_VERSION },
    secrets: new LogSecrets().add(...urlSecrets(config.natsUrl), config.enrollmentToken),
  });
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const shutdown = new AbortController();
  // parts are created step by step; shutdown stops whatever exists
  const parts: {
    nc?: NatsConnection; watcher?: DesiredStateWatcher; reconciler?: Reconciler; heartbeat?: HeartbeatSender;
    publisher?: StatusPublisher; monitor?: ConnectionMonitor; probes?: Server; keeper?: Keeper; live?: LiveWatcher;
    diff?: DiffResponder; kube?: KubeClient; rotator?: CredentialsRotator; hold?: HoldWatcher;
  } = {};

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log.info({ signal }, 'shutting down');
      shutdown.abort();
      parts.heartbeat?.stop();
      parts.hold?.stop();
      parts.diff?.stop();
      parts.rotator?.stop();
      await parts.watcher?.stop();
      await parts.reconciler?.stop(20_000);
      parts.keeper?.stop();
      parts.live?.stop();
      parts.kube?.close();
      await parts.publisher?.close(5000);
      await parts.nc?.drain().catch((err: unknown) => log.warn({ err }, 'NATS drain failed'));
      parts.probes?.close();
      log.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info({ natsUrl: config.natsUrl.split(',').map((u) => redactUrl(u.trim())).join(','), namespace: config.namespace, kubeconfig: config.kubeconfig ?? '(in-cluster/default)', resyncIntervalS: config.resyncIntervalMs / 1000 }, 'starting gitfleet agent');
  // the hub's public keys: read before anything else (a bad key file stops the agent here)
  const trustedKeys = loadTrustedKeys(config.bundlePublicKeys);
  if (trustedKeys) log.info({ keyIds: [...trustedKeys.keys()], files: config.bundlePublicKeys }, 'verifying desired-state signatures');
  else log.warn('bundle signatures are not verified: no --bundle-public-keys');
  if (config.healthPort !== undefined) {
    parts.probes = await startProbeServer(config.healthPort, () => {
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
  // spoke-side hold: only reported in heartbeats (a change sends one at once); nothing here
  // refuses to apply because of it, the hub holds new revisions back
  parts.hold = new HoldWatcher(kube, {
    namespace: config.namespace, configMap: config.holdConfigMap, settingReason: config.hold, pollIntervalMs: config.holdPollIntervalMs,
    onChange: () => parts.heartbeat?.beatNow(),
  }, log);
  parts.hold.start();

  // keeper (drift, health, self-heal, reports) over shared live watches, and the reconciler;
  // they start before NATS: the state cache lets them enforce the last verified desired states
  // at once (cache/), reports wait in a buffer until NATS is connected
  const stateCache = new StateCache(
    config.stateCache.kind === 'secret' ? new SecretStateStore(kube, config.namespace)
      : config.stateCache.kind === 'dir' ? new DirStateStore(config.stateCache.dir) : undefined,
    log,
  );
  const sink = new DeferredStatusSink();
  const deps: ReconcileDeps = {
    kube,
    inventory: new InventoryStore(kube, config.namespace),
    bundles: stateCache,
    log,
    crdTimeoutMs: CRD_TIMEOUT_MS,
    applyConcurrency: config.applyConcurrency,
    ignoreManagers: config.ignoreManagers,
    trustedKeys,
    ...(config.allowSelfManagement ? {} : {
      selfObjects: { namespace: config.namespace, name: config.selfName, serviceAccount: config.serviceAccount, secrets: [config.credentialsSecret, config.selfName] },
    }),
  };
  if (config.allowSelfManagement) log.warn('self-management allowed: bundles may change the agent\'s own Deployment, ServiceAccount, RBAC and credentials');
  const keeper = new Keeper(kube, sink, { cluster: config.cluster, agentVersion: AGENT_VERSION, ignoreManagers: config.ignoreManagers }, log);
  parts.keeper = keeper;
  parts.live = new LiveWatcher(kube, (e) => keeper.onLiveEvent(e), log);
  keeper.attach(parts.live);
  parts.reconciler = new Reconciler(
    deps,
    sink,
    { cluster: config.cluster, agentVersion: AGENT_VERSION, resyncIntervalMs: config.resyncIntervalMs, concurrency: config.concurrency, stateCache },
    log,
    keeper,
  );
  const reconciler = parts.reconciler;
  reconciler.start();

  // cold start: every target's last verified desired state, as a replayed KV entry (verified
  // again on the normal path). Revision 0: the KV watch's replay of the same entry is handled
  // again (cheap when applied: observe), so a cached record that failed verification never
  // hides the real entry
  const cached = await stateCache.load();
  for (const t of cached) {
    reconciler.onDesiredEvent({ key: desiredStateKey(config.cluster, t.bundleId), operation: 'PUT', value: t.desired, revision: 0, replay: true });
  }
  if (cached.length > 0) log.info({ targets: cached.map((t) => t.bundleId) }, 'enforcing the cached desired states until NATS answers');

  // NATS identity: stored creds (Secret or file), else enroll with the registration token;
  // neither a creds file nor an enrollment URL → NATS without a user (no Secret is read, so the
  // agent starts and reports even while the apiserver is unreachable)
  const store = config.natsCredsFile ? new FileCredentialsStore(config.natsCredsFile)
    : config.enrollmentUrl ? new SecretCredentialsStore(kube, config.namespace, config.credentialsSecret) : undefined;
  let holder: CredentialsHolder | undefined;
  try {
    const creds = store && await resolveCredentials({
      cluster: config.cluster,
      store,
      ...(config.enrollmentUrl && config.enrollmentToken ? { enrollment: { hubUrl: config.enrollmentUrl, token: config.enrollmentToken, labels: config.clusterLabels } } : {}),
    }, log, shutdown.signal);
    if (creds) {
      logSecrets.add(...credsSecrets(creds));
      holder = { current: creds };
    }
  } catch (err) {
    if (shutdown.signal.aborted) return;
    throw err;
  }

  // NATS: connection (waits for the first connect, reconnects forever), status, heartbeat
  try {
    parts.nc = await connectNats({
      url: config.natsUrl, name: `gitfleet-agent/${config.cluster}`, signal: shutdown.signal,
      ...(holder ? { creds: () => holder.current, inboxPrefix: agentInboxPrefix(config.cluster) } : {}),
    }, log);
  } catch (err) {
    if (shutdown.signal.aborted) return;
    throw err;
  }
  log.info({ server: parts.nc.getServer() }, 'connected to NATS');
  // nats.js gives up (closes) after repeated authorization errors, e.g. revoked credentials;
  // without a connection the agent can do nothing, so it exits and says why
  void parts.nc.closed().then((err) => {
    if (stopping) return;
    log.fatal({ reason: err?.message ?? 'closed' }, 'NATS connection closed for good (credentials revoked or refused?); exiting');
    process.exit(1);
  });
  parts.monitor = new ConnectionMonitor(parts.nc, log);
  const js = jetstream(parts.nc, { timeout: 5000 });
  parts.publisher = new StatusPublisher(js, parts.monitor, { subject: statusSubject(config.cluster) }, log);
  if (sink.buffered > 0) log.info({ reports: sink.buffered }, 'sending the reports made before NATS answered');
  sink.attach(parts.publisher);
  stateCache.attach(new BundleFetcher(parts.nc, undefined, undefined, (digest, bytes) => stateCache.onFetched(digest, bytes)));
  parts.heartbeat = new HeartbeatSender(js, parts.monitor, {
    subject: heartbeatSubject(config.cluster), cluster: config.cluster, agentVersion: AGENT_VERSION,
    intervalMs: config.heartbeatIntervalMs, targets: () => parts.reconciler?.size ?? 0,
    kubernetesVersion: () => kube.kubernetesVersion,
    hold: () => parts.hold?.current,
  }, log);
  // after a NATS reconnect (the agent may have been cut off for long), read the version again
  parts.monitor.on('reconnect', () => void kube.readVersion().catch(() => undefined));
  parts.heartbeat.start();
  if (holder && store) {
    parts.rotator = new CredentialsRotator(parts.nc, parts.monitor, config.cluster, holder, store, log);
    parts.rotator.start();
  }

  // the diff endpoint and the desired-state watch
  parts.diff = new DiffResponder(parts.nc, config.cluster, (bundleId) => diffDesired(deps, config.cluster, bundleId, reconciler.desiredValue(bundleId)).then(diffAnswer), log);
  parts.diff.start();
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
