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
  /** the hub's base URL agents enroll at (`<url>/api/v1/enroll`); undefined → no enrollment */
  enrollmentUrl: string | undefined;
  /** the registration token (secret: from GITFLEET_ENROLLMENT_TOKEN or a file, never a flag value) */
  enrollmentToken: string | undefined;
  /** labels the agent asks for at enrollment */
  clusterLabels: Record<string, string>;
  /** NATS creds file: read from and (after enrollment) written to; undefined → the credentials Secret */
  natsCredsFile: string | undefined;
  /** name of the Secret in `namespace` holding the NATS creds (`nats.creds`) */
  credentialsSecret: string;
  /**
   * where each target's last verified desired state is kept for a cold start while NATS is down
   * (cache/): 'secret' (Secrets in `namespace`), a local directory, or 'none'
   */
  stateCache: { kind: 'secret' } | { kind: 'dir'; dir: string } | { kind: 'none' };
  /** let bundles change the agent's own Deployment, ServiceAccount, RBAC and credentials */
  allowSelfManagement: boolean;
  /** the agent chart's full name: its Deployment, RBAC and Secret names (reconcile/self-protection.ts) */
  selfName: string;
  /** the agent's ServiceAccount */
  serviceAccount: string;
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
  enrollmentUrl?: string;
  /** GITFLEET_ENROLLMENT_TOKEN, or the content of --enrollment-token-file (the caller reads it) */
  enrollmentToken?: string;
  clusterLabels?: string;
  natsCredsFile?: string;
  credentialsSecret?: string;
  /** --state-cache: secret | none | <directory> */
  stateCache?: string;
  /** --allow-self-management (a flag: true; GITFLEET_ALLOW_SELF_MANAGEMENT: "true"/"false") */
  allowSelfManagement?: string | boolean;
  selfName?: string;
  serviceAccount?: string;
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
    enrollmentUrl: enrollmentUrl(raw.enrollmentUrl),
    enrollmentToken: raw.enrollmentToken?.trim() || undefined,
    clusterLabels: parseLabels(raw.clusterLabels ?? ''),
    natsCredsFile: raw.natsCredsFile || undefined,
    credentialsSecret: checkSecretName(raw.credentialsSecret || 'gitfleet-agent-nats'),
    bundlePublicKeys: [...new Set([...(raw.bundlePublicKeys ?? '').split(','), raw.bundlePublicKeyFile ?? ''].map((f) => f.trim()).filter(Boolean))],
    stateCache: stateCache(raw.stateCache),
    allowSelfManagement: bool('--allow-self-management', raw.allowSelfManagement),
    selfName: checkName('--self-name', raw.selfName || 'gitfleet-agent'),
    serviceAccount: checkName('--service-account', raw.serviceAccount || raw.selfName || 'gitfleet-agent'),
  };
}

function stateCache(raw: string | undefined): AgentConfig['stateCache'] {
  const v = (raw ?? 'secret').trim();
  if (v === '' || v === 'secret') return { kind: 'secret' };
  if (v === 'none') return { kind: 'none' };
  return { kind: 'dir', dir: v };
}

function bool(name: string, raw: string | boolean | undefined): boolean {
  if (raw === undefined || raw === false || raw === '' || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function checkName(flag: string, name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) throw new Error(`${flag} "${name}" must be a DNS-1123 subdomain`);
  return name;
}

function enrollmentUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`--enrollment-url "${raw}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`--enrollment-url "${raw}" must be an http(s) URL`);
  return raw;
}

function checkSecretName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) throw new Error(`--credentials-secret "${name}" must be a DNS-1123 subdomain`);
  return name;
}

/**
 * Parses `k=v,k2=v2` into labels; keys and values follow Kubernetes label syntax (qualified
 * name, value of at most 63 characters; rule source: k8s.io/apimachinery validation).
 * @throws Error naming the bad entry
 */
export function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const keyRe = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
  const valueRe = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`--cluster-labels entry "${entry}" must be key=value`);
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    if (!keyRe.test(key)) throw new Error(`--cluster-labels key "${key}" is not a valid label key`);
    if (!valueRe.test(value)) throw new Error(`--cluster-labels value "${value}" of "${key}" is not a valid label value`);
    labels[key] = value;
  }
  return labels;
}
