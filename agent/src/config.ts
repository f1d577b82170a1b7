/**
 * Agent configuration: the CLI flags (with environment fallbacks) validated into one object.
 * `parseConfig` is pure so the rules are unit-tested.
 */
import { isValidName } from '@gitfleet/proto';
import { DEFAULT_IGNORE_MANAGERS } from './drift/ignore.js';

/** Validated agent configuration. Durations in milliseconds. */
export interface AgentConfig {
  /** this cluster's name (DNS-1123 label) */
  cluster: string;
  /** NATS server URL(s), comma-separated */
  natsUrl: string;
  /** kubeconfig path; undefined → in-cluster config in a pod, else the default kubeconfig */
  kubeconfig: string | undefined;
  /** the agent's own namespace (inventory ConfigMaps) */
  namespace: string;
  resyncIntervalMs: number;
  heartbeatIntervalMs: number;
  /** port of /healthz and /readyz; undefined → no health server */
  healthPort: number | undefined;
  logLevel: string;
  /** targets reconciled concurrently */
  concurrency: number;
  /** objects applied concurrently inside one wave */
  applyConcurrency: number;
  /** field managers whose fields are never drift (e.g. an HPA's spec.replicas) */
  ignoreManagers: string[];
  /**
   * files of the hub's ed25519 public keys (PEM SPKI, one or more keys per file) that desired
   * states must be signed with; empty → signatures are not checked
   */
  bundlePublicKeys: string[];
}

/** Raw option values as commander hands them over (strings or undefined). */
export interface RawOptions {
  cluster?: string;
  natsUrl?: string;
  kubeconfig?: string;
  namespace?: string;
  resyncInterval?: string;
  heartbeatInterval?: string;
  healthPort?: string;
  logLevel?: string;
  concurrency?: string;
  applyConcurrency?: string;
  ignoreManagers?: string;
  /** --bundle-public-keys (or GITFLEET_BUNDLE_PUBLIC_KEYS): comma-separated key files */
  bundlePublicKeys?: string;
  /** GITFLEET_BUNDLE_PUBLIC_KEY_FILE (the agent chart mounts the hub's key there): one more key file */
  bundlePublicKeyFile?: string;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function positive(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

/**
 * Validates options (flags already merged with env by the caller: GITFLEET_CLUSTER,
 * GITFLEET_NATS_URL, KUBECONFIG, ...). The trusted key files are the union of
 * `--bundle-public-keys` (GITFLEET_BUNDLE_PUBLIC_KEYS) and GITFLEET_BUNDLE_PUBLIC_KEY_FILE.
 * @throws Error naming the flag and the rule it breaks
 */
export function parseConfig(raw: RawOptions): AgentConfig {
  const cluster = raw.cluster ?? '';
  if (!cluster) throw new Error('--cluster (or GITFLEET_CLUSTER) is required');
  if (!isValidName(cluster)) throw new Error(`--cluster "${cluster}" must be a DNS-1123 label (a-z, 0-9, '-', at most 63 characters)`);
  const namespace = raw.namespace || 'gitfleet-system';
  if (!isValidName(namespace)) throw new Error(`--namespace "${namespace}" must be a DNS-1123 label`);
  const logLevel = raw.logLevel || 'info';
  if (!LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    cluster,
    natsUrl: raw.natsUrl || 'nats://127.0.0.1:4222',
    kubeconfig: raw.kubeconfig || undefined,
    namespace,
    resyncIntervalMs: positive('--resync-interval', raw.resyncInterval ?? '300', 0.1, 86_400) * 1000,
    heartbeatIntervalMs: positive('--heartbeat-interval', raw.heartbeatInterval ?? '10', 0.1, 3600) * 1000,
    healthPort: raw.healthPort ? positive('--health-port', raw.healthPort, 0, 65_535) : undefined,
    logLevel,
    concurrency: positive('--concurrency', raw.concurrency ?? '4', 1, 64),
    applyConcurrency: positive('--apply-concurrency', raw.applyConcurrency ?? '8', 1, 64),
    ignoreManagers: raw.ignoreManagers === undefined
      ? [...DEFAULT_IGNORE_MANAGERS]
      : raw.ignoreManagers.split(',').map((m) => m.trim()).filter(Boolean),
    bundlePublicKeys: [...new Set([...(raw.bundlePublicKeys ?? '').split(','), raw.bundlePublicKeyFile ?? ''].map((f) => f.trim()).filter(Boolean))],
  };
}
